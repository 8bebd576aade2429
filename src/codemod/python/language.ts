// Python for the engine: one tree-sitter parse per file, imports applied once after the
// transforms' edits, and every result parsed again before it may be written.
import type { Language, ParsedFile, ReportEntry } from "../plugin.ts";
import { ImportManager } from "./imports.ts";
import { firstSyntaxProblem, parsePython, type SyntaxNode, type Tree } from "./parse.ts";

/** One parsed Python file, shared by every transform of a run. */
export interface PyFile extends ParsedFile {
  tree: Tree;
  imports: ImportManager;
}

export const python: Language<PyFile> = {
  name: "python",
  extensions: [".py"],
  parse(path, source, newline) {
    const tree = parsePython(source);
    const problem = firstSyntaxProblem(tree);
    if (problem) {
      return {
        error: `does not parse: ${problem.message} at line ${problem.line}, column ${problem.column}`,
      };
    }
    return { path, source, tree, imports: new ImportManager(tree.rootNode, source, newline) };
  },
  finalize: (ctx, edits) => ctx.imports.finalize(edits),
  check(output) {
    const problem = firstSyntaxProblem(parsePython(output));
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
