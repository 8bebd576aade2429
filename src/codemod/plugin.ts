// The plugin API: what a transform is, what it is given and what it returns. Transforms depend on
// this module (and their language's helpers), never on the runner.
import type { OptionSpec } from "./options.ts";

export type { OptionSpec, TransformOptions } from "./options.ts";

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
  /**
   * Entries about one concern get a section of their own in the reports: `uuid-format` (code
   * that assumes an ID is a UUID), `sql` (SQL in the code that touches a migrated table).
   */
  topic?: "uuid-format" | "sql";
}

/**
 * A replacement of `source.slice(start, end)` by `text`. Offsets index the decoded source (UTF-16
 * code units, as JavaScript strings and tree-sitter's node binding count).
 */
export interface Edit {
  start: number;
  end: number;
  text: string;
  /** The report entry of the rewrite this edit makes, so a refused edit can be reported as such. */
  entry?: ReportEntry;
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

/** What every language's parsed file has: one per file, shared by every transform of a run. */
export interface ParsedFile {
  /** Report path (relative to the run root). */
  path: string;
  source: string;
}

/**
 * A language the engine can run transforms on: how to parse a file once, which edits it adds
 * after the transforms' own (imports), and how to check that a result is still valid.
 */
export interface Language<Ctx extends ParsedFile = ParsedFile> {
  name: string;
  /** File extensions a directory walk picks up for this language (`.py`). */
  extensions: readonly string[];
  /** `abs`: the file on disk, when there is one (its repository's settings may apply). */
  parse(path: string, text: string, newline: string, abs?: string): Ctx | { error: string };
  /**
   * Edits to add to the transforms' edits (the import changes they asked for). Throws an Error
   * saying why when they cannot be made (the file is then left as it is).
   */
  finalize(ctx: Ctx, edits: readonly Edit[]): Edit[];
  /**
   * Why `output` (the result for `ctx`'s file) must not be written (it does not parse), or
   * undefined. `edits`: every edit that turned `ctx.source` into `output` (none overlapping),
   * so that a language may parse the result incrementally from `ctx`'s tree (left as it is).
   */
  check(output: string, ctx: Ctx, edits: readonly Edit[]): string | undefined;
  /**
   * Optional run-level step: once per run, after every file of this language is transformed and
   * before anything is written. For what one file cannot tell (type errors against the project's
   * config) and files that are not source (the package manifest). Not run under jscodeshift,
   * which hands transforms one file at a time.
   */
  afterTransform?(files: TransformedFile<Ctx>[], run: RunHooks<Ctx>): void | Promise<void>;
}

/** A file of the run as its transforms left it (not written yet). */
export interface TransformedFile<Ctx extends ParsedFile = ParsedFile> {
  ctx: Ctx;
  /** Absolute path. */
  abs: string;
  output: string;
  /** Every edit applied: the transforms' carry their report entry, the language's do not. */
  edits: readonly Edit[];
}

/** What a language's `afterTransform` may do to the run. */
export interface RunHooks<Ctx extends ParsedFile = ParsedFile> {
  /** The run root (report paths are relative to it). */
  root: string;
  /**
   * Transform the file again without these edits of its transforms (matched by range); each
   * one's site is reported `needs-review` with `reason(edit)`. The new result, or null when the
   * file is left unchanged.
   */
  withhold(
    file: TransformedFile<Ctx>,
    edits: readonly Edit[],
    reason: (edit: Edit) => string,
  ): TransformedFile<Ctx> | null;
  /**
   * Another file this run changes (e.g. a package manifest): in the diff and the report, written
   * with the others unless dry-run (and not if it no longer reads `before`).
   */
  change(change: { abs: string; before: string; after: string; entries: ReportEntry[] }): void;
  /** A report entry of the run not tied to an edit. */
  report(entry: ReportEntry): void;
}

/**
 * A transform's matching logic, independent of how it is run (our runner or jscodeshift).
 * A cross-file index sees every candidate file of the run before any `analyze`. Two ways to
 * build one: `index` over the parsed files themselves (the run then stays on one thread, where
 * the trees are), or `facts` + `mergeFacts`, plain data per file merged into the index (the runner
 * may then parse and analyse the files on worker threads: facts cross threads, trees do not).
 */
export interface CodemodPlugin<
  // biome-ignore lint/suspicious/noExplicitAny: plugins of different languages and options share one list
  Ctx extends ParsedFile = any,
  // biome-ignore lint/suspicious/noExplicitAny: as above
  O = any,
  Index = unknown,
  Facts = unknown,
> {
  name: string;
  language: Language<Ctx>;
  /** The options it reads, declared once: CLI flags, plan keys and jscodeshift flags come from these. */
  options: readonly OptionSpec[];
  /** Cheap text pre-filter: false only when the file cannot contain a site. */
  mayMatch(source: PrefilterSource, options: O): boolean;
  index?(files: Ctx[], options: O): Index;
  /**
   * What one file tells the index, as plain data (structured-cloneable: no tree nodes, no
   * functions), so that it can come from another thread. With `mergeFacts`, instead of `index`.
   */
  facts?(ctx: Ctx, options: O): Facts;
  /**
   * The index from every candidate file's facts, in the run's file order. Plain data too: it is
   * sent to the threads that run `mayMatter` and `analyze`.
   */
  mergeFacts?(facts: Facts[], options: O): Index;
  /**
   * Asked of files that failed `mayMatch`, after `index` has seen those that passed: may this
   * file matter anyway (e.g. rebuild a key found there)? Such files are parsed and indexed too.
   */
  mayMatter?(source: PrefilterSource, options: O, index: Index): boolean;
  /**
   * Whether `mayMatter` can say yes to any file given this index; false spares the run reading
   * every other file again for the second pass. Absent: it may.
   */
  secondPass?(index: Index): boolean;
  analyze(ctx: Ctx, options: O, index: Index | undefined): FileResult;
}
