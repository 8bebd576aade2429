// Python for the engine: one tree-sitter parse per file, imports applied once after the
// transforms' edits, and every result parsed again before it may be written.
import type { Language, ParsedFile, ReportEntry } from "../plugin.ts";
import { orderImports } from "./import-order.ts";
import { ImportManager } from "./imports.ts";
import {
  firstSyntaxProblem,
  parsePython,
  reparsePython,
  type SyntaxNode,
  type Tree,
} from "./parse.ts";

/** One parsed Python file, shared by every transform of a run. */
export interface PyFile extends ParsedFile {
  tree: Tree;
  imports: ImportManager;
  newline: string;
  /** The file on disk, when there is one: its repository's import settings apply. */
  abs?: string;
}

export const python: Language<PyFile> = {
  name: "python",
  extensions: [".py"],
  parse(path, source, newline, abs) {
    const tree = parsePython(source);
    const problem = firstSyntaxProblem(tree);
    if (problem) {
      return {
        error: `does not parse: ${problem.message} at line ${problem.line}, column ${problem.column}`,
      };
    }
    const imports = new ImportManager(tree.rootNode, source, newline);
    return { path, source, tree, imports, newline, ...(abs ? { abs } : {}) };
  },
  // Imports where the repository's isort settings want them (ruff decides; see import-order.ts).
  finalize: (ctx, edits) => orderImports(ctx, edits, ctx.imports.plan(edits)),
  check(output, ctx, edits) {
    // Incrementally from the file's own tree; what it finds wrong is confirmed (and placed) by
    // a parse from scratch, which has the last word.
    const problem =
      firstSyntaxProblem(reparsePython(ctx.tree, ctx.source, edits, output)) &&
      firstSyntaxProblem(parsePython(output));
    return problem && `${problem.message} at line ${problem.line}`;
  },
};

/** A report entry at a node: line from the tree, column in characters (tree-sitter counts bytes). */
export function entryAt(
  transform: string,
  ctx: ParsedFile,
  node: SyntaxNode,
  fields: Pick<ReportEntry, "before" | "after" | "outcome" | "reason">,
): ReportEntry {
  const lineStart = ctx.source.lastIndexOf("\n", node.startIndex - 1) + 1;
  return {
    transform,
    file: ctx.path,
    line: node.startPosition.row + 1,
    column: node.startIndex - lineStart + 1,
    ...fields,
  };
}
