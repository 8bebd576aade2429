import { pythonQuery, type SyntaxNode } from "./parse.ts";

/** Nodes that open a new Python name scope for the code inside them. */
const SCOPE_TYPES = new Set(["module", "function_definition", "class_definition", "lambda"]);

export interface ImportBinding {
  /** `import uuid` binds a module; `from uuid import uuid4` binds a name from it. */
  kind: "module" | "from";
  module: string;
  /** For `from` imports: the imported name. */
  imported?: string;
  /** The name bound in the scope (`u` for `import uuid as u`). */
  local: string;
  /** The import_statement / import_from_statement node. */
  statement: SyntaxNode;
  /** The dotted_name or aliased_import node of this binding inside the statement. */
  item: SyntaxNode;
  /** The module or function node whose scope holds the binding. */
  scope: SyntaxNode;
}

export function scopeOf(node: SyntaxNode): SyntaxNode {
  let cur = node.parent;
  while (cur && !SCOPE_TYPES.has(cur.type)) cur = cur.parent;
  return cur ?? rootOf(node);
}

function rootOf(node: SyntaxNode): SyntaxNode {
  let cur = node;
  while (cur.parent) cur = cur.parent;
  return cur;
}

/** Scopes from the innermost enclosing one out to the module; class bodies do not enclose functions. */
export function enclosingScopes(node: SyntaxNode): SyntaxNode[] {
  const scopes: SyntaxNode[] = [];
  let cur: SyntaxNode | null = node.parent;
  let first = true;
  while (cur) {
    if (SCOPE_TYPES.has(cur.type)) {
      if (cur.type !== "class_definition" || first) scopes.push(cur);
      first = false;
    }
    cur = cur.parent;
  }
  return scopes;
}

/** Pre-order walk of a scope's own nodes, not descending into nested scopes. */
export function* ownNodes(scope: SyntaxNode): Generator<SyntaxNode> {
  const stack: SyntaxNode[] = [];
  for (let i = scope.namedChildCount - 1; i >= 0; i--) {
    const c = scope.namedChild(i);
    if (c) stack.push(c);
  }
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    yield node;
    if (SCOPE_TYPES.has(node.type)) continue;
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const c = node.namedChild(i);
      if (c) stack.push(c);
    }
  }
}

/**
 * The nodes of a scope (nested scopes themselves included, not their insides) whose type is one
 * of `types`, in source order. A tree cursor walks the rest without building a node object for
 * each: on a large module that is the difference between seconds and a fraction of one.
 */
export function* ownNodesOfType(
  scope: SyntaxNode,
  types: ReadonlySet<string>,
): Generator<SyntaxNode> {
  const cursor = scope.walk();
  if (!cursor.gotoFirstChild()) return;
  let depth = 1;
  for (;;) {
    const type = cursor.nodeType;
    if (types.has(type)) yield cursor.currentNode;
    if (!SCOPE_TYPES.has(type) && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (--depth === 0 || !cursor.gotoParent()) return;
    }
  }
}

const IMPORTS = new Set(["import_statement", "import_from_statement"]);
const BINDERS = new Set([
  "function_definition",
  "class_definition",
  "assignment",
  "augmented_assignment",
  "for_statement",
  "for_in_clause",
  "as_pattern_target",
  "named_expression",
  "global_statement",
  "nonlocal_statement",
]);

/** Pre-order walk of every named node below `root`. */
export function* allNodes(root: SyntaxNode): Generator<SyntaxNode> {
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    yield node;
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const c = node.namedChild(i);
      if (c) stack.push(c);
    }
  }
}

/** The bindings made by one import statement (none for `from x import *`). */
export function importBindings(statement: SyntaxNode, scope: SyntaxNode): ImportBinding[] {
  const out: ImportBinding[] = [];
  if (statement.type === "import_statement") {
    for (const item of statement.childrenForFieldName("name")) {
      const dotted = item.type === "aliased_import" ? item.childForFieldName("name") : item;
      const alias = item.type === "aliased_import" ? item.childForFieldName("alias") : null;
      if (!dotted) continue;
      const module = dotted.text;
      // `import os.path` binds `os`; `import os.path as p` binds `p` to os.path.
      const local = alias ? alias.text : (module.split(".")[0] as string);
      out.push({ kind: "module", module: alias ? module : local, local, statement, item, scope });
    }
  } else if (statement.type === "import_from_statement") {
    const moduleNode = statement.childForFieldName("module_name");
    if (!moduleNode) return out;
    for (const item of statement.childrenForFieldName("name")) {
      const dotted = item.type === "aliased_import" ? item.childForFieldName("name") : item;
      const alias = item.type === "aliased_import" ? item.childForFieldName("alias") : null;
      if (!dotted) continue;
      out.push({
        kind: "from",
        module: moduleNode.text,
        imported: dotted.text,
        local: alias ? alias.text : dotted.text,
        statement,
        item,
        scope,
      });
    }
  }
  return out;
}

/** Every import binding of a scope (imports nested in if/try blocks of that scope included). */
export function scopeImports(scope: SyntaxNode): ImportBinding[] {
  const out: ImportBinding[] = [];
  for (const node of ownNodesOfType(scope, IMPORTS)) out.push(...importBindings(node, scope));
  return out;
}

/** Names a scope binds other than by import: defs, classes, parameters, assignment targets. */
export function scopeOtherBindings(scope: SyntaxNode): Set<string> {
  const names = parameterNames(scope);
  for (const node of ownNodesOfType(scope, BINDERS)) for (const n of boundNames(node)) names.add(n);
  return names;
}

/** The parameters of a function or lambda (not their default values or annotations). */
function parameterNames(scope: SyntaxNode): Set<string> {
  const names = new Set<string>();
  if (scope.type === "function_definition" || scope.type === "lambda") {
    const params = scope.childForFieldName("parameters");
    if (params) {
      for (const n of allNodes(params)) {
        if (n.type === "identifier" && !isDefaultValue(n, params)) names.add(n.text);
      }
    }
  }
  return names;
}

/** The names one binding node (of the BINDERS types) binds in its scope. */
function boundNames(node: SyntaxNode): string[] {
  switch (node.type) {
    case "function_definition":
    case "class_definition": {
      const name = node.childForFieldName("name");
      return name ? [name.text] : [];
    }
    case "assignment":
    case "augmented_assignment":
    case "for_statement":
    case "for_in_clause": {
      const left = node.childForFieldName("left");
      return left ? targetNames(left) : [];
    }
    case "as_pattern_target":
    case "named_expression": {
      const target = node.type === "named_expression" ? node.childForFieldName("name") : node;
      return target ? targetNames(target) : [];
    }
    case "global_statement":
    case "nonlocal_statement":
      return node.namedChildren.filter((c) => c.type === "identifier").map((c) => c.text);
    default:
      return [];
  }
}

function isDefaultValue(id: SyntaxNode, params: SyntaxNode): boolean {
  let cur: SyntaxNode | null = id;
  while (cur && cur.id !== params.id) {
    const parent: SyntaxNode | null = cur.parent;
    if (
      parent &&
      (parent.type === "default_parameter" || parent.type === "typed_default_parameter")
    ) {
      // Neither the default nor the annotation (`x: UUID = None`) is a name the parameter binds.
      return (
        parent.childForFieldName("value")?.id === cur.id ||
        parent.childForFieldName("type")?.id === cur.id
      );
    }
    if (parent?.type === "typed_parameter" && parent.childForFieldName("type")?.id === cur.id) {
      return true;
    }
    cur = parent;
  }
  return false;
}

/** Identifiers bound by an assignment target (tuples, lists, starred; not attributes/subscripts). */
function targetNames(target: SyntaxNode): string[] {
  if (target.type === "identifier") return [target.text];
  if (target.type === "attribute" || target.type === "subscript") return [];
  const out: string[] = [];
  for (const c of target.namedChildren) out.push(...targetNames(c));
  return out;
}

export type Resolution = { binding: ImportBinding } | { shadowed: true } | undefined;

/** How one scope binds one name: its imports of that name, and whether it binds it otherwise. */
interface NameInScope {
  imports: ImportBinding[];
  other: boolean;
}

/**
 * What `name`, used at `node`, refers to: an import binding of the nearest scope that binds the
 * name, `shadowed` when that scope binds it some other way, undefined when nothing binds it.
 */
export function resolveName(name: string, node: SyntaxNode, cache?: ScopeCache): Resolution {
  const byScope = cache?.named(name);
  for (const scope of enclosingScopes(node)) {
    let here: NameInScope | undefined;
    if (byScope) here = byScope.get(scope.id);
    else {
      const info = scopeInfo(scope);
      here = {
        imports: info.imports.filter((b) => b.local === name),
        other: info.others.has(name),
      };
    }
    if (!here) continue;
    const imported = here.imports;
    if (imported.length > 0) {
      if (here.other) return { shadowed: true };
      // A name imported twice in one scope: the last import wins only in flow order; refuse to guess
      // unless both bindings agree.
      const [first] = imported;
      const same = imported.every(
        (b) => b.kind === first?.kind && b.module === first.module && b.imported === first.imported,
      );
      return same && first ? { binding: first } : { shadowed: true };
    }
    if (here.other) return { shadowed: true };
  }
  return undefined;
}

interface ScopeInfo {
  imports: ImportBinding[];
  others: Set<string>;
}

function scopeInfo(scope: SyntaxNode): ScopeInfo {
  return { imports: scopeImports(scope), others: scopeOtherBindings(scope) };
}

/**
 * Per-file memo of scope facts, keyed by node id; three questions, each answered from as little
 * of the file as it needs:
 * - `named(name)`, how each scope binds one name (what `resolveName` asks): from the name's own
 *   occurrences in the text, each asked of the tree whether it is a binding there;
 * - `importsOf(scope)`: from one query for the file's import statements;
 * - `get(scope)`, everything a scope binds: from one query for every import and binding node of
 *   the file (native matching instead of a walk over every node, so that a 5 MB module costs a
 *   fraction of a second).
 * `resolveName` with the cache answers as it does without (test/scope-cache.test.ts).
 */
export class ScopeCache {
  private readonly map = new Map<number, ScopeInfo>();
  private readonly byName = new Map<string, Map<number, NameInScope>>();
  private byScope?: Map<number, SyntaxNode[]>;
  private importsByScope?: Map<number, SyntaxNode[]>;

  constructor(
    private readonly root: SyntaxNode,
    private readonly source: string,
  ) {}

  get(scope: SyntaxNode): ScopeInfo {
    let info = this.map.get(scope.id);
    if (!info) {
      this.byScope ??= indexScopes(this.root, SCOPE_QUERY);
      const nodes = this.byScope.get(scope.id) ?? [];
      const imports: ImportBinding[] = [];
      const others = parameterNames(scope);
      for (const n of nodes) {
        if (IMPORTS.has(n.type)) imports.push(...importBindings(n, scope));
        else for (const name of boundNames(n)) others.add(name);
      }
      info = { imports, others };
      this.map.set(scope.id, info);
    }
    return info;
  }

  /** The import bindings of a scope (imports nested in its if/try blocks included). */
  importsOf(scope: SyntaxNode): ImportBinding[] {
    const known = this.map.get(scope.id);
    if (known) return known.imports;
    this.importsByScope ??= indexScopes(this.root, IMPORT_QUERY);
    return (this.importsByScope.get(scope.id) ?? []).flatMap((n) => importBindings(n, scope));
  }

  /** How each scope (by id) binds `name`; scopes that do not bind it are absent. */
  named(name: string): Map<number, NameInScope> {
    const known = this.byName.get(name);
    if (known) return known;
    const out = new Map<number, NameInScope>();
    const at = (scope: SyntaxNode) => {
      let entry = out.get(scope.id);
      if (!entry) {
        entry = { imports: [], other: false };
        out.set(scope.id, entry);
      }
      return entry;
    };
    if (!IDENTIFIER.test(name)) {
      // Not spelled like one identifier (no occurrence would find it): from the whole index.
      for (const scope of allNodes(this.root)) {
        if (!SCOPE_TYPES.has(scope.type)) continue;
        const info = this.get(scope);
        const imports = info.imports.filter((b) => b.local === name);
        if (imports.length > 0 || info.others.has(name))
          out.set(scope.id, { imports, other: info.others.has(name) });
      }
    } else {
      const statements = new Set<number>();
      for (const id of identifiersNamed(this.root, this.source, name)) {
        if (id.endIndex - id.startIndex !== name.length) continue; // a longer identifier
        const statement = importOf(id);
        if (statement && !statements.has(statement.id)) {
          statements.add(statement.id);
          const scope = scopeOf(statement);
          const mine = importBindings(statement, scope).filter((b) => b.local === name);
          if (mine.length > 0) at(scope).imports.push(...mine);
        }
        for (const scope of bindingScopes(id)) at(scope).other = true;
      }
    }
    this.byName.set(name, out);
    return out;
  }
}

/** An identifier matches this when it is spelled like one name (what `named` can look up). */
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** The import statement an identifier is part of, if any (import statements hold no scope). */
function importOf(id: SyntaxNode): SyntaxNode | undefined {
  for (let cur = id.parent; cur; cur = cur.parent) {
    if (IMPORTS.has(cur.type)) return cur;
    if (cur.type.endsWith("_statement") || cur.type === "block" || SCOPE_TYPES.has(cur.type))
      return undefined;
  }
  return undefined;
}

/**
 * The scopes in which this occurrence of a name binds it other than by import: what
 * `boundNames` finds in the binding nodes above it, and what `parameterNames` finds in the
 * parameters it is part of. The same rules, asked from the identifier up.
 */
function bindingScopes(id: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  // No attribute or subscript between the identifier and `cur` (targetNames stops at those).
  let clean = true;
  let child = id;
  for (let cur = id.parent; cur; child = cur, cur = cur.parent) {
    switch (cur.type) {
      case "function_definition":
      case "class_definition":
        if (child === id && cur.childForFieldName("name")?.id === id.id) out.push(scopeOf(cur));
        break;
      case "assignment":
      case "augmented_assignment":
      case "for_statement":
      case "for_in_clause":
        if (clean && cur.childForFieldName("left")?.id === child.id) out.push(scopeOf(cur));
        break;
      case "named_expression":
        if (clean && cur.childForFieldName("name")?.id === child.id) out.push(scopeOf(cur));
        break;
      case "as_pattern_target":
        if (clean) out.push(scopeOf(cur));
        break;
      case "global_statement":
      case "nonlocal_statement":
        if (child === id) out.push(scopeOf(cur));
        break;
    }
    const owner = cur.parent;
    if (
      owner &&
      (owner.type === "function_definition" || owner.type === "lambda") &&
      owner.childForFieldName("parameters")?.id === cur.id &&
      !isDefaultValue(id, cur)
    ) {
      out.push(owner);
    }
    if (cur.type === "attribute" || cur.type === "subscript") clean = false;
  }
  return out;
}

const SCOPE_QUERY = `[${[...IMPORTS, ...BINDERS].map((t) => `(${t})`).join(" ")}] @n`;
const IMPORT_QUERY = `[${[...IMPORTS].map((t) => `(${t})`).join(" ")}] @n`;

/** The nodes a query captures in a file, by the id of the scope each belongs to. */
function indexScopes(root: SyntaxNode, query: string): Map<number, SyntaxNode[]> {
  const out = new Map<number, SyntaxNode[]>();
  // The scope of every node walked through, by node id: the next capture in the same block
  // stops there instead of asking the binding for every parent up to the scope again.
  const known = new Map<number, number>();
  for (const { node } of pythonQuery(query).captures(root)) {
    const path: number[] = [];
    let scope: number | undefined;
    for (let cur = node.parent; cur; cur = cur.parent) {
      if (SCOPE_TYPES.has(cur.type)) scope = cur.id;
      else scope = known.get(cur.id);
      if (scope !== undefined) break;
      path.push(cur.id);
    }
    scope ??= scopeOf(node).id;
    for (const id of path) known.set(id, scope);
    const list = out.get(scope);
    if (list) list.push(node);
    else out.set(scope, [node]);
  }
  return out;
}

const wordCache = new Map<string, RegExp>();

/**
 * Any of `words` where it is not part of a longer word (a letter, digit or `_` on neither side):
 * how the text shows an identifier, attribute or key spelled as one of them. Pre-filters that
 * promise to find what `identifiersNamed` finds use this too.
 */
export function wordsPattern(words: readonly string[], flags = "u"): RegExp {
  const alternatives = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, flags);
}

/**
 * The identifier nodes spelled `word` inside `root`, found by scanning the text and asking the
 * tree what sits there: far cheaper than walking every node through the native binding.
 */
export function identifiersNamed(root: SyntaxNode, source: string, word: string): SyntaxNode[] {
  let re = wordCache.get(word);
  if (!re) {
    re = wordsPattern([word], "gu");
    wordCache.set(word, re);
  }
  const out: SyntaxNode[] = [];
  const text = source.slice(root.startIndex, root.endIndex);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = root.startIndex + m.index;
    const node = root.descendantForIndex(at, at + word.length);
    if (node.type === "identifier" && node.startIndex === at) out.push(node);
  }
  return out;
}
