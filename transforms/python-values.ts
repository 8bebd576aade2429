// Where a Python value goes and what holds it, for the transforms that follow an ID from the code
// that makes it to the code that consumes it: "the name, attribute, field, key or function
// result this expression is stored as", string literals' text, and small node helpers.
import type { SyntaxNode } from "../src/codemod/api.ts";

/** What holds a value: a name (variable, attribute, field, keyword, dict key) or a function. */
export type Holder = { kind: "name" | "function"; key: string };

/** The node without the parentheses around it. */
export function inner(node: SyntaxNode): SyntaxNode {
  let cur = node;
  while (cur.type === "parenthesized_expression" && cur.namedChildCount === 1) {
    cur = cur.namedChild(0) as SyntaxNode;
  }
  return cur;
}

/** The callee's own name: `f` for `f()`, `get` for `a.b.get()`. */
export function calleeName(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName("function");
  if (fn?.type === "identifier") return fn.text;
  if (fn?.type === "attribute") return fn.childForFieldName("attribute")?.text;
  return undefined;
}

/** A call's arguments: positional ones in order, keyword ones by name. */
export function callArguments(call: SyntaxNode): {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
} {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const list = call.childForFieldName("arguments");
  for (const arg of list?.namedChildren ?? []) {
    if (arg.type === "comment") continue;
    if (arg.type === "keyword_argument") {
      const name = arg.childForFieldName("name")?.text;
      const value = arg.childForFieldName("value");
      if (name && value) keywords.set(name, value);
    } else positional.push(arg);
  }
  return { positional, keywords };
}

/** An f-string (any prefix with f), not a plain string. */
export function isFString(node: SyntaxNode): boolean {
  if (node.type !== "string") return false;
  const start = node.firstChild;
  return start?.type === "string_start" && /f/i.test(start.text.replace(/["']+$/, ""));
}

/**
 * A string literal's text as written between its quotes (implicit concatenations joined); an
 * f-string's interpolations become `{}`. Undefined for anything that is not a string literal.
 */
export function literalText(node: SyntaxNode, source: string): string | undefined {
  const n = inner(node);
  if (n.type === "concatenated_string") {
    const parts = n.namedChildren
      .filter((c) => c.type === "string")
      .map((c) => literalText(c, source));
    return parts.every((p) => p !== undefined) ? parts.join("") : undefined;
  }
  if (n.type !== "string") return undefined;
  const start = n.firstChild;
  const end = n.lastChild;
  if (start?.type !== "string_start" || end?.type !== "string_end") return undefined;
  let out = "";
  let pos = start.endIndex;
  for (const c of n.namedChildren) {
    if (c.type !== "interpolation") continue;
    out += `${source.slice(pos, c.startIndex)}{}`;
    pos = c.endIndex;
  }
  return out + source.slice(pos, end.startIndex);
}

/** A plain (not f-) string literal's text, or undefined. */
export function plainString(node: SyntaxNode, source: string): string | undefined {
  const n = inner(node);
  if (n.type === "string" && isFString(n)) return undefined;
  if (n.type === "concatenated_string" && n.namedChildren.some(isFString)) return undefined;
  return literalText(n, source);
}

/** The function a node is in (its innermost `def`), if any. */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === "function_definition") return p;
  return undefined;
}

/** The name an assignment target stands for: `x`, `self.x` -> x, `d["x"]` -> x. */
export function targetKey(target: SyntaxNode | null, source: string): string | undefined {
  if (!target) return undefined;
  if (target.type === "identifier") return target.text;
  if (target.type === "attribute") return target.childForFieldName("attribute")?.text;
  if (target.type === "subscript") {
    const index = target.childForFieldName("subscript");
    return index ? plainString(index, source) : undefined;
  }
  return undefined;
}

/** `field(...)`, `Field(...)`, `dataclasses.field(...)`: a model field's declaration. */
const FIELD_CALLS = new Set(["field", "Field", "attrib", "ib", "Column", "mapped_column"]);

/**
 * What stores the value of `value`: followed out through parentheses, `str()`, a conditional,
 * `await`, a lambda's body, an f-string it is part of, and a field declaration's default.
 */
export function holderOf(value: SyntaxNode, source: string): Holder | undefined {
  let cur = value;
  for (let p = cur.parent; p; p = cur.parent) {
    switch (p.type) {
      case "parenthesized_expression":
      case "await":
      case "conditional_expression":
      case "string":
      case "concatenated_string":
        cur = p;
        continue;
      case "interpolation":
        cur = p;
        continue;
      case "lambda":
        if (p.childForFieldName("body")?.id !== cur.id) return undefined;
        cur = p;
        continue;
      case "argument_list": {
        const call = p.parent;
        if (call?.type !== "call") return undefined;
        const name = calleeName(call);
        if ((name === "str" && p.namedChildCount === 1) || (name && FIELD_CALLS.has(name))) {
          cur = call;
          continue;
        }
        return undefined;
      }
      case "keyword_argument": {
        if (p.childForFieldName("value")?.id !== cur.id) return undefined;
        const name = p.childForFieldName("name")?.text;
        const call = p.parent?.parent;
        if (call?.type === "call" && FIELD_CALLS.has(calleeName(call) ?? "")) {
          cur = call;
          continue;
        }
        return name ? { kind: "name", key: name } : undefined;
      }
      case "assignment": {
        if (p.childForFieldName("right")?.id !== cur.id) return undefined;
        const key = targetKey(p.childForFieldName("left"), source);
        return key ? { kind: "name", key } : undefined;
      }
      case "named_expression": {
        const key = p.childForFieldName("name")?.text;
        return key ? { kind: "name", key } : undefined;
      }
      case "pair": {
        if (p.childForFieldName("value")?.id !== cur.id) return undefined;
        const key = plainString(p.childForFieldName("key") as SyntaxNode, source);
        return key ? { kind: "name", key } : undefined;
      }
      case "return_statement": {
        const key = enclosingFunction(p)?.childForFieldName("name")?.text;
        return key ? { kind: "function", key } : undefined;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/** Line number of a node, 1-based. */
export const lineOf = (node: SyntaxNode) => node.startPosition.row + 1;
