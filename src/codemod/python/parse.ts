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

export function parsePython(source: string, old?: Tree): Tree {
  // The binding's default input buffer is small; size it to the text so large files parse whole.
  return getParser().parse(source, old, { bufferSize: source.length * 2 + 1024 });
}

/** A replacement of `source.slice(start, end)` by `text`, as Edit in plugin.ts. */
interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * The tree of `output` (= `edits` applied to `source`, none overlapping), parsed incrementally
 * from `tree` (the tree of `source`, which stays as it is): tree-sitter reuses every subtree the
 * edits did not touch, the same tree as a parse from scratch at a twentieth of the cost (measured
 * on the synthetic corpus's uuid files: 6 ms against 129 ms). Offsets and columns are UTF-16
 * code units, as the binding counts them; rows count "\n" as tree-sitter does.
 */
export function reparsePython(
  tree: Tree,
  source: string,
  edits: readonly TextEdit[],
  output: string,
): Tree {
  // A parse with an unedited old tree reuses all of it: a copy to edit, `tree` untouched.
  const copy = parsePython(source, tree);
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const at: Parser.Point[] = [];
  let row = 0;
  let lineStart = 0;
  let scanned = 0;
  // Points of ascending offsets, counting each newline once.
  const pointOf = (i: number): Parser.Point => {
    let nl = source.indexOf("\n", scanned);
    while (nl !== -1 && nl < i) {
      row++;
      lineStart = nl + 1;
      nl = source.indexOf("\n", nl + 1);
    }
    scanned = Math.max(scanned, i);
    return { row, column: i - lineStart };
  };
  for (const e of sorted) at.push(pointOf(e.start), pointOf(e.end));
  // From the last edit back: each one's offsets are still those of `source` when it is applied.
  for (let k = sorted.length - 1; k >= 0; k--) {
    const e = sorted[k] as TextEdit;
    const start = at[2 * k] as Parser.Point;
    const nl = e.text.lastIndexOf("\n");
    const newEnd =
      nl === -1
        ? { row: start.row, column: start.column + e.text.length }
        : { row: start.row + countNewlines(e.text), column: e.text.length - nl - 1 };
    copy.edit({
      startIndex: e.start,
      oldEndIndex: e.end,
      newEndIndex: e.start + e.text.length,
      startPosition: start,
      oldEndPosition: at[2 * k + 1] as Parser.Point,
      newEndPosition: newEnd,
    });
  }
  return parsePython(output, copy);
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
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
