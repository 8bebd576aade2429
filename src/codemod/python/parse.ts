import type Parser from "tree-sitter";
import loadNative from "./native.cjs";

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

let parser: Parser | undefined;

/**
 * One parser per thread: creating one costs far more than a parse of a small file. The native
 * modules load on the first parse, so commands (and option declarations) that never parse do
 * not pay for them (about 0.1 s).
 */
function getParser(): Parser {
  if (!parser) {
    const { Parser: TreeSitter, Python } = loadNative();
    parser = new TreeSitter();
    parser.setLanguage(Python as Parser.Language);
  }
  return parser;
}

const queries = new Map<string, Parser.Query>();

/** A tree-sitter query over Python (compiled once per pattern text: compiling is the slow part). */
export function pythonQuery(pattern: string): Parser.Query {
  let q = queries.get(pattern);
  if (!q) {
    const { Parser: TreeSitter, Python } = loadNative();
    q = new TreeSitter.Query(Python as Parser.Language, pattern);
    queries.set(pattern, q);
  }
  return q;
}

export function parsePython(source: string): Tree {
  // The binding's default input buffer is small; size it to the text so large files parse whole.
  return getParser().parse(source, undefined, { bufferSize: source.length * 2 + 1024 });
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

/** The first ERROR or MISSING node, or undefined when the tree is clean. */
export function firstSyntaxProblem(tree: Tree): SyntaxProblem | undefined {
  if (!tree.rootNode.hasError) return undefined;
  const stack: SyntaxNode[] = [tree.rootNode];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (node.isMissing) {
      return { ...position(node), message: `missing ${node.type}` };
    }
    if (node.type === "ERROR") {
      return { ...position(node), message: "syntax error" };
    }
    if (!node.hasError) continue;
    for (let i = node.childCount - 1; i >= 0; i--) {
      const child = node.child(i);
      if (child) stack.push(child);
    }
  }
  return { line: 1, column: 1, message: "syntax error" };
}

export function position(node: SyntaxNode): { line: number; column: number } {
  return { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}
