import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { SyntaxNode, Tree } from "./types.ts";

let parser: Parser | undefined;

/** One parser per thread: creating one costs far more than a parse of a small file. */
function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  return parser;
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

export interface DecodedSource {
  /** Text without the BOM. */
  text: string;
  bom: boolean;
  newline: "\n" | "\r\n";
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes a file's bytes, or says why it is not Python source we may rewrite. */
export function decodeSource(bytes: Uint8Array): DecodedSource | { error: string } {
  if (bytes.includes(0)) return { error: "binary file (contains NUL bytes)" };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: "not valid UTF-8" };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  return { text, bom, newline };
}
