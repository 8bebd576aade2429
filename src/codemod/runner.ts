// Runs the plugins it is given over a tree: read and pre-filter every file, parse the candidates
// once, let cross-file indexes see all of them, then transform and (unless dry-run) write.
import { readFileSync, writeFileSync } from "node:fs";
import type {
  CodemodPlugin,
  Language,
  ParsedFile,
  ReportEntry,
  TransformedFile,
  TransformOptions,
} from "./plugin.ts";
import { encodeSource, FileSource, sourceProblem } from "./source.ts";
import { rangeKey, transformContext } from "./transform-file.ts";
import { collectRooted } from "./walk.ts";

export interface RunOptions {
  /** Files or directories. */
  paths: string[];
  /**
   * Report paths (and include/exclude globs) are relative to this. Absent: to each path's
   * repository root, or to the path itself when it is in no repository.
   */
  root?: string;
  plugins: readonly CodemodPlugin[];
  options: TransformOptions;
  include?: string[];
  exclude?: string[];
  /** True: write nothing. */
  dryRun: boolean;
  /** False parses every file, skipping the plugins' text pre-filter (for checking it). */
  prefilter?: boolean;
  /** Called just before a file is written (tests use it to race the write). */
  beforeWrite?: (absPath: string) => void;
}

export interface FileChange {
  /** Absolute. */
  path: string;
  /** Relative to its root (see RunOptions.root). */
  file: string;
  before: string;
  after: string;
  /** The encoding a PEP 263 coding line declares, when not UTF-8 (the file is written in it). */
  encoding?: string;
}

export interface RunResult {
  changes: FileChange[];
  entries: ReportEntry[];
  /** Files not transformed, with why (does not parse, not decodable, symlink, ...). Never written. */
  skipped: { file: string; reason: string }[];
  filesScanned: number;
}

interface Candidate {
  abs: string;
  bytes: Buffer;
  bom: boolean;
  encoding?: string;
  ctx: ParsedFile;
}

interface Read {
  abs: string;
  source: FileSource;
}

/** The plugins of one language, and the files of the run that are theirs. */
interface Group {
  language: Language;
  plugins: CodemodPlugin[];
  files: string[];
}

/**
 * The run, language by language. A file the pre-filter rules out (it cannot hold a site) is never
 * parsed, so a syntax error in it is not reported.
 */
export async function runCodemod(opts: RunOptions): Promise<RunResult> {
  const groups = groupByLanguage(opts.plugins);
  const walked = collectRooted(opts.paths, opts.root, {
    include: opts.include,
    exclude: opts.exclude,
    extensions: groups.flatMap((g) => g.language.extensions),
  });
  const { rel } = walked;
  const skipped = [...walked.skipped];
  for (const abs of walked.files.sort()) {
    const group =
      groups.find((g) => g.language.extensions.some((e) => abs.endsWith(e))) ??
      // A file named on the command line with another extension: the run's only language reads it.
      (groups.length === 1 ? groups[0] : undefined);
    if (group) group.files.push(abs);
    else skipped.push({ file: rel(abs), reason: "no transform of this run reads this file type" });
  }

  const changes: FileChange[] = [];
  const entries: ReportEntry[] = [];
  const write = (
    abs: string,
    file: string,
    read: Buffer,
    before: string,
    after: string,
    encoding?: string,
  ) => {
    let bytes: Buffer;
    try {
      bytes = encodeSource(after, encoding);
    } catch (e) {
      skipped.push({ file, reason: `${(e as Error).message}; not written` });
      return;
    }
    if (!opts.dryRun) {
      opts.beforeWrite?.(abs);
      // Someone (an editor, a formatter) changed the file since we read it: theirs wins.
      if (!readFileSync(abs).equals(read)) {
        skipped.push({ file, reason: "modified while the codemod ran; not overwritten" });
        return;
      }
      writeFileSync(abs, bytes);
    }
    changes.push({ path: abs, file, before, after, ...(encoding ? { encoding } : {}) });
  };
  for (const group of groups) {
    const { candidates, later } = parseCandidates(group, opts, rel, skipped);
    const indexes = buildIndexes(group, opts, candidates, later, rel, skipped);
    const done = await transformGroup(group, candidates, indexes, opts, walked.rootOf, skipped);
    for (const { c, output, entries: own } of done.files.values()) {
      entries.push(...own);
      if (output === undefined) continue;
      const bom = c.bom ? "\uFEFF" : "";
      write(c.abs, c.ctx.path, c.bytes, bom + c.ctx.source, bom + output, c.encoding);
    }
    entries.push(...done.extraEntries);
    for (const x of done.extra) {
      entries.push(...x.entries);
      write(x.abs, rel(x.abs), Buffer.from(x.before), x.before, x.after);
    }
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { changes, entries, skipped, filesScanned: walked.files.length };
}

interface Done {
  c: Candidate;
  /** The text to write; undefined when the file is left as it is. */
  output?: string;
  entries: ReportEntry[];
}

/**
 * Every candidate of a language through its plugins, then the language's run-level step (once
 * per root: paths can lie in different repositories), which may take edits back (the file is
 * transformed again without them) and change other files.
 */
async function transformGroup(
  group: Group,
  candidates: Candidate[],
  indexes: Map<string, unknown>,
  opts: RunOptions,
  rootOf: (abs: string) => string,
  skipped: RunResult["skipped"],
) {
  // By absolute path: files of different roots can share a report path.
  const files = new Map<string, Done>();
  const changed: TransformedFile[] = [];
  const withheld = new Map<string, Map<string, string>>();
  const run = (c: Candidate): TransformedFile | null => {
    const out = transformContext(c.ctx, group.plugins, opts.options, indexes, withheld.get(c.abs));
    const done: Done = { c, entries: out.entries };
    files.set(c.abs, done);
    if (!out.ok) {
      skipped.push({ file: c.ctx.path, reason: out.error });
      return null;
    }
    if (!out.changed) return null;
    done.output = out.output;
    return { ctx: c.ctx, abs: c.abs, output: out.output, edits: out.edits };
  };
  for (const c of candidates) {
    const t = run(c);
    if (t) changed.push(t);
  }
  const extra: { abs: string; before: string; after: string; entries: ReportEntry[] }[] = [];
  const extraEntries: ReportEntry[] = [];
  const byRoot = new Map<string, TransformedFile[]>();
  for (const t of changed) byRoot.set(rootOf(t.abs), [...(byRoot.get(rootOf(t.abs)) ?? []), t]);
  const byPath = new Map(candidates.map((c) => [c.abs, c]));
  for (const [root, mine] of byRoot) {
    if (!group.language.afterTransform) break;
    await group.language.afterTransform(mine, {
      root,
      withhold(file, edits, reason) {
        const c = byPath.get(file.abs) as Candidate;
        const mine = withheld.get(file.abs) ?? new Map<string, string>();
        withheld.set(file.abs, mine);
        for (const e of edits) if (e.entry) mine.set(rangeKey(e), reason(e));
        return run(c);
      },
      change: (x) => extra.push(x),
      report: (entry) => extraEntries.push(entry),
    });
  }
  return { files, extra, extraEntries };
}

function groupByLanguage(plugins: readonly CodemodPlugin[]): Group[] {
  const groups: Group[] = [];
  for (const p of plugins) {
    const g = groups.find((x) => x.language === p.language);
    if (g) g.plugins.push(p);
    else groups.push({ language: p.language, plugins: [p], files: [] });
  }
  return groups;
}

/**
 * Every file is read and checked (a binary or non-UTF-8 file is reported whatever the
 * pre-filter says), but only those a pre-filter asks the text of are decoded. Files that failed
 * every pre-filter come back as `later`, for the second pass (`mayMatter`).
 */
function parseCandidates(
  group: Group,
  opts: RunOptions,
  rel: (abs: string) => string,
  skipped: RunResult["skipped"],
): { candidates: Candidate[]; later: string[] } {
  const passed: Read[] = [];
  // Only the paths: holding every other file's bytes for the second pass cost the memory of the
  // whole tree (192 MB on a copy of this machine's Python); it reads them again if it runs.
  const later: string[] = [];
  for (const abs of group.files) {
    const bytes = readFileSync(abs);
    const problem = sourceProblem(bytes);
    if (problem) {
      skipped.push({ file: rel(abs), reason: problem });
      continue;
    }
    const source = new FileSource(bytes);
    const wanted =
      opts.prefilter === false || group.plugins.some((p) => p.mayMatch(source, opts.options));
    if (wanted) passed.push({ abs, source });
    else later.push(abs);
  }
  const candidates: Candidate[] = [];
  parseInto(group.language, passed, rel, skipped, candidates);
  return { candidates, later };
}

function parseInto(
  language: Language,
  files: Read[],
  rel: (abs: string) => string,
  skipped: RunResult["skipped"],
  into: Candidate[],
): void {
  for (const { abs, source } of files) {
    const { text, newline, bom, encoding } = source.decode();
    const ctx = language.parse(rel(abs), text, newline, abs);
    if ("error" in ctx) skipped.push({ file: rel(abs), reason: ctx.error });
    else into.push({ abs, bytes: source.bytes, bom, ctx, ...(encoding ? { encoding } : {}) });
  }
}

/**
 * Each plugin's cross-file index over every candidate. Files with no site of their own can still
 * matter to an index (a rebuilt natural key): asked, given what the first files hold, and then
 * indexed with the rest (`candidates` grows by them).
 */
function buildIndexes(
  group: Group,
  opts: RunOptions,
  candidates: Candidate[],
  later: string[],
  rel: (abs: string) => string,
  skipped: RunResult["skipped"],
): Map<string, unknown> {
  const indexes = new Map<string, unknown>();
  const askLater = group.plugins.filter((p) => p.index && p.mayMatter);
  if (askLater.length > 0 && later.length > 0) {
    const byPath = (a: Candidate, b: Candidate) => a.abs.localeCompare(b.abs);
    candidates.sort(byPath);
    const first = candidates.map((c) => c.ctx);
    const early = askLater.map((p) => ({ p, index: p.index?.(first, opts.options) }));
    const asking = early.filter(({ p, index }) => p.secondPass?.(index) ?? true);
    const back: Read[] = [];
    for (const abs of asking.length > 0 ? later : []) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(abs);
      } catch {
        continue; // gone since the first read: it was no candidate then either
      }
      if (sourceProblem(bytes)) continue;
      const source = new FileSource(bytes);
      if (asking.some(({ p, index }) => p.mayMatter?.(source, opts.options, index))) {
        back.push({ abs, source });
      }
    }
    parseInto(group.language, back, rel, skipped, candidates);
    // No file added: these are already the indexes of every candidate, in the same order.
    if (candidates.length === first.length) for (const e of early) indexes.set(e.p.name, e.index);
    else candidates.sort(byPath);
  }
  const contexts = candidates.map((c) => c.ctx);
  for (const p of group.plugins) {
    if (p.index && !indexes.has(p.name)) indexes.set(p.name, p.index(contexts, opts.options));
  }
  return indexes;
}
