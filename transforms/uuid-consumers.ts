/**
 * uuid-consumers: the code that still assumes an ID is a UUID once the producers mint ULIDs.
 *
 * Producers, found across every candidate file by `index`: the sites uuid4-to-ulid rewrites
 * (with the same options) and the calls of the ULID generator already in the code
 * (`dhruva.generate()`). What holds each one is a key: a name, attribute, field, keyword or dict
 * key (`job_id`), or a function whose result it is (`new_job`); names assigned from such a
 * function's result, and functions returning such a name, are keys too.
 *
 * Consumers, each reported `blocking` when what it reads is reached from a key (the same name,
 * attribute, field, key or function result), else `needs-review`:
 * - `uuid.UUID(x)` / `UUID(x, version=4)`, in a validator or not (raises ValueError on a ULID);
 * - a UUID regex (`[0-9a-f]{8}-[0-9a-f]{4}-...`, `[0-9a-f]{32}`) applied to a value, compiled,
 *   or given to `Field(pattern=...)`; a UUID regex with no use in its file is reported itself;
 * - `len(x) == 36` / `!= 32` (and the other way round);
 * - annotations and model fields declaring the ID `UUID`, `uuid.UUID`, `UUID4`, SQLAlchemy
 *   `UUID` columns;
 * - `.hex`, `.int`, `.bytes`, ... of an ID (only when reached: the attributes are common);
 * - SQL DDL in a string that declares a column `UUID`;
 * - in test files, a UUID literal given to a migrated field (only when reached).
 * UUID literals used as fixed identities (`MODULE_ID = UUID("7f3a...")`) are not consumers.
 *
 * `--accept-ulid` rewrites the two shapes a migration can safely widen, when blocking: a UUID
 * parse whose result is thrown away (a validation) also accepts a ULID, and
 * `assert len(x) == 36` (or `if len(x) != 36: raise`) also accepts 26. Everything else is
 * reported only.
 */

import {
  type BooleanSpec,
  type CodemodPlugin,
  type Edit,
  entryAt,
  type FileResult,
  identifiersNamed,
  insideImport,
  jscodeshiftAdapter,
  type PrefilterSource,
  type PyFile,
  python,
  type ReportEntry,
  replaceNode,
  resolveName,
  type SyntaxNode,
  wordsPattern,
} from "../src/codemod/api.ts";
import { type GeneratorOptions, moduleOption } from "./python-id.ts";
import {
  callArguments,
  calleeName,
  enclosingFunction,
  type Holder,
  holderOf,
  inner,
  lineOf,
  plainString,
} from "./python-values.ts";
import { untruncateOption } from "./shared-options.ts";
import { rewrittenSites } from "./uuid4-to-ulid.ts";

export interface ConsumerOptions extends GeneratorOptions {
  untruncate: boolean;
  acceptUlid: boolean;
}

const NAME = "uuid-consumers";

const acceptUlidOption: BooleanSpec = {
  key: "acceptUlid",
  kind: "boolean",
  description:
    "uuid-consumers: let UUID-only validations (a discarded UUID(x), assert len(x) == 36) accept a ULID too",
  default: false,
};

/** Where a key's ULID comes from, for the report. */
interface Producer {
  file: string;
  line: number;
  text: string;
  /** How the key holds it: `job_id`, `new_job()`. */
  via: string;
}

export interface ConsumerIndex {
  names: Map<string, Producer>;
  functions: Map<string, Producer>;
  /** Module-level names bound to a UUID regex, in any file. */
  patterns: Set<string>;
  /** Those of them some other file names (its uses are reported there). */
  sharedPatterns: Set<string>;
}

/** `[0-9a-f]{8}-[0-9a-f]{4}-...-[0-9a-f]{12}` in any spelling, or 32 hex characters. */
const UUID_REGEX = /\{8\}.{0,40}\{4\}.{0,80}\{12\}|\[[^\]]*(?:0-9a-f|a-f0-9)[^\]]*\]\{32\}/i;
const UUID_LITERAL = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID_ATTRIBUTES = new Set([
  "hex",
  "int",
  "bytes",
  "bytes_le",
  "urn",
  "fields",
  "time_low",
  "time_mid",
  "time_hi_version",
  "clock_seq",
]);
const REGEX_FUNCS = new Set(["match", "fullmatch", "search", "findall", "finditer"]);
const PATTERN_KEYWORDS = new Set(["pattern", "regex"]);
const ULID_RE = 'r"[0-7][0-9A-HJKMNP-TV-Z]{25}"';

/** A test module (pytest's and unittest's conventions). */
export function isTestPath(file: string): boolean {
  return (
    /(^|\/)(tests?|testing)\//.test(file) ||
    /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/.test(file)
  );
}

// Imports -------------------------------------------------------------------------------------

type TypeKind = "uuid" | "pydantic" | "sqlalchemy";

/** What a `UUID`-ish name refers to: uuid.UUID, pydantic's UUID1..8, SQLAlchemy's UUID type. */
function uuidType(ctx: PyFile, node: SyntaxNode): TypeKind | undefined {
  const kindOf = (module: string, name: string): TypeKind | undefined => {
    if (module === "uuid" && name === "UUID") return "uuid";
    if (/^pydantic(\.|$)/.test(module) && /^UUID\d$/.test(name)) return "pydantic";
    if (/^sqlalchemy(\.|$)/.test(module) && (name === "UUID" || name === "Uuid"))
      return "sqlalchemy";
    return undefined;
  };
  if (node.type === "identifier") {
    const r = resolveName(node.text, node, ctx.imports.scopes);
    if (r && "binding" in r && r.binding.kind === "from") {
      return kindOf(r.binding.module, r.binding.imported as string);
    }
    return undefined;
  }
  if (node.type === "attribute") {
    const obj = node.childForFieldName("object");
    const attr = node.childForFieldName("attribute")?.text;
    if (!attr) return undefined;
    // `sqlalchemy.dialects.postgresql.UUID`: the module is the whole dotted object.
    let base = obj;
    while (base?.type === "attribute") base = base.childForFieldName("object");
    if (base?.type !== "identifier" || !obj) return undefined;
    const r = resolveName(base.text, node, ctx.imports.scopes);
    if (r && "binding" in r && r.binding.kind === "module") {
      const module = r.binding.module + obj.text.slice(base.text.length);
      return kindOf(module, attr);
    }
  }
  return undefined;
}

/** The names and attribute nodes that may refer to a UUID type (by the file's imports). */
function uuidTypeRefs(ctx: PyFile): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const root = ctx.tree.rootNode;
  const seen = new Set<number>();
  for (const word of [
    "UUID",
    "Uuid",
    "UUID1",
    "UUID3",
    "UUID4",
    "UUID5",
    "UUID6",
    "UUID7",
    "UUID8",
  ]) {
    if (!ctx.source.includes(word)) continue;
    for (const id of identifiersNamed(root, ctx.source, word)) {
      const parent = id.parent;
      const node =
        parent?.type === "attribute" && parent.childForFieldName("attribute")?.id === id.id
          ? parent
          : id;
      if (seen.has(node.id) || insideImport(node)) continue;
      seen.add(node.id);
      if (uuidType(ctx, node)) out.push(node);
    }
  }
  return out;
}

/** Calls of the ULID generator already in the code (`dhruva.generate()`, `generate()`). */
function generatorCalls(ctx: PyFile, module: string): SyntaxNode[] {
  if (!ctx.source.includes("generate")) return [];
  const out: SyntaxNode[] = [];
  for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, "generate")) {
    const parent = id.parent;
    let fn: SyntaxNode = id;
    let ok = false;
    if (parent?.type === "attribute" && parent.childForFieldName("attribute")?.id === id.id) {
      fn = parent;
      const obj = parent.childForFieldName("object");
      const r =
        obj?.type === "identifier" ? resolveName(obj.text, id, ctx.imports.scopes) : undefined;
      ok = !!r && "binding" in r && r.binding.kind === "module" && r.binding.module === module;
    } else {
      const r = resolveName(id.text, id, ctx.imports.scopes);
      ok = !!r && "binding" in r && r.binding.kind === "from" && r.binding.module === module;
    }
    const call = fn.parent;
    if (ok && call?.type === "call" && call.childForFieldName("function")?.id === fn.id)
      out.push(call);
  }
  return out;
}

// The index: what holds a ULID ------------------------------------------------------------------

function buildIndex(files: PyFile[], options: ConsumerOptions): ConsumerIndex {
  const index: ConsumerIndex = {
    names: new Map(),
    functions: new Map(),
    patterns: new Set(),
    sharedPatterns: new Set(),
  };
  const definedIn = new Map<string, PyFile>();
  const add = (holder: Holder | undefined, producer: Omit<Producer, "via">) => {
    if (!holder) return false;
    const map = holder.kind === "name" ? index.names : index.functions;
    if (map.has(holder.key)) return false;
    map.set(holder.key, {
      ...producer,
      via: holder.kind === "name" ? holder.key : `${holder.key}()`,
    });
    return true;
  };
  for (const ctx of files) {
    const sites = [...rewrittenSites(ctx, options), ...generatorCalls(ctx, options.module)];
    for (const site of sites) {
      add(holderOf(site, ctx.source), { file: ctx.path, line: lineOf(site), text: site.text });
    }
    for (const name of modulePatternNames(ctx)) {
      index.patterns.add(name);
      definedIn.set(name, ctx);
    }
  }
  for (const ctx of files) {
    for (const [name, home] of definedIn) {
      if (home !== ctx && ctx.source.includes(name)) {
        if (identifiersNamed(ctx.tree.rootNode, ctx.source, name).length > 0) {
          index.sharedPatterns.add(name);
        }
      }
    }
  }
  // One step of flow, twice: `return job_id` makes the function a key; `x = new_job()` makes x one.
  for (let round = 0; round < 2; round++) {
    let grew = false;
    for (const ctx of files) {
      for (const [key, producer] of [...index.names]) {
        if (!ctx.source.includes(key)) continue;
        for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, key)) {
          if (id.parent?.type === "return_statement")
            grew = add(holderOf(id, ctx.source), producer) || grew;
        }
      }
      for (const [key, producer] of [...index.functions]) {
        if (!ctx.source.includes(key)) continue;
        for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, key)) {
          const fn = id.parent?.type === "attribute" ? id.parent : id;
          const call = fn.parent;
          if (call?.type === "call" && call.childForFieldName("function")?.id === fn.id) {
            grew = add(holderOf(call, ctx.source), producer) || grew;
          }
        }
      }
    }
    if (!grew) break;
  }
  return index;
}

/** Module-level names bound to a UUID regex (a string or `re.compile` of one). */
function modulePatternNames(ctx: PyFile): string[] {
  const out: string[] = [];
  for (const lit of uuidRegexLiterals(ctx)) {
    let value: SyntaxNode = lit;
    const call = lit.parent?.parent;
    if (
      lit.parent?.type === "argument_list" &&
      call?.type === "call" &&
      calleeName(call) === "compile"
    ) {
      value = call;
    }
    const assignment = value.parent;
    const left = assignment?.childForFieldName("left");
    if (
      assignment?.type === "assignment" &&
      assignment.childForFieldName("right")?.id === value.id &&
      left?.type === "identifier" &&
      assignment.parent?.parent?.type === "module"
    ) {
      out.push(left.text);
    }
  }
  return out;
}

function uuidRegexLiterals(ctx: PyFile): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const seen = new Set<number>();
  for (const needle of ["{8}", "{32}"]) {
    for (let at = ctx.source.indexOf(needle); at !== -1; at = ctx.source.indexOf(needle, at + 1)) {
      let node: SyntaxNode | null = ctx.tree.rootNode.descendantForIndex(at, at + needle.length);
      while (node && node.type !== "string") node = node.parent;
      while (node?.parent?.type === "concatenated_string") node = node.parent;
      if (!node || seen.has(node.id)) continue;
      seen.add(node.id);
      const text = plainString(node, ctx.source);
      if (text !== undefined && UUID_REGEX.test(text)) out.push(node);
    }
  }
  return out;
}

// Consumers ---------------------------------------------------------------------------------

interface Consumer {
  node: SyntaxNode;
  /** What the site does with the ID, and why a ULID breaks it. */
  what: string;
  /** The expression it reads, to follow back to a producer. */
  subject?: SyntaxNode;
  /** Names it is about directly (a field, a column, a validator's fields). */
  keys?: string[];
  /** A function whose result it is about (a return annotation). */
  function?: string;
  /** Only worth reporting when reached (common shapes). */
  onlyReached?: boolean;
  rewrite?: (ctx: PyFile) => { text: string; how: string } | undefined;
}

/** The producer a value is reached from: a key it reads, or a keyed function it calls. */
function reached(e: SyntaxNode, ctx: PyFile, index: ConsumerIndex): Producer | undefined {
  const n = inner(e);
  switch (n.type) {
    case "identifier":
      return index.names.get(n.text);
    case "attribute":
      return index.names.get(n.childForFieldName("attribute")?.text ?? "");
    case "subscript": {
      const key = plainString(n.childForFieldName("subscript") as SyntaxNode, ctx.source);
      return key === undefined ? undefined : index.names.get(key);
    }
    case "call": {
      const name = calleeName(n);
      const { positional } = callArguments(n);
      if (name === "str" && positional.length === 1)
        return reached(positional[0] as SyntaxNode, ctx, index);
      if ((name === "get" || name === "pop") && positional[0]) {
        const key = plainString(positional[0], ctx.source);
        if (key !== undefined) return index.names.get(key);
      }
      return name ? index.functions.get(name) : undefined;
    }
    default:
      return undefined;
  }
}

/** The fields a validator function checks (`@field_validator("job_id")`, `@validator(...)`). */
function validatorFields(fn: SyntaxNode | undefined, source: string): string[] | undefined {
  const decorated = fn?.parent;
  if (decorated?.type !== "decorated_definition") return undefined;
  for (const d of decorated.namedChildren) {
    if (d.type !== "decorator") continue;
    const call = d.namedChildren.find((c) => c.type === "call");
    if (!call || !/validator$/.test(calleeName(call) ?? "")) continue;
    return callArguments(call)
      .positional.map((a) => plainString(a, source))
      .filter((s): s is string => s !== undefined);
  }
  return undefined;
}

function isUuidLiteral(node: SyntaxNode | undefined, source: string): boolean {
  const text = node ? plainString(node, source) : undefined;
  return text !== undefined && UUID_LITERAL.test(text);
}

/** `UUID("7f3a...")`: a fixed identity, not a consumer. */
function isFixedUuid(ctx: PyFile, node: SyntaxNode | null | undefined): boolean {
  const n = node && inner(node);
  if (n?.type !== "call") return false;
  const fn = n.childForFieldName("function");
  return (
    !!fn &&
    uuidType(ctx, fn) === "uuid" &&
    isUuidLiteral(callArguments(n).positional[0], ctx.source)
  );
}

/** `(re.fullmatch(<ULID>, x) or UUID(x))`: already widened (by --accept-ulid). */
function acceptsUlid(call: SyntaxNode): boolean {
  const or = call.parent;
  return (
    or?.type === "boolean_operator" &&
    or.childForFieldName("right")?.id === call.id &&
    (or.childForFieldName("left")?.text.includes(ULID_RE) ?? false)
  );
}

function parseConsumers(ctx: PyFile, refs: SyntaxNode[], options: ConsumerOptions): Consumer[] {
  const out: Consumer[] = [];
  for (const ref of refs) {
    const call = ref.parent;
    if (call?.type !== "call" || call.childForFieldName("function")?.id !== ref.id) continue;
    const kind = uuidType(ctx, ref);
    if (kind === "sqlalchemy") {
      const holder = holderOf(call, ctx.source);
      out.push({
        node: call,
        what: "a UUID column type: the database rejects or converts a ULID string",
        ...(holder?.kind === "name" ? { keys: [holder.key] } : {}),
      });
      continue;
    }
    if (kind !== "uuid") continue;
    const { positional, keywords } = callArguments(call);
    const subject = positional[0] ?? keywords.get("hex");
    // UUID(int=...), UUID(bytes=...) and UUID("literal") are not parsing a string ID.
    if (!subject || isUuidLiteral(subject, ctx.source) || acceptsUlid(call)) continue;
    const fn = enclosingFunction(call);
    const fields = validatorFields(fn, ctx.source);
    const use =
      call.parent?.type === "attribute"
        ? call.parent.childForFieldName("attribute")?.text
        : undefined;
    const what = [
      fields ? "a validator parses the value as a UUID" : "parses the ID as a UUID",
      keywords.has("version") ? ` (version=${keywords.get("version")?.text})` : "",
      use && UUID_ATTRIBUTES.has(use) ? ` and reads its \`.${use}\`` : "",
      ": raises ValueError on a ULID",
    ].join("");
    const discarded = call.parent?.type === "expression_statement";
    const simple = /^(identifier|attribute)$/.test(inner(subject).type);
    out.push({
      node: call,
      what,
      subject,
      ...(fields ? { keys: fields } : {}),
      ...(options.acceptUlid && discarded && simple
        ? {
            rewrite: (c: PyFile) => {
              const { local } = c.imports.ensure({ module: "re" });
              return {
                text: `(${local}.fullmatch(${ULID_RE}, ${inner(subject).text}) or ${call.text})`,
                how: "a ULID passes the check too (the UUID parse still checks anything else)",
              };
            },
          }
        : {}),
    });
  }
  return out;
}

function annotationConsumers(ctx: PyFile, refs: SyntaxNode[]): Consumer[] {
  const out: Consumer[] = [];
  const seen = new Set<number>();
  for (const ref of refs) {
    // The whole annotation: the outermost `type` (`Optional[uuid.UUID]` holds one inside).
    let type: SyntaxNode | null = null;
    for (
      let p = ref.parent;
      p && !p.type.endsWith("statement") && p.type !== "block";
      p = p.parent
    ) {
      if (p.type === "type") type = p;
    }
    const holder = type?.parent;
    if (!type || !holder || seen.has(type.id)) continue;
    seen.add(type.id);
    const kind = uuidType(ctx, ref);
    const declared = kind === "pydantic" ? `\`${ref.text}\` (a UUID of that version)` : "`UUID`";
    if (holder.type === "typed_parameter" || holder.type === "typed_default_parameter") {
      const name =
        holder.type === "typed_default_parameter"
          ? holder.childForFieldName("name")?.text
          : holder.namedChildren.find((c) => c.type === "identifier")?.text;
      if (name)
        out.push({
          node: holder,
          what: `parameter \`${name}\` is declared ${declared}`,
          keys: [name],
        });
    } else if (holder.type === "assignment" && holder.childForFieldName("type")?.id === type.id) {
      if (isFixedUuid(ctx, holder.childForFieldName("right"))) continue;
      const right = holder.childForFieldName("right");
      // `x: UUID = uuid4()`: a UUID object made right here, which uuid4-to-ulid reports.
      if (right?.type === "call" && /^uuid\d$/.test(calleeName(right) ?? "")) continue;
      const name = holder.childForFieldName("left");
      const key =
        name?.type === "identifier" ? name.text : name?.childForFieldName("attribute")?.text;
      if (key) out.push({ node: holder, what: `\`${key}\` is declared ${declared}`, keys: [key] });
    } else if (
      holder.type === "function_definition" &&
      holder.childForFieldName("return_type")?.id === type.id
    ) {
      const name = holder.childForFieldName("name")?.text;
      if (name)
        out.push({
          node: type,
          what: `\`${name}()\` is declared to return ${declared}`,
          function: name,
        });
    }
  }
  return out;
}

function regexConsumers(ctx: PyFile, index: ConsumerIndex): Consumer[] {
  const out: Consumer[] = [];
  const what = "checks the ID against a UUID pattern: a ULID does not match";
  const usedLiterals = new Set<number>();
  const followed = new Set<string>();
  /** A use of a UUID pattern (literal or name) at `node`. */
  const use = (node: SyntaxNode, literal?: SyntaxNode) => {
    const parent = node.parent;
    const mark = () => literal && usedLiterals.add(literal.id);
    // re.match(P, x), re.compile(P), Field(pattern=P)
    if (parent?.type === "argument_list" && parent.parent?.type === "call") {
      const call = parent.parent;
      const name = calleeName(call) ?? "";
      const { positional } = callArguments(call);
      if (REGEX_FUNCS.has(name) && positional[0]?.id === node.id && positional[1]) {
        mark();
        out.push({ node: call, what, subject: positional[1] });
      } else if (name === "compile") {
        mark();
        const holder = holderOf(call, ctx.source);
        if (holder?.kind === "name") follow(holder.key, literal);
      }
      return;
    }
    if (
      parent?.type === "keyword_argument" &&
      PATTERN_KEYWORDS.has(parent.childForFieldName("name")?.text ?? "")
    ) {
      mark();
      const holder =
        holderOf(parent.parent?.parent as SyntaxNode, ctx.source) ?? annotatedName(parent);
      out.push({
        node: parent.parent?.parent as SyntaxNode,
        what: "constrains the field to a UUID pattern: a ULID fails validation",
        ...(holder?.kind === "name" ? { keys: [holder.key] } : {}),
      });
      return;
    }
    // P.match(x)
    if (parent?.type === "attribute" && parent.childForFieldName("object")?.id === node.id) {
      const call = parent.parent;
      const method = parent.childForFieldName("attribute")?.text ?? "";
      if (call?.type === "call" && REGEX_FUNCS.has(method)) {
        mark();
        const subject = callArguments(call).positional[0];
        out.push({ node: call, what, ...(subject ? { subject } : {}) });
      }
    }
  };
  /** Every use of a name bound to a UUID pattern (once per name: `P = re.compile(P)` ends). */
  function follow(name: string, literal?: SyntaxNode) {
    if (followed.has(name) || !ctx.source.includes(name)) return;
    followed.add(name);
    for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, name)) use(id, literal);
  }
  for (const lit of uuidRegexLiterals(ctx)) {
    use(lit, lit);
    const holder = holderOf(lit, ctx.source);
    if (holder?.kind === "name" && lit.parent?.type === "assignment") follow(holder.key, lit);
  }
  for (const name of index.patterns) follow(name);
  for (const lit of uuidRegexLiterals(ctx)) {
    if (usedLiterals.has(lit.id)) continue;
    const holder = holderOf(lit, ctx.source);
    if (holder && index.sharedPatterns.has(holder.key)) continue; // its uses elsewhere are reported
    out.push({
      node: lit,
      what: "a UUID pattern: wherever it checks a migrated ID it rejects ULIDs",
    });
  }
  return out;
}

/** The name annotated with `constr(pattern=...)` / `Annotated[str, Field(pattern=...)]`. */
function annotatedName(node: SyntaxNode): Holder | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "type") {
      const holder = p.parent;
      if (holder?.type === "assignment") {
        const left = holder.childForFieldName("left");
        if (left?.type === "identifier") return { kind: "name", key: left.text };
      }
      if (holder?.type === "typed_parameter") {
        const id = holder.namedChildren.find((c) => c.type === "identifier");
        if (id) return { kind: "name", key: id.text };
      }
      return undefined;
    }
  }
  return undefined;
}

function lengthConsumers(ctx: PyFile, options: ConsumerOptions): Consumer[] {
  const out: Consumer[] = [];
  for (const m of ctx.source.matchAll(/\b(36|32)\b/g)) {
    const at = m.index as number;
    const int = ctx.tree.rootNode.descendantForIndex(at, at + 2);
    const cmp = int.type === "integer" ? int.parent : null;
    if (cmp?.type !== "comparison_operator" || cmp.namedChildCount !== 2) continue;
    const op = cmp.children.find((c) => !c.isNamed)?.text;
    if (op !== "==" && op !== "!=") continue;
    const other = cmp.namedChildren.find((c) => c.id !== int.id) as SyntaxNode;
    const len = inner(other);
    if (
      len.type !== "call" ||
      calleeName(len) !== "len" ||
      len.childForFieldName("function")?.type !== "identifier"
    ) {
      continue;
    }
    const subject = callArguments(len).positional[0];
    if (!subject) continue;
    const n = int.text;
    const statement = cmp.parent;
    const guard =
      (op === "==" &&
        statement?.type === "assert_statement" &&
        statement.namedChild(0)?.id === cmp.id) ||
      (op === "!=" &&
        statement?.type === "if_statement" &&
        statement.childForFieldName("condition")?.id === cmp.id &&
        !statement.childForFieldName("alternative") &&
        statement
          .childForFieldName("consequence")
          ?.namedChildren.every((s) => s.type === "raise_statement"));
    out.push({
      node: cmp,
      what: `expects ${n} characters (a UUID${n === "32" ? "'s hex" : " string"}): a ULID has 26`,
      subject,
      ...(options.acceptUlid && guard
        ? {
            rewrite: () => ({
              text: `${len.text} ${op === "==" ? "in" : "not in"} (${n}, 26)`,
              how: "a ULID's 26 characters pass the check too",
            }),
          }
        : {}),
    });
  }
  return out;
}

function attributeConsumers(ctx: PyFile): Consumer[] {
  const out: Consumer[] = [];
  for (const attr of UUID_ATTRIBUTES) {
    if (!ctx.source.includes(`.${attr}`)) continue;
    for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, attr)) {
      const node = id.parent;
      if (node?.type !== "attribute" || node.childForFieldName("attribute")?.id !== id.id) continue;
      const obj = node.childForFieldName("object") as SyntaxNode;
      if (inner(obj).type === "call" && calleeName(inner(obj)) === "UUID") continue; // the parse is reported
      out.push({
        node,
        what: `reads the UUID's \`.${attr}\`: a ULID string has no such attribute`,
        subject: obj,
        onlyReached: true,
      });
    }
  }
  return out;
}

function ddlConsumers(ctx: PyFile): Consumer[] {
  const out: Consumer[] = [];
  const seen = new Set<number>();
  for (const m of ctx.source.matchAll(/\bUUID\b/gi)) {
    let node: SyntaxNode | null = ctx.tree.rootNode.descendantForIndex(m.index as number);
    while (node && node.type !== "string") node = node.parent;
    while (node?.parent?.type === "concatenated_string") node = node.parent;
    if (!node || seen.has(node.id)) continue;
    seen.add(node.id);
    const text = plainString(node, ctx.source) ?? "";
    if (!/\b(CREATE|ALTER)\s+TABLE\b/i.test(text)) continue;
    const columns = [...text.matchAll(/(?:^|[(,\s])["`[]?(\w+)["`\]]?\s+UUID\b/gi)]
      .map((c) => c[1] as string)
      .filter((c) => !/^(ADD|COLUMN|TABLE|TYPE)$/i.test(c));
    if (columns.length === 0) continue;
    out.push({
      node,
      what: `SQL declares ${columns.map((c) => `\`${c}\``).join(", ")} UUID: the database rejects a ULID there`,
      keys: columns,
    });
  }
  return out;
}

function fixtureConsumers(ctx: PyFile): Consumer[] {
  if (!isTestPath(ctx.path)) return [];
  const out: Consumer[] = [];
  const seen = new Set<number>();
  for (const m of ctx.source.matchAll(UUID_IN_TEXT)) {
    let node: SyntaxNode | null = ctx.tree.rootNode.descendantForIndex(m.index as number);
    while (node && node.type !== "string") node = node.parent;
    if (!node || seen.has(node.id) || !isUuidLiteral(node, ctx.source)) continue;
    seen.add(node.id);
    // `UUID("...")` around it: the literal still stands for the field's value.
    let value: SyntaxNode = node;
    const call = node.parent?.parent;
    if (node.parent?.type === "argument_list" && call?.type === "call") {
      const fn = call.childForFieldName("function");
      if (fn && uuidType(ctx, fn) === "uuid") value = call;
    }
    const holder = holderOf(value, ctx.source);
    if (holder?.kind !== "name") continue;
    out.push({
      node: value,
      what: `a UUID literal as the test fixture for \`${holder.key}\`: the code now makes ULIDs (use a ULID fixture)`,
      keys: [holder.key],
      onlyReached: true,
    });
  }
  return out;
}

// The plugin --------------------------------------------------------------------------------------

interface Terms {
  /** Every key and pattern name: a file with none of them cannot matter. */
  keys: string[];
  /** A pattern name or a function key as a whole word (the file uses it, or calls it). */
  named: RegExp | null;
  /** A name key as a whole word. */
  name: RegExp | null;
  /** `return <name key>`: a function that returns it becomes a key. */
  returned: RegExp | null;
}

const termsByIndex = new WeakMap<ConsumerIndex, Terms>();
const UUID_ANYWHERE = new RegExp(UUID_IN_TEXT.source, "i");
const UUID_ATTRIBUTE_READS = [...UUID_ATTRIBUTES].map((a) => `.${a}`);

/**
 * What `mayMatter` looks for, once per index. The file failed `mayMatch`, so it mentions no
 * UUID, UUID regex or length check; what can still matter there is a key or pattern name in one
 * of the uses the index and `analyze` look for, each an exact name, attribute or key (`reached`
 * looks them up), never part of a longer word (`name` in `filename`):
 * - a pattern name (its uses are reported) or a function key (calls of it hold the ID);
 * - a name key, with a UUID attribute read (`.hex`), a UUID literal (a fixture), or
 *   `return <key>` (the function then holds the ID).
 * On the synthetic corpus, keys `name` and `token` made every file a candidate by substring.
 */
function termsOf(index: ConsumerIndex): Terms {
  let t = termsByIndex.get(index);
  if (!t) {
    const names = [...index.names.keys()];
    const named = [...index.functions.keys(), ...index.patterns];
    const word = (list: string[]) => (list.length > 0 ? wordsPattern(list) : null);
    t = {
      keys: [...names, ...named],
      named: word(named),
      name: word(names),
      // `return` then the key, whitespace or line continuations between.
      returned:
        names.length > 0
          ? new RegExp(
              `${wordsPattern(["return"]).source}[\\s\\\\]+${wordsPattern(names).source}`,
              "u",
            )
          : null,
    };
    termsByIndex.set(index, t);
  }
  return t;
}

function mayMatter(source: PrefilterSource, index: ConsumerIndex): boolean {
  const t = termsOf(index);
  if (!t.keys.some((k) => source.includes(k))) return false;
  const text = source.text;
  if (t.named?.test(text)) return true;
  if (!t.name?.test(text)) return false;
  return (
    UUID_ATTRIBUTE_READS.some((a) => source.includes(a)) ||
    UUID_ANYWHERE.test(text) ||
    !!t.returned?.test(text)
  );
}

function describe(p: Producer): string {
  return `reached from \`${p.via}\`, a ULID since ${p.file}:${p.line} (\`${p.text.replace(/\s+/g, " ")}\`)`;
}

export const plugin: CodemodPlugin<PyFile, ConsumerOptions, ConsumerIndex> = {
  name: NAME,
  language: python,
  options: [moduleOption, untruncateOption, acceptUlidOption],
  mayMatch: (source, options) =>
    source.includes("uuid") ||
    source.includes("UUID") ||
    source.includes("{8}") ||
    source.includes("{32}") ||
    (source.includes("len(") && (source.includes("36") || source.includes("32"))) ||
    source.includes(`${options.module}`),
  index: buildIndex,
  // A file that names a key or a shared pattern may consume the ID without mentioning a UUID.
  mayMatter: (source, _options, index) => mayMatter(source, index),
  analyze(ctx, options, index): FileResult {
    const idx = index ?? buildIndex([ctx], options);
    const refs = uuidTypeRefs(ctx);
    const consumers = [
      ...parseConsumers(ctx, refs, options),
      ...annotationConsumers(ctx, refs),
      ...regexConsumers(ctx, idx),
      ...lengthConsumers(ctx, options),
      ...attributeConsumers(ctx),
      ...ddlConsumers(ctx),
      ...fixtureConsumers(ctx),
    ];
    const edits: Edit[] = [];
    const entries: ReportEntry[] = [];
    const seen = new Set<number>();
    for (const c of consumers) {
      if (seen.has(c.node.id)) continue;
      const producer =
        (c.subject && reached(c.subject, ctx, idx)) ||
        c.keys?.map((k) => idx.names.get(k)).find(Boolean) ||
        (c.function ? idx.functions.get(c.function) : undefined);
      if (!producer && c.onlyReached) continue;
      seen.add(c.node.id);
      const rewrite = producer ? c.rewrite?.(ctx) : undefined;
      const replaced = rewrite && replaceNode(ctx.source, c.node, rewrite.text);
      const reason = `${c.what}; ${producer ? describe(producer) : "not traced to a rewritten ID: check what it is given"}`;
      if (rewrite && replaced && "edit" in replaced) {
        const entry = entryAt(NAME, ctx, c.node, {
          before: c.node.text,
          after: rewrite.text,
          outcome: "rewritten",
          reason: `${reason}; --accept-ulid: ${rewrite.how}`,
        });
        entry.topic = "uuid-format";
        entries.push(entry);
        edits.push({ ...replaced.edit, entry });
        continue;
      }
      const entry = entryAt(NAME, ctx, c.node, {
        before: c.node.text,
        after: null,
        outcome: producer ? "blocking" : "needs-review",
        reason,
      });
      entry.topic = "uuid-format";
      entries.push(entry);
    }
    entries.sort((a, b) => a.line - b.line || a.column - b.column);
    return { edits, entries };
  },
};

export default jscodeshiftAdapter(plugin);
