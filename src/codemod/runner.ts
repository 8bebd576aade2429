import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pluginsFor } from "../../transforms/index.ts";
import type { FileContext, ReportEntry, TransformOptions } from "./plugin.ts";
import { FileSource, sourceProblem } from "./python/parse.ts";
import { parseContext, transformContext } from "./transform-file.ts";
import { collectPythonFiles, toPosix } from "./walk.ts";

export interface RunOptions {
  /** Files or directories. */
  paths: string[];
  /** Report paths are relative to this (the repository root). */
  root: string;
  transforms: string[];
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
  /** Relative to the run root. */
  file: string;
  before: string;
  after: string;
}

export interface RunResult {
  changes: FileChange[];
  entries: ReportEntry[];
  /** Files not transformed, with why (does not parse, not UTF-8, symlink, ...). Never written. */
  skipped: { file: string; reason: string }[];
  filesScanned: number;
}

interface Candidate {
  abs: string;
  bytes: Buffer;
  bom: boolean;
  ctx: FileContext;
}

export type RunCodemod = (opts: RunOptions) => Promise<RunResult>;

/**
 * Runs transforms over a tree: read and pre-filter every file, parse the candidates once, let
 * cross-file indexes see all of them, then transform and (unless dry-run) write changed files.
 * A file the pre-filter rules out (it cannot hold a site) is never parsed, so a syntax error in
 * it is not reported.
 */
export async function runCodemod(opts: RunOptions): Promise<RunResult> {
  const plugins = pluginsFor(opts.transforms);
  const root = path.resolve(opts.root);
  const walked = collectPythonFiles(opts.paths, {
    root,
    include: opts.include,
    exclude: opts.exclude,
  });
  const skipped = [...walked.skipped];
  const rel = (abs: string) => toPosix(path.relative(root, abs));
  const candidates: Candidate[] = [];

  // Every file is read and checked (a binary or non-UTF-8 file is reported whatever the
  // pre-filter says), but only those a pre-filter asks the text of are decoded.
  const passed: { abs: string; source: FileSource }[] = [];
  const later: typeof passed = [];
  for (const abs of walked.files.sort()) {
    const bytes = readFileSync(abs);
    const problem = sourceProblem(bytes);
    if (problem) {
      skipped.push({ file: rel(abs), reason: problem });
      continue;
    }
    const source = new FileSource(bytes);
    const wanted =
      opts.prefilter === false || plugins.some((p) => p.mayMatch(source, opts.options));
    (wanted ? passed : later).push({ abs, source });
  }
  const parse = (files: typeof passed) => {
    for (const { abs, source } of files) {
      const { text, newline, bom } = source.decode();
      const ctx = parseContext(rel(abs), text, newline);
      if ("error" in ctx) skipped.push({ file: rel(abs), reason: ctx.error });
      else candidates.push({ abs, bytes: source.bytes, bom, ctx });
    }
  };
  parse(passed);

  // Files with no site of their own can still matter to a cross-file index (a rebuilt natural
  // key): ask, given what the first files hold, and index everything together.
  const indexes = new Map<string, unknown>();
  const askLater = plugins.filter((p) => p.index && p.mayMatter);
  if (askLater.length > 0 && later.length > 0) {
    const byPath = (a: Candidate, b: Candidate) => a.abs.localeCompare(b.abs);
    candidates.sort(byPath);
    const first = candidates.map((c) => c.ctx);
    const early = askLater.map((p) => ({ p, index: p.index?.(first, opts.options) }));
    parse(
      later.filter((f) =>
        early.some(({ p, index }) => p.mayMatter?.(f.source, opts.options, index)),
      ),
    );
    // No file added: these are already the indexes of every candidate, in the same order.
    if (candidates.length === first.length) for (const e of early) indexes.set(e.p.name, e.index);
    else candidates.sort(byPath);
  }

  const contexts = candidates.map((c) => c.ctx);
  for (const p of plugins) {
    if (p.index && !indexes.has(p.name)) indexes.set(p.name, p.index(contexts, opts.options));
  }

  const changes: FileChange[] = [];
  const entries: ReportEntry[] = [];
  for (const c of candidates) {
    const out = transformContext(c.ctx, plugins, opts.options, indexes);
    entries.push(...out.entries);
    if (!out.ok) {
      skipped.push({ file: c.ctx.path, reason: out.error });
      continue;
    }
    if (!out.changed) continue;
    const after = (c.bom ? "\uFEFF" : "") + out.output;
    const before = (c.bom ? "\uFEFF" : "") + c.ctx.source;
    if (!opts.dryRun) {
      opts.beforeWrite?.(c.abs);
      // Someone (an editor, a formatter) changed the file since we read it: theirs wins.
      if (!readFileSync(c.abs).equals(c.bytes)) {
        skipped.push({
          file: c.ctx.path,
          reason: "modified while the codemod ran; not overwritten",
        });
        continue;
      }
      writeFileSync(c.abs, after);
    }
    changes.push({ path: c.abs, file: c.ctx.path, before, after });
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { changes, entries, skipped, filesScanned: walked.files.length };
}
