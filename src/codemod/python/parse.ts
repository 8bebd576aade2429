import { isUtf8 } from "node:buffer";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { PrefilterSource, SyntaxNode, Tree } from "../plugin.ts";

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

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Why a file's bytes are not Python source we may rewrite, or undefined when they are. */
export function sourceProblem(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return "binary file (contains NUL bytes)";
  if (!isUtf8(bytes)) return "not valid UTF-8";
  return undefined;
}

/** Decodes a file's bytes, or says why it is not Python source we may rewrite. */
export function decodeSource(bytes: Uint8Array): DecodedSource | { error: string } {
  const error = sourceProblem(bytes);
  if (error) return { error };
  let text = utf8.decode(bytes);
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  return { text, bom, newline };
}

/** A string as pre-filters see it (tests, and callers that already hold the text). */
export function textSource(text: string): PrefilterSource {
  return { text, includes: (needle) => text.includes(needle) };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A file's bytes for the pre-filters: `includes` searches the UTF-8 bytes, so a file no plugin
 * wants is never decoded (most of them); `text` decodes, once. Only for bytes `sourceProblem`
 * accepts.
 */
export class FileSource implements PrefilterSource {
  private decoded?: DecodedSource;
  private readonly start: number;

  constructor(readonly bytes: Buffer) {
    this.start = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
  }

  /**
   * The same answer as `text.includes(needle)`: in valid UTF-8 a character sequence occurs exactly
   * where its encoding does (after the BOM, which the text does not have). A needle with a lone
   * surrogate has no encoding, yet can match half of a pair in the text: that one asks the text.
   */
  includes(needle: string): boolean {
    if (/\p{Cs}/u.test(needle)) return this.text.includes(needle);
    return this.bytes.includes(needle, this.start);
  }

  get text(): string {
    return this.decode().text;
  }

  decode(): DecodedSource {
    if (!this.decoded) {
      const d = decodeSource(this.bytes);
      if ("error" in d) throw new Error(d.error);
      this.decoded = d;
    }
    return this.decoded;
  }
}
