// TypeScript and JavaScript for the engine: one compiler parse per file, imports applied once
// after the transforms' edits, every result parsed again before it may be written, and a
// run-level step that type-checks the changed files against their tsconfig.json and adds the
// packages the new imports need to the nearest package.json.
import type { ts } from "ts-morph";
import type { Language, ParsedFile, ReportEntry } from "../plugin.ts";
import { TsImportManager } from "./imports.ts";
import { addDependencies } from "./manifest.ts";
import {
  fileChecker,
  firstSyntaxProblem,
  notHandWritten,
  parseTypeScript,
  type TsNode,
  type TsSourceFile,
} from "./parse.ts";
import { typeCheck } from "./project.ts";

/** One parsed TS/JS file, shared by every transform of a run. */
export interface TsFile extends ParsedFile {
  sf: TsSourceFile;
  newline: string;
  /**
   * Name resolution over this file, made on first use: it binds the tree (not parsing it again),
   * which also sets the nodes' parents. Ask for it before using `node.parent`.
   */
  readonly checker: ts.TypeChecker;
  imports: TsImportManager;
}

export const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export const typescript: Language<TsFile> = {
  name: "typescript",
  extensions: TS_EXTENSIONS,
  parse(path, source, newline) {
    const why = notHandWritten(path, source);
    if (why) return { error: why };
    const sf = parseTypeScript(path, source);
    const problem = firstSyntaxProblem(sf);
    if (problem) {
      return {
        error: `does not parse: ${problem.message} at line ${problem.line}, column ${problem.column}`,
      };
    }
    let checker: ts.TypeChecker | undefined;
    const getChecker = () => {
      checker ??= fileChecker(sf);
      return checker;
    };
    return {
      path,
      source,
      sf,
      newline,
      get checker() {
        return getChecker();
      },
      imports: new TsImportManager(sf, path, newline, getChecker),
    };
  },
  finalize: (ctx, edits) => ctx.imports.finalize(edits),
  check(output, ctx) {
    const problem = firstSyntaxProblem(parseTypeScript(ctx.path, output));
    return problem && `${problem.message} at line ${problem.line}`;
  },
  async afterTransform(files, run) {
    const kept = await typeCheck(files, run);
    addDependencies(kept, run);
  },
};

/** A report entry at a node (line and column of its first token, columns in characters). */
export function tsEntryAt(
  transform: string,
  ctx: TsFile,
  node: TsNode,
  fields: Pick<ReportEntry, "before" | "after" | "outcome" | "reason">,
): ReportEntry {
  const { line, character } = ctx.sf.getLineAndCharacterOfPosition(node.getStart(ctx.sf));
  return { transform, file: ctx.path, line: line + 1, column: character + 1, ...fields };
}
