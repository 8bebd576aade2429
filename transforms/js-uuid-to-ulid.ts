/**
 * js-uuid-to-ulid: random UUID strings in TypeScript and JavaScript (`uuidv4()`, `uuid.v4()`,
 * `crypto.randomUUID()`, `randomUUID()` from node:crypto, and their CommonJS forms) become
 * `ulid()` from the `ulid` package. Sites that depend on the UUID's format, length or bytes are
 * reported for review and left alone; so are the format's consumers (`validate()`, UUID regexes,
 * `length === 36`).
 */
import {
  type CodemodPlugin,
  type Edit,
  type FileResult,
  isPropertyName,
  jscodeshiftAdapter,
  type ModuleBinding,
  type PrefilterSource,
  type ReportEntry,
  refersTo,
  replaceWithCall,
  requiredModule,
  resolveIdentifier,
  type StringSpec,
  type TsFile,
  type TsNode,
  tsApi,
  tsEntryAt,
  tsIdentifiersNamed,
  typescript,
} from "../src/codemod/api.ts";
import { untruncateOption } from "./shared-options.ts";

export interface JsUuidOptions {
  untruncate: boolean;
  /** The range package.json gets for `ulid` when a file starts importing it. */
  ulidVersion: string;
}

const ulidVersionOption: StringSpec = {
  key: "ulidVersion",
  kind: "string",
  description: "version range of the ulid package added to package.json",
  default: "^3.0.2",
  valueName: "range",
  pattern: /^[\w.^~<>=| *-]+$/,
  expected: "a version range such as ^3.0.2",
};

const NAME = "js-uuid-to-ulid";
const CRYPTO = new Set(["crypto", "node:crypto"]);
/** uuid exports that are not a random v4 (constants included). */
const NOT_V4 = new Set(["v1", "v3", "v5", "v6", "v7", "v1ToV6", "v6ToV1", "NIL", "MAX"]);
/** uuid exports that read or check the UUID format: a ULID breaks them. */
const CONSUMERS: Record<string, string> = {
  validate: "`validate()` checks the UUID format: a ULID fails it",
  version: "`version()` reads the UUID's version digit: a ULID has none (it throws)",
  parse: "`parse()` turns a UUID string into its 16 bytes: a ULID is not one (it throws)",
  stringify: "`stringify()` formats 16 bytes as a UUID string",
};
const TRUNCATE = new Set(["slice", "substring", "substr", "padEnd"]);
const TRUNCATED =
  "truncated ID: a ULID starts with its timestamp, so a prefix collides for every ID made within about a second (use --untruncate to take the full ULID)";
const UUID_TYPE = /uuid|`\$\{string\}-/i;

type Ref = { lib: "uuid" | "crypto"; func: string; binding?: ModuleBinding };

type Verdict =
  | { kind: "rewrite"; site: TsNode; was?: string; note?: string }
  | { kind: "review"; site: TsNode; reason: string };

/** Does the file speak of UUIDs at all (`length === 36` is only reported where it does)? */
function mentionsUuid(source: PrefilterSource): boolean {
  return source.includes("uuid") || source.includes("UUID") || source.includes("Uuid");
}

/**
 * What a file must contain for each check to find anything; the pre-filter asks the same, so a
 * file that mentions UUIDs only in passing (a locale's format names) is never parsed.
 */
const mayHaveSites = (s: PrefilterSource) =>
  s.includes('"uuid') || s.includes("'uuid") || s.includes("randomUUID");
const mayHavePattern = (s: PrefilterSource) => s.includes("{8}") || s.includes("{36}");
const mayCompareLength = (s: PrefilterSource) => s.includes("36") && mentionsUuid(s);

function fromModule(module: string, func: string, binding?: ModuleBinding): Ref | undefined {
  if (module === "uuid" && (func === "v4" || NOT_V4.has(func) || func in CONSUMERS)) {
    return binding ? { lib: "uuid", func, binding } : { lib: "uuid", func };
  }
  if (CRYPTO.has(module) && func === "randomUUID") {
    return binding ? { lib: "crypto", func, binding } : { lib: "crypto", func };
  }
  return undefined;
}

function skipParens(node: TsNode): TsNode {
  const api = tsApi();
  let n = node;
  while (api.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

const boundNames = new WeakMap<TsFile, Set<string>>();

/**
 * Names that may lead to uuid or crypto: what the file's uuid/crypto imports and requires bind
 * (at any depth), and the globals. Only these are resolved, not every identifier of the file.
 */
function leadNames(ctx: TsFile): Set<string> {
  const names = boundNames.get(ctx);
  if (names) return names;
  const api = tsApi();
  // The Web Crypto global, only where randomUUID is named at all.
  const found = new Set(
    ctx.source.includes("randomUUID") ? ["crypto", "globalThis", "window", "self"] : [],
  );
  const ours = (m: string | undefined) =>
    m === "uuid" || m === "uuid/v4" || (m !== undefined && CRYPTO.has(m));
  const addNames = (n: TsNode) => {
    if (api.isIdentifier(n)) found.add(n.text);
    else api.forEachChild(n, addNames);
  };
  const visit = (node: TsNode): void => {
    if (api.isImportDeclaration(node)) {
      if (api.isStringLiteral(node.moduleSpecifier) && ours(node.moduleSpecifier.text)) {
        if (node.importClause) addNames(node.importClause);
      }
      return;
    }
    if (api.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (api.isExternalModuleReference(ref) && api.isStringLiteral(ref.expression)) {
        if (ours(ref.expression.text)) found.add(node.name.text);
      }
      return;
    }
    if (api.isVariableDeclaration(node) && node.initializer) {
      const init = skipParens(node.initializer);
      const module =
        requiredModule(init) ??
        (api.isPropertyAccessExpression(init)
          ? requiredModule(skipParens(init.expression))
          : undefined);
      if (ours(module)) addNames(node.name);
    }
    api.forEachChild(node, visit);
  };
  visit(ctx.sf);
  boundNames.set(ctx, found);
  return found;
}

/**
 * Which uuid or crypto function an expression names, through the file's imports and requires.
 * When it names one, the file is bound (its nodes' parents set) for what follows.
 */
function refOf(ctx: TsFile, expr: TsNode): Ref | undefined {
  const ref = findRef(ctx, expr);
  if (ref) void ctx.checker;
  return ref;
}

function findRef(ctx: TsFile, expr: TsNode): Ref | undefined {
  const api = tsApi();
  if (api.isIdentifier(expr)) {
    if (!leadNames(ctx).has(expr.text)) return undefined;
    // Binds the file (parents, names) before anything walks up from here.
    const checker = ctx.checker;
    if (isPropertyName(expr)) return undefined;
    const b = resolveIdentifier(checker, expr);
    if (!b || b === "global" || b.typeOnly) return undefined;
    // uuid's old deep import: `import uuidv4 from "uuid/v4"`, `require("uuid/v4")`.
    if (b.module === "uuid/v4" && b.kind !== "named") return fromModule("uuid", "v4", b);
    if (b.kind !== "named") return undefined;
    return fromModule(b.module, b.imported as string, b);
  }
  if (!api.isPropertyAccessExpression(expr) || !api.isIdentifier(expr.name)) return undefined;
  const func = expr.name.text;
  const obj = skipParens(expr.expression);
  if (api.isIdentifier(obj)) {
    if (!leadNames(ctx).has(obj.text)) return undefined;
    const b = resolveIdentifier(ctx.checker, obj);
    // The Web Crypto global: `crypto` bound nowhere in the file.
    if (b === "global") return obj.text === "crypto" ? fromModule("crypto", func) : undefined;
    if (!b || b.kind === "named" || b.typeOnly) return undefined;
    return fromModule(b.module, func, b);
  }
  // globalThis.crypto / window.crypto / self.crypto
  if (
    api.isPropertyAccessExpression(obj) &&
    obj.name.text === "crypto" &&
    api.isIdentifier(obj.expression) &&
    ["globalThis", "window", "self"].includes(obj.expression.text) &&
    resolveIdentifier(ctx.checker, obj.expression) === "global"
  ) {
    return fromModule("crypto", func);
  }
  const module = requiredModule(obj);
  return module === undefined ? undefined : fromModule(module, func);
}

/** The expression as its user sees it: through parentheses, `as T`, `!` and `satisfies T`. */
function outerOf(node: TsNode): { outer: TsNode; cast?: string } {
  const api = tsApi();
  let outer = node;
  let cast: string | undefined;
  for (;;) {
    const p = outer.parent;
    if (api.isParenthesizedExpression(p) || api.isNonNullExpression(p)) outer = p;
    else if (api.isAsExpression(p) || api.isSatisfiesExpression(p)) {
      cast ??= p.type.getText();
      outer = p;
    } else return cast ? { outer, cast } : { outer };
  }
}

/** `.replace(/-/g, "")` or `.replaceAll("-", "")`: the 32 hex digits. */
function removesDashes(call: TsNode, member: string): boolean {
  const api = tsApi();
  if (!api.isCallExpression(call) || call.arguments.length !== 2) return false;
  const [pattern, by] = call.arguments;
  if (!by || !api.isStringLiteralLike(by) || by.text !== "") return false;
  if (member === "replaceAll")
    return !!pattern && api.isStringLiteralLike(pattern) && pattern.text === "-";
  return !!pattern && api.isRegularExpressionLiteral(pattern) && pattern.text === "/-/g";
}

/**
 * What a use of the UUID string (`at`) does with its format, or undefined when a ULID string
 * serves as well. `site` is what a rewrite would replace when the use itself can go (hex, the
 * full ID for a truncation with --untruncate).
 */
function formatUse(
  ctx: TsFile,
  at: TsNode,
): { why: string; truncation?: TsNode; whole?: TsNode } | undefined {
  const api = tsApi();
  const { outer } = outerOf(at);
  const parent = outer.parent;
  if (api.isPropertyAccessExpression(parent) && parent.expression === outer) {
    const member = parent.name.text;
    const use = parent.parent;
    const called = api.isCallExpression(use) && use.expression === parent ? use : undefined;
    if (called && TRUNCATE.has(member)) return { why: TRUNCATED, truncation: called };
    if (called && member === "split") {
      const index = outerOf(called).outer.parent;
      if (api.isElementAccessExpression(index) && index.expression === outerOf(called).outer) {
        return { why: TRUNCATED, truncation: index };
      }
      return { why: "split on the UUID's dashes: a ULID has none, so the parts change" };
    }
    if (called && removesDashes(called, member)) {
      return { why: "", whole: called };
    }
    if (member === "length") {
      return { why: "its length is read: 36 characters for a UUID, 26 for a ULID" };
    }
  }
  if (api.isCallExpression(parent) && parent.arguments.includes(outer as never)) {
    const r = refOf(ctx, parent.expression);
    if (r?.lib === "uuid" && r.func in CONSUMERS) {
      return { why: `passed to uuid's \`${r.func}()\`, which reads a UUID` };
    }
  }
  return undefined;
}

/** How a call's value is used decides whether a ULID string can take its place. */
function classify(ctx: TsFile, call: TsNode, options: JsUuidOptions): Verdict {
  const api = tsApi();
  const { outer, cast } = outerOf(call);
  if (cast && UUID_TYPE.test(cast)) {
    return { kind: "review", site: call, reason: `cast to \`${cast}\`: a ULID string is not one` };
  }
  const use = formatUse(ctx, call);
  if (use?.whole) {
    return { kind: "rewrite", site: use.whole, was: "32 hex characters" };
  }
  if (use?.truncation) {
    if (options.untruncate) {
      return {
        kind: "rewrite",
        site: use.truncation,
        was: "a slice of a UUID",
        note: `untruncated: \`${use.truncation.getText(ctx.sf)}\` kept only part of the ID; now the full 26-character ULID`,
      };
    }
    return { kind: "review", site: use.truncation, reason: use.why };
  }
  if (use) return { kind: "review", site: call, reason: use.why };
  const parent = outer.parent;
  if (
    (api.isVariableDeclaration(parent) ||
      api.isPropertyDeclaration(parent) ||
      api.isParameter(parent)) &&
    parent.initializer === outer
  ) {
    const type = parent.type?.getText(ctx.sf);
    if (type && UUID_TYPE.test(type)) {
      return {
        kind: "review",
        site: call,
        reason: `declared as \`${type}\`: a ULID string is not one, so the type would no longer hold`,
      };
    }
    // A variable (or a parameter's default) whose later uses depend on the format.
    if (
      (api.isVariableDeclaration(parent) || api.isParameter(parent)) &&
      api.isIdentifier(parent.name)
    ) {
      const name = parent.name;
      for (const id of tsIdentifiersNamed(ctx.sf, name.text)) {
        if (id === name || !refersTo(ctx.checker, id, parent)) continue;
        const later = formatUse(ctx, id);
        if (!later || later.whole) continue;
        const line = ctx.sf.getLineAndCharacterOfPosition(id.getStart(ctx.sf)).line + 1;
        return {
          kind: "review",
          site: call,
          reason: `\`${name.text}\` is used as a UUID at line ${line}: ${later.why}`,
        };
      }
    }
  }
  return { kind: "rewrite", site: call };
}

/** `/^[0-9a-f]{8}-[0-9a-f]{4}-.../i`, `{36}`: a pattern of the UUID format. */
function isUuidPattern(text: string): boolean {
  return (text.includes("{8}") && text.includes("{4}")) || text.includes("{36}");
}

const PATTERN_REASON =
  "a UUID-format pattern: a ULID (26 Crockford base32 characters, no dashes) does not match it";

export const plugin: CodemodPlugin<TsFile, JsUuidOptions> = {
  name: NAME,
  language: typescript,
  options: [untruncateOption, ulidVersionOption],
  mayMatch: (source) => mayHaveSites(source) || mayHavePattern(source) || mayCompareLength(source),
  analyze(ctx, options): FileResult {
    const api = tsApi();
    const edits: Edit[] = [];
    const entries: ReportEntry[] = [];
    const report = (node: TsNode, fields: Omit<Parameters<typeof tsEntryAt>[3], "before">) =>
      entries.push(tsEntryAt(NAME, ctx, node, { before: node.getText(ctx.sf), ...fields }));
    const review = (node: TsNode, reason: string) =>
      report(node, { after: null, outcome: "needs-review", reason });
    const aboutUuids = mentionsUuid({
      text: ctx.source,
      includes: (n) => ctx.source.includes(n),
    });

    const onCall = (call: TsNode & { arguments: readonly TsNode[] }, ref: Ref) => {
      if (ref.func !== "v4" && ref.func !== "randomUUID") {
        if (NOT_V4.has(ref.func)) {
          report(call, {
            after: null,
            outcome: "unchanged",
            reason: `\`${ref.func}()\` is not a random v4 UUID; left as it is`,
          });
        } else review(call, CONSUMERS[ref.func] as string);
        return;
      }
      if (call.arguments.length > 0) {
        const reason =
          ref.lib === "crypto"
            ? "`randomUUID(options)`: called with options; left for a person"
            : call.arguments.length > 1
              ? "`v4(options, buffer)` writes the UUID's 16 bytes into a buffer: the value is bytes, not a string"
              : "`v4(options)`: the options choose the random bytes (or the generator), which a ULID has no use for";
        review(call, reason);
        return;
      }
      const verdict = classify(ctx, call, options);
      if (verdict.kind === "review") {
        review(verdict.site, verdict.reason);
        return;
      }
      const got = ctx.imports.ensure({
        module: "ulid",
        name: "ulid",
        alias: "generateUlid",
        dependency: options.ulidVersion,
        by: NAME,
      });
      if ("error" in got) {
        review(verdict.site, got.error);
        return;
      }
      const edit = replaceWithCall(ctx.sf, verdict.site, got.local, ctx.newline);
      const reasons = [
        `used as a string: a ULID string takes its place (was ${verdict.was ?? "36 characters"}, now 26)`,
        verdict.note,
        got.note,
      ];
      const entry = tsEntryAt(NAME, ctx, verdict.site, {
        before: verdict.site.getText(ctx.sf),
        after: edit.text,
        outcome: "rewritten",
        reason: reasons.filter(Boolean).join("; "),
      });
      entries.push(entry);
      edits.push({ ...edit, entry });
      if (ref.binding) ctx.imports.removeIfUnused(ref.binding);
    };

    const onReference = (node: TsNode, ref: Ref) => {
      if (ref.func === "v4" || ref.func === "randomUUID") {
        review(
          node,
          "the function itself is passed on, not called here: its callers get a UUID, and arguments they pass would mean something else to ulid()",
        );
      } else if (ref.func === "NIL" || ref.func === "MAX") {
        report(node, {
          after: null,
          outcome: "unchanged",
          reason: `\`${ref.func}\` is a fixed UUID, not a random v4; left as it is`,
        });
      } else if (ref.func in CONSUMERS) review(node, CONSUMERS[ref.func] as string);
    };

    const visit = (node: TsNode): void => {
      // Declarations and types name things; they use no value.
      if (
        api.isImportDeclaration(node) ||
        api.isImportEqualsDeclaration(node) ||
        api.isExportDeclaration(node) ||
        api.isTypeNode(node)
      ) {
        return;
      }
      if (api.isVariableDeclaration(node) || api.isBindingElement(node)) {
        if (api.isBindingElement(node) && node.initializer) visit(node.initializer);
        if (api.isVariableDeclaration(node)) {
          if (!api.isIdentifier(node.name)) visit(node.name);
          if (node.initializer) visit(node.initializer);
        }
        return;
      }
      if (api.isCallExpression(node)) {
        const ref = refOf(ctx, node.expression);
        if (ref) {
          onCall(node, ref);
          // The callee is handled; its arguments may hold more.
          for (const a of node.arguments) visit(a);
          return;
        }
        const callee = skipParens(node.expression);
        if (
          api.isIdentifier(callee) &&
          callee.text === "RegExp" &&
          aboutUuids &&
          node.arguments[0] &&
          api.isStringLiteralLike(node.arguments[0]) &&
          isUuidPattern(node.arguments[0].text)
        ) {
          review(node, PATTERN_REASON);
        }
      } else if (api.isNewExpression(node)) {
        const arg = node.arguments?.[0];
        if (
          api.isIdentifier(node.expression) &&
          node.expression.text === "RegExp" &&
          arg &&
          api.isStringLiteralLike(arg) &&
          isUuidPattern(arg.text)
        ) {
          review(node, PATTERN_REASON);
        }
      } else if (api.isRegularExpressionLiteral(node)) {
        if (isUuidPattern(node.text)) review(node, PATTERN_REASON);
        return;
      } else if (api.isBinaryExpression(node) && aboutUuids && comparesLength36(node)) {
        review(node, "compares a length with 36, a UUID's: a ULID is 26 characters");
      } else if (api.isIdentifier(node) || api.isPropertyAccessExpression(node)) {
        // A callee is its call's business (refOf first: it binds the file, parents included).
        const ref = refOf(ctx, node);
        if (ref && !(api.isCallExpression(node.parent) && node.parent.expression === node)) {
          onReference(node, ref);
          return;
        }
      }
      api.forEachChild(node, visit);
    };
    visit(ctx.sf);
    entries.sort((a, b) => a.line - b.line || a.column - b.column);
    return { edits, entries };
  },
};

function comparesLength36(node: TsNode): boolean {
  const api = tsApi();
  if (!api.isBinaryExpression(node)) return false;
  const k = api.SyntaxKind;
  const ops = [
    k.EqualsEqualsEqualsToken,
    k.EqualsEqualsToken,
    k.ExclamationEqualsEqualsToken,
    k.ExclamationEqualsToken,
    k.LessThanToken,
    k.LessThanEqualsToken,
    k.GreaterThanToken,
    k.GreaterThanEqualsToken,
  ];
  if (!ops.includes(node.operatorToken.kind)) return false;
  const isLength = (n: TsNode) => {
    const e = skipParens(n);
    return api.isPropertyAccessExpression(e) && e.name.text === "length";
  };
  const is36 = (n: TsNode) => {
    const e = skipParens(n);
    return api.isNumericLiteral(e) && e.text === "36";
  };
  return (isLength(node.left) && is36(node.right)) || (is36(node.left) && isLength(node.right));
}

export default jscodeshiftAdapter(plugin);
