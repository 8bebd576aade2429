/**
 * uuid4-to-ulid: `str(uuid.uuid4())`, `uuid4().hex` and UUID4s formatted into strings become
 * `dhruva.generate()`. Sites where the UUID object itself is used, or the ID is truncated, are
 * reported for review and left alone.
 */

import {
  type CodemodPlugin,
  type Edit,
  entryAt,
  type FileResult,
  type ImportBinding,
  identifiersNamed,
  importBindings,
  insideImport,
  jscodeshiftAdapter,
  type PyFile,
  python,
  type ReportEntry,
  replaceNode,
  resolveName,
  type SyntaxNode,
} from "../src/codemod/api.ts";
import {
  type GeneratorOptions,
  generateCall,
  importStyleOption,
  moduleOption,
} from "./python-id.ts";
import { untruncateOption } from "./shared-options.ts";

export interface Uuid4Options extends GeneratorOptions {
  /** Rewrite truncated IDs (`str(uuid4())[:8]`) to the full ULID instead of leaving them. */
  untruncate: boolean;
}

const NAME = "uuid4-to-ulid";
/** An import statement that names the uuid module; a backslash may continue its line. */
const UUID_IMPORT = /\bimport\b(?:[^\n#]|\\\r?\n)*\buuid\b|\bfrom\s+uuid\s+import\b/;
const OTHER_UUID_FUNCS = new Set(["uuid1", "uuid3", "uuid5", "UUID", "uuid6", "uuid7", "uuid8"]);

type UuidRef = { func: string; binding: ImportBinding; node: SyntaxNode };

/** `uuid.uuid4` / `u.uuid4` / `uuid4` / `make_id` resolved through the file's imports. */
function uuidFunction(ctx: PyFile, node: SyntaxNode): UuidRef | undefined {
  if (node.type === "attribute") {
    const obj = node.childForFieldName("object");
    const attr = node.childForFieldName("attribute");
    if (obj?.type !== "identifier" || !attr) return undefined;
    const r = resolveName(obj.text, node, ctx.imports.scopes);
    if (r && "binding" in r && r.binding.kind === "module" && r.binding.module === "uuid") {
      return { func: attr.text, binding: r.binding, node };
    }
    return undefined;
  }
  if (node.type === "identifier") {
    const parent = node.parent;
    // The `uuid4` in `uuid.uuid4` or in an import statement is not a reference on its own.
    if (parent?.type === "attribute" && parent.childForFieldName("attribute")?.id === node.id) {
      return undefined;
    }
    if (parent?.type === "keyword_argument" && parent.childForFieldName("name")?.id === node.id) {
      return undefined;
    }
    if (insideImport(node)) return undefined;
    const r = resolveName(node.text, node, ctx.imports.scopes);
    if (r && "binding" in r && r.binding.kind === "from" && r.binding.module === "uuid") {
      return { func: r.binding.imported as string, binding: r.binding, node };
    }
  }
  return undefined;
}

/** Skip parentheses around an expression when looking at how it is used. */
function outer(node: SyntaxNode): SyntaxNode {
  let cur = node;
  while (cur.parent?.type === "parenthesized_expression") cur = cur.parent;
  return cur;
}

const notComment = (n: SyntaxNode) => n.type !== "comment";

function isStringNode(node: SyntaxNode | null): node is SyntaxNode {
  return node?.type === "string" || node?.type === "concatenated_string";
}

type Verdict =
  | { kind: "rewrite"; site: SyntaxNode; note?: string }
  | { kind: "review"; site: SyntaxNode; reason: string };

/** How a `uuid4()` call's value is used decides whether a ULID string can take its place. */
function classify(call: SyntaxNode, options: Uuid4Options): Verdict {
  const c = outer(call);
  const parent = c.parent;
  let site: SyntaxNode | undefined;

  // str(uuid4())
  if (parent?.type === "argument_list" && parent.namedChildren.filter(notComment).length === 1) {
    const fn = parent.parent;
    if (fn?.type === "call" && fn.childForFieldName("function")?.text === "str") site = fn;
  }
  // uuid4().hex
  if (parent?.type === "attribute" && parent.childForFieldName("object")?.id === c.id) {
    const attr = parent.childForFieldName("attribute")?.text;
    if (attr === "hex") site = parent;
    else {
      return {
        kind: "review",
        site: parent,
        reason: `the UUID object's \`.${attr}\` is used; a ULID string has no such attribute`,
      };
    }
  }
  if (site) return truncation(site, options) ?? { kind: "rewrite", site };

  // f"...{uuid4()}..."
  if (parent?.type === "interpolation" && parent.childForFieldName("expression")?.id === c.id) {
    const conversion = parent.childForFieldName("type_conversion")?.text;
    if (parent.childForFieldName("format_specifier")) {
      return {
        kind: "review",
        site: call,
        reason: "formatted with a format spec meant for a UUID",
      };
    }
    if (conversion === "!r") {
      return {
        kind: "review",
        site: call,
        reason: "`!r` shows the UUID's repr, which a ULID changes",
      };
    }
    return { kind: "rewrite", site: call };
  }
  // "%s" % uuid4() and "%s-%s" % (a, uuid4())
  const operand = parent?.type === "tuple" ? outer(parent) : c;
  const op = operand.parent;
  if (
    op?.type === "binary_operator" &&
    op.childForFieldName("operator")?.text === "%" &&
    op.childForFieldName("right")?.id === operand.id &&
    isStringNode(op.childForFieldName("left"))
  ) {
    if (/%[-#0 +]*\d*r/.test(op.childForFieldName("left")?.text ?? "")) {
      return {
        kind: "review",
        site: call,
        reason: "`%r` shows the UUID's repr, which a ULID changes",
      };
    }
    return { kind: "rewrite", site: call };
  }
  // "{}".format(uuid4()) and "{id}".format(id=uuid4())
  const arg = parent?.type === "keyword_argument" ? parent : c;
  const list = arg.parent;
  if (
    list?.type === "argument_list" &&
    (arg === c || parent?.childForFieldName("value")?.id === c.id)
  ) {
    const fn = list.parent?.childForFieldName("function");
    if (fn?.type === "attribute" && fn.childForFieldName("attribute")?.text === "format") {
      const fmt = fn.childForFieldName("object");
      if (isStringNode(fmt)) {
        if (/!r/.test(fmt.text)) {
          return {
            kind: "review",
            site: call,
            reason: "`!r` shows the UUID's repr, which a ULID changes",
          };
        }
        return { kind: "rewrite", site: call };
      }
    }
  }
  return {
    kind: "review",
    site: call,
    reason:
      "the UUID object itself is used, not its string: the value's type would change from UUID to str",
  };
}

/** `str(uuid4())[:8]`: a ULID prefix is its timestamp, so short prefixes collide within a second. */
function truncation(site: SyntaxNode, options: Uuid4Options): Verdict | undefined {
  const s = outer(site);
  const sub = s.parent;
  if (sub?.type !== "subscript" || sub.childForFieldName("value")?.id !== s.id) return undefined;
  if (options.untruncate) {
    return {
      kind: "rewrite",
      site: sub,
      note: `untruncated: \`${sub.text}\` kept only part of the ID; now the full 26-character ULID`,
    };
  }
  return {
    kind: "review",
    site: sub,
    reason:
      "truncated ID: a ULID starts with its timestamp, so a prefix collides for every ID made within about a second (use --untruncate to take the full ULID)",
  };
}

/** The call of a uuid function at `node` (`uuid.uuid4` in `uuid.uuid4()`), if it is called. */
function callOf(node: SyntaxNode): SyntaxNode | undefined {
  return node.parent?.type === "call" && node.parent.childForFieldName("function")?.id === node.id
    ? node.parent
    : undefined;
}

/**
 * The expressions this transform replaces by a ULID in a file (`str(uuid.uuid4())`, the f-string
 * part, ...), without making any edit: what other transforms start from to find the code that
 * consumes the new IDs.
 */
export function rewrittenSites(ctx: PyFile, options: Uuid4Options): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const node of candidates(ctx)) {
    const ref = uuidFunction(ctx, node);
    const call = callOf(node);
    if (ref?.func !== "uuid4" || !call) continue;
    if ((call.childForFieldName("arguments")?.namedChildCount ?? 0) > 0) continue;
    const verdict = classify(call, options);
    if (verdict.kind === "rewrite") out.push(verdict.site);
  }
  return out;
}

export const plugin: CodemodPlugin<PyFile, Uuid4Options> = {
  name: NAME,
  language: python,
  options: [moduleOption, importStyleOption, untruncateOption],
  // A site needs a name bound by an import of uuid (see candidates): `import uuid`,
  // `import os, uuid as u`, `from uuid import uuid4`. `mock.uuid4()` and "uuid" in text are not.
  mayMatch: (source) => source.includes("uuid") && UUID_IMPORT.test(source.text),
  analyze(ctx, options): FileResult {
    const edits: Edit[] = [];
    const entries: ReportEntry[] = [];
    const report = (node: SyntaxNode, fields: Parameters<typeof entryAt>[3]) =>
      entries.push(entryAt(NAME, ctx, node, fields));
    for (const node of candidates(ctx)) {
      const ref = uuidFunction(ctx, node);
      if (!ref) continue;
      const call = callOf(node);
      if (ref.func !== "uuid4") {
        if (OTHER_UUID_FUNCS.has(ref.func) && call) {
          report(call, {
            before: call.text,
            after: null,
            outcome: "unchanged",
            reason: `\`${ref.func}\` is not a random UUID4; left as it is`,
          });
        }
        continue;
      }
      if (!call) {
        report(node, {
          before: node.text,
          after: null,
          outcome: "needs-review",
          reason: "uuid4 passed as a function: whoever calls it gets a UUID object, not a string",
        });
        continue;
      }
      const args = call.childForFieldName("arguments");
      if (args && args.namedChildCount > 0) continue;
      const verdict = classify(call, options);
      if (verdict.kind === "review") {
        report(verdict.site, {
          before: verdict.site.text,
          after: null,
          outcome: "needs-review",
          reason: verdict.reason,
        });
        continue;
      }
      const { call: after, note } = generateCall(ctx, options);
      const replaced = replaceNode(ctx.source, verdict.site, after);
      if ("reason" in replaced) {
        report(verdict.site, {
          before: verdict.site.text,
          after: null,
          outcome: "needs-review",
          reason: replaced.reason,
        });
        continue;
      }
      // Column widths and validators sized for a UUID string are a reviewer's business.
      const was = { attribute: "32 hex characters", subscript: "a slice" }[verdict.site.type];
      const reasons = [
        `used as a string: a ULID string takes its place (was ${was ?? "36 characters"}, now 26)`,
        verdict.note,
        note,
      ];
      const entry = entryAt(NAME, ctx, verdict.site, {
        before: verdict.site.text,
        after,
        outcome: "rewritten",
        reason: reasons.filter(Boolean).join("; "),
      });
      entries.push(entry);
      edits.push({ ...replaced.edit, entry });
      ctx.imports.removeIfUnused(ref.binding);
    }
    entries.sort((a, b) => a.line - b.line || a.column - b.column);
    return { edits, entries };
  },
};

/**
 * Nodes that may name a uuid function: the names the file's `uuid` imports bind (in any scope),
 * as identifiers (`uuid4`, `make_id`) or as the object of an attribute (`uuid.uuid4`, `u.uuid4`).
 */
function candidates(ctx: PyFile): SyntaxNode[] {
  const { source, tree } = ctx;
  const root = tree.rootNode;
  const locals = new Map<string, "module" | "from">();
  const seenStatements = new Set<number>();
  for (const id of identifiersNamed(root, source, "uuid")) {
    const stmt = importStatementOf(id);
    if (!stmt || seenStatements.has(stmt.id)) continue;
    seenStatements.add(stmt.id);
    for (const b of importBindings(stmt, stmt))
      if (b.module === "uuid") locals.set(b.local, b.kind);
  }
  const out: SyntaxNode[] = [];
  for (const [local, kind] of locals) {
    for (const id of identifiersNamed(root, source, local)) {
      if (kind === "from") out.push(id);
      else if (
        id.parent?.type === "attribute" &&
        id.parent.childForFieldName("object")?.id === id.id
      ) {
        out.push(id.parent);
      }
    }
  }
  return out;
}

function importStatementOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "import_statement" || p.type === "import_from_statement") return p;
    if (p.type !== "dotted_name" && p.type !== "aliased_import") return undefined;
  }
  return undefined;
}

export default jscodeshiftAdapter(plugin);
