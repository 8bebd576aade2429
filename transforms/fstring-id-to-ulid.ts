/**
 * fstring-id-to-ulid: f-string IDs named by rules (`session_id = f"{project}-{ts}"`,
 * `GraphEntity(entity_id=f"system:{system_id}")`) become `dhruva.generate()`, unless other code
 * recomputes the same string to find the entity (a natural key), which a random ULID would break.
 *
 * Sites. A rule's target is matched against what holds the f-string (parentheses around it skipped):
 * - a bare name (`session_id`) matches `session_id = f"…"`, `session_id: str = f"…"`,
 *   `(session_id := f"…")` and the keyword argument `session_id=f"…"` of any call. It does NOT match
 *   `self.session_id`: rules are not guesses, and `other.session_id` may be a different thing;
 * - a dotted target (`self.session_id`) matches exactly that attribute (whitespace ignored), plain or
 *   annotated; never a keyword.
 * Chained (`a = b = f"…"`) and tuple (`a, b = f"…", x`) assignments to a target are reported for
 * review and left alone. Only a single f-string qualifies (prefix with f/F: f, rf, fr, Rf, …); a
 * plain string or an implicit concatenation (`f"a" f"{b}"`) is not a site.
 *
 * Skeleton. The f-string's body as written in the source with every interpolation replaced by `{}`
 * (conversions and format specs dropped; `{{`/`}}` stay as written, they are literal braces;
 * quotes and prefix excluded, so `f'''user:{u}'''` and `rf"user:{u}"` both give `user:{}`). A rule's
 * template is normalised the same way, so `system:{system_id}` and `system:{}` are equal. A target
 * whose f-string does not match any of its rules' templates is not a site and is not reported.
 *
 * Natural keys, decided across every candidate file of the run (from each file's `facts`, plain
 * data, merged by `mergeFacts`) before any rewrite. Let S be
 * the skeleton of a configured site. Another f-string (one not held by a configured target) with
 * skeleton S "recomputes the key" when:
 * - exact: its interpolated expressions, whitespace removed, equal those of some configured site of S
 *   (`self.x` and `x` differ), wherever it is; or
 * - lookup: it is used as a lookup key — an operand of a comparison (`in`, `==`, …), a subscript
 *   index, or the first argument of `.get/.pop/.setdefault/.remove/.discard` — with any expressions,
 *   provided S has a literal letter or digit (`user:{}`; a bare `{}-{}` says nothing about what is
 *   looked up).
 * Any other f-string with skeleton S but different expressions is not a natural key.
 * Policy of the site's rule: `skip` leaves every configured site of S unchanged, each reported
 * `needs-review` with the recomputing places (file:line); `rewrite-and-flag` rewrites them and
 * reports every recomputing place as `blocking` in its own file.
 *
 * Variables that only fed a rewritten f-string (assigned in the same function, read nowhere else)
 * are left in place and get a `note`. Module-level names are not: other modules may import them.
 */

import {
  allNodes,
  type CodemodPlugin,
  type Edit,
  entryAt,
  type FileResult,
  jscodeshiftAdapter,
  ownNodes,
  type PyFile,
  python,
  type ReportEntry,
  replaceNode,
  type SyntaxNode,
  scopeOf,
} from "../src/codemod/api.ts";
import { type FStringRule, rulesOption } from "./fstring-rules.ts";
import {
  type GeneratorOptions,
  generateCall,
  importStyleOption,
  moduleOption,
} from "./python-id.ts";

export type { FStringRule, NaturalKeyPolicy } from "./fstring-rules.ts";

export interface FStringOptions extends GeneratorOptions {
  rules: FStringRule[];
}

const NAME = "fstring-id-to-ulid";
const LOOKUP_METHODS = new Set(["get", "pop", "setdefault", "remove", "discard"]);
const FSTRING_PREFIX = /[fF][rR]?["']/;
const PREFIX = String.raw`(?:[rR][fF]|[fF][rR]?)["']`;
const assigns = new Map<string, RegExp>();

/**
 * Does the text assign an f-string to `name` (or pass one as `name=`)? Every site shape has the
 * name, then `=` (or `:=`) on its line, then an f-string later on that logical line (chained and
 * tuple assignments included, a backslash may continue it) or after an opening parenthesis.
 */
function assignsFString(name: string): RegExp {
  let re = assigns.get(name);
  if (!re) {
    const n = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    re = new RegExp(
      String.raw`\b${n}\b[^\n]*=(?:[^\n]|\\\r?\n)*?${PREFIX}|\b${n}\b[^\n]*=\s*[(\s]*${PREFIX}`,
      "u",
    );
    assigns.set(name, re);
  }
  return re;
}

/** A configured target holding an f-string that matches the rule's template. */
interface Site {
  rule: FStringRule;
  /** What the target is, for the report (`session_id`, `self.session_id`, `entity_id=`). */
  label: string;
  /** The node to replace: the f-string with any parentheses around it. */
  replace: SyntaxNode;
  /** Set when the target matches but the shape is one we leave to a person. */
  review?: string;
}

interface Place {
  ctx: PyFile;
  line: number;
  /** The f-string (`string` node). */
  node: SyntaxNode;
  skeleton: string;
  /** Interpolated expressions, whitespace removed, joined by NUL. */
  exprs: string;
  site?: Site;
}

/** An f-string as the index knows it: plain data (facts may come from another thread). */
export interface PlaceFact {
  path: string;
  line: number;
  skeleton: string;
  exprs: string;
  /** A configured site; `flagged` when it will be rewritten under `rewrite-and-flag`. */
  site?: { flagged: boolean };
  /** Used as a lookup key (asked only of places that are no site, with a word in the skeleton). */
  lookup?: boolean;
}

/** A place that recomputes a configured site's key. */
export interface Recomputing extends PlaceFact {
  recomputes: "exact" | "lookup";
}

export interface FStringIndex {
  /** Skeleton → the configured sites built with it. */
  sites: Map<string, PlaceFact[]>;
  /** Skeleton → the places (not configured sites) that recompute it. */
  recomputed: Map<string, Recomputing[]>;
  /** Skeleton → configured sites that will be rewritten under `rewrite-and-flag`. */
  flagged: Map<string, PlaceFact[]>;
}

/** A template's skeleton and its literal parts: `{...}` → `{}`, `{{`/`}}` kept as written. */
export function normaliseTemplate(template: string): { skeleton: string; literals: string[] } {
  const literals: string[] = [];
  let skeleton = "";
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if ((ch === "{" || ch === "}") && template[i + 1] === ch) {
      literal += ch + ch;
      i++;
      continue;
    }
    if (ch === "{") {
      let depth = 1;
      while (depth > 0 && ++i < template.length) {
        if (template[i] === "{") depth++;
        else if (template[i] === "}") depth--;
      }
      skeleton += `${literal}{}`;
      if (literal) literals.push(literal);
      literal = "";
      continue;
    }
    literal += ch;
  }
  if (literal) literals.push(literal);
  return { skeleton: skeleton + literal, literals };
}

function isFString(node: SyntaxNode): boolean {
  if (node.type !== "string") return false;
  const start = node.firstChild;
  return start?.type === "string_start" && /f/i.test(start.text.replace(/["']+$/, ""));
}

/** Skeleton and normalised expressions of an f-string, from the source as written. */
function shape(node: SyntaxNode, source: string): { skeleton: string; exprs: string } {
  const start = node.firstChild as SyntaxNode;
  const end = node.lastChild as SyntaxNode;
  let skeleton = "";
  const exprs: string[] = [];
  let pos = start.endIndex;
  for (const child of node.namedChildren) {
    if (child.type !== "interpolation") continue;
    skeleton += `${source.slice(pos, child.startIndex)}{}`;
    exprs.push((child.childForFieldName("expression")?.text ?? "").replace(/\s+/g, ""));
    pos = child.endIndex;
  }
  skeleton += source.slice(pos, end.startIndex);
  return { skeleton, exprs: exprs.join("\0") };
}

function outer(node: SyntaxNode): SyntaxNode {
  let cur = node;
  while (cur.parent?.type === "parenthesized_expression") cur = cur.parent;
  return cur;
}

const squash = (s: string) => s.replace(/\s+/g, "");

/** Is the (parenthesised) f-string used as a lookup key? */
function isLookup(o: SyntaxNode): boolean {
  const p = o.parent;
  if (!p) return false;
  if (p.type === "comparison_operator") return true;
  if (p.type === "subscript") return p.childForFieldName("value")?.id !== o.id;
  if (p.type === "argument_list" && p.namedChildren[0]?.id === o.id) {
    const fn = p.parent?.type === "call" ? p.parent.childForFieldName("function") : null;
    const attr = fn?.type === "attribute" ? fn.childForFieldName("attribute")?.text : undefined;
    return attr !== undefined && LOOKUP_METHODS.has(attr);
  }
  return false;
}

/** The targets that hold the value `o`: name/attribute texts, plus why we would not rewrite. */
function holders(
  o: SyntaxNode,
): { names: string[]; kind: "name" | "keyword"; review?: string } | undefined {
  const p = o.parent;
  if (!p) return undefined;
  if (p.type === "keyword_argument" && p.childForFieldName("value")?.id === o.id) {
    const name = p.childForFieldName("name");
    return name ? { names: [name.text], kind: "keyword" } : undefined;
  }
  if (p.type === "named_expression" && p.childForFieldName("value")?.id === o.id) {
    const name = p.childForFieldName("name");
    return name ? { names: [name.text], kind: "name" } : undefined;
  }
  if (p.type === "expression_list") {
    const assign = p.parent;
    if (assign?.type === "assignment" && assign.childForFieldName("right")?.id === p.id) {
      const left = assign.childForFieldName("left");
      const names = left ? left.namedChildren.map((c) => squash(c.text)) : [];
      return { names, kind: "name", review: "it is part of a tuple assignment; left for a person" };
    }
    return undefined;
  }
  if (p.type !== "assignment" || p.childForFieldName("right")?.id !== o.id) return undefined;
  // `a = b = f"…"` nests: the outer assignment's right is the inner one.
  const chain: SyntaxNode[] = [p];
  while (chain[0]?.parent?.type === "assignment") chain.unshift(chain[0].parent);
  const names = chain.map((a) => squash(a.childForFieldName("left")?.text ?? ""));
  if (chain.length > 1)
    return { names, kind: "name", review: "it is part of a chained assignment; left for a person" };
  const left = p.childForFieldName("left");
  if (left?.type === "identifier" || left?.type === "attribute") return { names, kind: "name" };
  if (left?.type === "pattern_list" || left?.type === "tuple_pattern") {
    return {
      names: left.namedChildren.map((c) => squash(c.text)),
      kind: "name",
      review: "it is part of a tuple assignment; left for a person",
    };
  }
  return undefined;
}

/** Each rule's template skeleton (undefined: no template, any skeleton). */
type RuleSkeletons = ReadonlyMap<FStringRule, string | undefined>;

function ruleSkeletons(rules: readonly FStringRule[]): RuleSkeletons {
  return new Map(
    rules.map((r) => [
      r,
      r.template === undefined ? undefined : normaliseTemplate(r.template).skeleton,
    ]),
  );
}

function siteFor(node: SyntaxNode, skeleton: string, rules: RuleSkeletons): Site | undefined {
  const takes = (rule: FStringRule) => {
    const s = rules.get(rule);
    return s === undefined || s === skeleton;
  };
  // What holds it is only worth asking the tree when some rule takes this skeleton.
  if (![...rules.keys()].some(takes)) return undefined;
  const o = outer(node);
  const h = holders(o);
  if (!h) return undefined;
  for (const name of h.names) {
    for (const rule of rules.keys()) {
      const target = squash(rule.target);
      if (target !== name || (h.kind === "keyword" && target.includes("."))) continue;
      if (!takes(rule)) continue;
      const label = h.kind === "keyword" ? `${name}=` : name;
      return h.review ? { rule, label, replace: o, review: h.review } : { rule, label, replace: o };
    }
  }
  return undefined;
}

// A string prefix with an f (f, rf, fr, Rf, ...) right before its opening quote, not inside a name.
const FSTRING_START = /(?<![\p{L}\p{N}_])(?:[rR][fF]|[fF][rR]?)(?="|')/gu;

/**
 * Every f-string of a file. Found by scanning the text for f-prefixes and asking the tree what is
 * there (a hit inside a comment or another string is not a string_start): walking every node
 * through the native binding costs far more.
 */
function scan(ctx: PyFile, rules: readonly FStringRule[]): Place[] {
  const places: Place[] = [];
  const { source } = ctx;
  const root = ctx.tree.rootNode;
  const skeletons = ruleSkeletons(rules);
  // With a template on every rule, only f-strings holding some template's literal text can be a
  // site or rebuild one's key: the rest are not worth taking apart.
  const needed = [...skeletons.values()].every((sk) => sk !== undefined)
    ? [...skeletons.values()].map((sk) => normaliseTemplate(sk as string).literals)
    : undefined;
  FSTRING_START.lastIndex = 0;
  for (let m = FSTRING_START.exec(source); m; m = FSTRING_START.exec(source)) {
    const start = root.descendantForIndex(m.index, m.index + m[0].length);
    const node = start.type === "string_start" ? start.parent : null;
    if (!node || node.startIndex !== m.index || !isFString(node)) continue;
    if (needed) {
      const text = source.slice(node.startIndex, node.endIndex);
      if (!needed.some((ls) => ls.every((l) => text.includes(l)))) continue;
    }
    const { skeleton, exprs } = shape(node, source);
    places.push({
      ctx,
      line: node.startPosition.row + 1,
      node,
      skeleton,
      exprs,
      site: siteFor(node, skeleton, skeletons),
    });
  }
  return places;
}

const scans = new WeakMap<PyFile, { rules: readonly FStringRule[]; places: Place[] }>();

/** `scan`, once per file and rules: `facts` and `analyze` both need it. */
function scanCached(ctx: PyFile, rules: readonly FStringRule[]): Place[] {
  const hit = scans.get(ctx);
  if (hit?.rules === rules) return hit.places;
  const places = scan(ctx, rules);
  scans.set(ctx, { rules, places });
  return places;
}

/** Every f-string of a file, as the index needs it. */
function fileFacts(ctx: PyFile, options: FStringOptions): PlaceFact[] {
  return scanCached(ctx, options.rules).map((p) => {
    const fact: PlaceFact = { path: ctx.path, line: p.line, skeleton: p.skeleton, exprs: p.exprs };
    if (p.site) {
      fact.site = { flagged: !p.site.review && p.site.rule.naturalKeys === "rewrite-and-flag" };
    } else if (hasWord(p.skeleton)) fact.lookup = isLookup(outer(p.node));
    return fact;
  });
}

/** How a place that is no site recomputes one of the index's keys, if it does. */
function recomputes(
  p: Pick<PlaceFact, "skeleton" | "exprs" | "lookup">,
  sites: FStringIndex["sites"],
): Recomputing["recomputes"] | undefined {
  const own = sites.get(p.skeleton);
  if (!own) return undefined;
  if (own.some((s) => s.exprs === p.exprs)) return "exact";
  return p.lookup ? "lookup" : undefined;
}

/** The configured sites of every file, and the places that recompute their keys. */
function mergeFacts(files: PlaceFact[][]): FStringIndex {
  const index: FStringIndex = { sites: new Map(), recomputed: new Map(), flagged: new Map() };
  for (const places of files) {
    for (const p of places) {
      if (!p.site) continue;
      add(index.sites, p);
      if (p.site.flagged) add(index.flagged, p);
    }
  }
  for (const places of files) {
    for (const p of places) {
      const how = p.site ? undefined : recomputes(p, index.sites);
      if (how) add(index.recomputed, { ...p, recomputes: how });
    }
  }
  return index;
}

function add<P extends PlaceFact>(map: Map<string, P[]>, p: P): void {
  const list = map.get(p.skeleton);
  if (list) list.push(p);
  else map.set(p.skeleton, [p]);
}

/** Does the skeleton have a literal letter or digit (outside the `{}` holes)? */
function hasWord(skeleton: string): boolean {
  return /[\p{L}\p{N}]/u.test(skeleton.replaceAll("{}", ""));
}

interface KeyNeedles {
  /**
   * The skeleton's literal parts with the braces of the holes next to them (`}-{` for `{}-{}`,
   * `system:{` for `system:{}`): an f-string with this skeleton has each of them in the source
   * as written, so a file that rebuilds the key holds them all.
   */
  literals: string[];
  /**
   * Absent when the skeleton has a word (a lookup with any expressions counts). Else the same
   * expressions must be there: the names each distinct set of expressions uses, once per set.
   */
  names?: string[][];
}

const needlesCache = new WeakMap<FStringIndex, KeyNeedles[]>();

/** What `mayMatter` looks for, per skeleton of a configured site; computed once per index. */
function keyNeedles(index: FStringIndex): KeyNeedles[] {
  let needles = needlesCache.get(index);
  if (needles) return needles;
  needles = [...index.sites].map(([skeleton, sites]) => {
    const literals = besideHoles(skeleton);
    if (hasWord(skeleton)) return { literals };
    const names = new Map<string, string[]>();
    for (const site of sites) {
      const ns = site.exprs.match(/[\p{L}_][\p{L}\p{N}_]*/gu) ?? [];
      names.set(ns.join("\0"), ns);
    }
    return { literals, names: [...names.values()] };
  });
  needlesCache.set(index, needles);
  return needles;
}

/** `a{}b{}c` → `a{`, `}b{`, `}c`; a skeleton without holes is its own text. */
function besideHoles(skeleton: string): string[] {
  const parts = skeleton.split("{}");
  // `{{}}` (an escaped brace pair) is no hole: split only where the braces are a hole.
  if (skeleton.includes("{{") || skeleton.includes("}}"))
    return normaliseTemplate(skeleton).literals;
  if (parts.length === 1) return [skeleton];
  return parts.flatMap((part, i) => {
    if (i === 0) return part ? [`${part}{`] : [];
    if (i === parts.length - 1) return part ? [`}${part}`] : [];
    return [`}${part}{`];
  });
}

const where = (p: PlaceFact) => `${p.path}:${p.line}`;

/** `a.py:3, b.py:9 (lookup, other variables)`; past a few, the rest is counted. */
function placesList(places: readonly (PlaceFact | Recomputing)[], max = 5): string {
  const shown = places
    .slice(0, max)
    .map((p) =>
      "recomputes" in p && p.recomputes === "lookup"
        ? `${where(p)} (lookup, other variables)`
        : where(p),
    );
  if (places.length > max) shown.push(`and ${places.length - max} more`);
  return shown.join(", ");
}

function ruleText(rule: FStringRule): string {
  return rule.template === undefined
    ? `--target ${rule.target}`
    : `--target ${rule.target} --template '${rule.template}'`;
}

export const plugin: CodemodPlugin<PyFile, FStringOptions, FStringIndex, PlaceFact[]> = {
  name: NAME,
  language: python,
  options: [moduleOption, importStyleOption, rulesOption],
  // First pass: files that may hold a configured site (they name a target).
  // The text (decoded on demand) only once a file names a target.
  mayMatch(source, options) {
    return options.rules.some((r) => {
      const name = r.target.split(".").pop() as string;
      return (
        source.includes(name) &&
        (r.template === undefined ||
          normaliseTemplate(r.template).literals.every((l) => source.includes(l))) &&
        assignsFString(name).test(source.text)
      );
    });
  },
  // Only sites have keys to rebuild.
  secondPass: (index) => index.sites.size > 0,
  // Second pass, once the sites are known: files that may rebuild one of their keys.
  mayMatter(source, _options, index) {
    const rebuilds = keyNeedles(index).some(
      ({ literals, names }) =>
        literals.every((l) => source.includes(l)) &&
        (names === undefined || names.some((ns) => ns.every((n) => source.includes(n)))),
    );
    return rebuilds && FSTRING_PREFIX.test(source.text);
  },
  facts: fileFacts,
  mergeFacts,
  analyze(ctx, options, index): FileResult {
    const idx = index ?? mergeFacts([fileFacts(ctx, options)]);
    const edits: Edit[] = [];
    const entries: ReportEntry[] = [];
    const rewritten: SyntaxNode[] = [];
    const report = (node: SyntaxNode, fields: Parameters<typeof entryAt>[3]) => {
      const entry = entryAt(NAME, ctx, node, fields);
      entries.push(entry);
      return entry;
    };

    for (const place of scanCached(ctx, options.rules)) {
      const { site, node } = place;
      if (!site) {
        const flagged = idx.flagged.get(place.skeleton);
        if (!flagged) continue;
        const lookup = hasWord(place.skeleton) && isLookup(outer(node));
        const how = recomputes({ ...place, lookup }, idx.sites);
        if (!how) continue;
        const reason =
          how === "exact"
            ? "recomputes the same key"
            : "looks up the same key pattern with other variables";
        report(node, {
          before: node.text,
          after: null,
          outcome: "blocking",
          reason: `natural key \`${place.skeleton}\`: ${reason}, but the ID made at ${placesList(flagged)} is now a random ULID, so this will no longer find the entity (store and pass the generated ID instead)`,
        });
        continue;
      }
      // Reported where the edit starts (the engine finds a rejected edit's entry by position).
      const at = site.replace;
      const before = at.text;
      if (site.review) {
        report(at, {
          before,
          after: null,
          outcome: "needs-review",
          reason: `\`${site.label}\` matches rule ${ruleText(site.rule)}, but ${site.review}`,
        });
        continue;
      }
      const others = idx.recomputed.get(place.skeleton) ?? [];
      if (others.length > 0 && site.rule.naturalKeys === "skip") {
        report(at, {
          before,
          after: null,
          outcome: "needs-review",
          reason: `natural key \`${place.skeleton}\`: the same key is also built at ${placesList(others)}; a random ULID would break those lookups, left unchanged (natural-keys: skip)`,
        });
        continue;
      }
      const { call: after, note } = generateCall(ctx, options);
      const replaced = replaceNode(ctx.source, site.replace, after);
      if ("reason" in replaced) {
        report(at, { before, after: null, outcome: "needs-review", reason: replaced.reason });
        continue;
      }
      const edit: Edit = replaced.edit;
      edits.push(edit);
      rewritten.push(node);
      const reasons = [
        `\`${site.label}\` matches rule ${ruleText(site.rule)}: the ID is now a ULID`,
        others.length > 0
          ? `natural key recomputed at ${placesList(others)} (reported as blocking)`
          : undefined,
        note,
      ];
      edit.entry = report(at, {
        before,
        after,
        outcome: "rewritten",
        reason: reasons.filter(Boolean).join("; "),
      });
    }
    entries.push(...unusedNotes(ctx, rewritten, edits));
    return { edits, entries };
  },
};

/** Names read in an f-string's interpolations (not attribute fields or keyword names). */
function readNames(fstring: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const interp of fstring.namedChildren) {
    if (interp.type !== "interpolation") continue;
    for (const n of allNodes(interp)) if (n.type === "identifier" && isRead(n)) out.push(n);
  }
  return out;
}

function isRead(id: SyntaxNode): boolean {
  const p = id.parent;
  if (p?.type === "attribute" && p.childForFieldName("attribute")?.id === id.id) return false;
  if (p?.type === "keyword_argument" && p.childForFieldName("name")?.id === id.id) return false;
  return true;
}

/**
 * A `note` at the assignment of each function-local variable whose only reads were inside the
 * rewritten f-strings. Conservative: a parameter, a global/nonlocal, or any other occurrence of the
 * name in the function (nested functions included) means it is not reported.
 */
function unusedNotes(ctx: PyFile, sites: SyntaxNode[], edits: Edit[]): ReportEntry[] {
  const inEdit = (n: SyntaxNode) =>
    edits.some((e) => n.startIndex >= e.start && n.endIndex <= e.end);
  const seen = new Set<string>();
  const out: ReportEntry[] = [];
  for (const site of sites) {
    const scope = scopeOf(site);
    if (scope.type !== "function_definition") continue;
    for (const id of readNames(site)) {
      const name = id.text;
      const key = `${scope.id}:${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const params = scope.childForFieldName("parameters");
      if (params && [...allNodes(params)].some((n) => n.type === "identifier" && n.text === name))
        continue;
      const assignments: SyntaxNode[] = [];
      let declared = false;
      for (const n of ownNodes(scope)) {
        if (n.type === "assignment" && n.childForFieldName("left")?.text === name) {
          if (n.childForFieldName("left")?.type === "identifier") assignments.push(n);
        }
        if (n.type === "global_statement" || n.type === "nonlocal_statement") {
          declared ||= n.namedChildren.some((c) => c.text === name);
        }
      }
      const first = assignments[0];
      if (!first || declared) continue;
      const targets = new Set(assignments.map((a) => a.childForFieldName("left")?.id));
      const fnName = scope.childForFieldName("name")?.id;
      const used = [...allNodes(scope)].some(
        (n) =>
          n.type === "identifier" &&
          n.text === name &&
          n.id !== fnName &&
          !targets.has(n.id) &&
          isRead(n) &&
          !inEdit(n),
      );
      if (used) continue;
      out.push(
        entryAt(NAME, ctx, first, {
          before: first.text,
          after: null,
          outcome: "note",
          reason: `\`${name}\` is now unused (it only fed the rewritten ID); left in place`,
        }),
      );
    }
  }
  return out;
}

export default jscodeshiftAdapter(plugin);
