import type Parser from "tree-sitter";
import type { ImportManager } from "./python/imports.ts";

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

/** What happened at one site. `blocking` and `needs-review` are what a reviewer must read first. */
export type Outcome = "rewritten" | "needs-review" | "blocking" | "unchanged" | "note";

export interface ReportEntry {
  transform: string;
  /** Path relative to the run root, with `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  before: string;
  after: string | null;
  outcome: Outcome;
  reason: string;
}

/**
 * A replacement of `source.slice(start, end)` by `text`. Offsets are the ones tree-sitter's node
 * binding reports (UTF-16 code units of the decoded source), so they index the JS string directly.
 */
export interface Edit {
  start: number;
  end: number;
  text: string;
  /** The report entry of the rewrite this edit makes, so a refused edit can be reported as such. */
  entry?: ReportEntry;
}

export type NaturalKeyPolicy = "skip" | "rewrite-and-flag";

export interface FStringRule {
  /** `session_id`, `self.session_id`, or a keyword argument name (`entity_id`). */
  target: string;
  /** Literal skeleton such as `system:{}`; absent means any f-string assigned to the target. */
  template?: string;
  naturalKeys: NaturalKeyPolicy;
}

export interface TransformOptions {
  /** Python module that provides `generate()`. */
  module: string;
  importStyle: "module" | "from";
  untruncate: boolean;
  rules: FStringRule[];
}

export const defaultTransformOptions: TransformOptions = {
  module: "dhruva",
  importStyle: "module",
  untruncate: false,
  rules: [],
};

/** One parsed file, shared by every transform of a run (one parse per file). */
export interface FileContext {
  /** Report path (relative to the run root). */
  path: string;
  source: string;
  tree: Tree;
  imports: ImportManager;
}

export interface FileResult {
  edits: Edit[];
  entries: ReportEntry[];
}

/**
 * A file as the pre-filters see it. `includes` answers exactly as `text.includes` would; the runner
 * searches the file's bytes, so ask it first and `text` (which decodes the file) only when needed.
 */
export interface PrefilterSource {
  includes(needle: string): boolean;
  readonly text: string;
}

/**
 * A transform's matching logic, independent of how it is run (our runner or jscodeshift).
 * `index` sees every candidate file of the run before any `analyze`, for cross-file facts.
 */
export interface CodemodPlugin<Index = unknown> {
  name: string;
  /** Cheap text pre-filter: false only when the file cannot contain a site. */
  mayMatch(source: PrefilterSource, options: TransformOptions): boolean;
  index?(files: FileContext[], options: TransformOptions): Index;
  /**
   * Asked of files that failed `mayMatch`, after `index` has seen those that passed: may this
   * file matter anyway (e.g. rebuild a key found there)? Such files are parsed and indexed too.
   */
  mayMatter?(source: PrefilterSource, options: TransformOptions, index: Index): boolean;
  analyze(ctx: FileContext, options: TransformOptions, index: Index | undefined): FileResult;
}
