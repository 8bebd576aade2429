// The lead's transform runner (src/engine/runner.ts) and report summary (src/report.ts) are not
// on this branch yet: this adapter holds their agreed interface so migrate can be written and
// tested against it. Once they land, this file re-exports theirs.
import type { ReportEntry, TransformOptions } from "./engine/types.ts";

export interface RunOptions {
  /** Absolute files or directories. */
  paths: string[];
  /** Report paths are relative to this (the repo root). */
  root: string;
  transforms: string[];
  options: TransformOptions;
  /** Globs relative to root; default all *.py (the walk honours .gitignore). */
  include?: string[];
  exclude?: string[];
  /** true: write nothing. */
  dryRun: boolean;
}

export interface FileChange {
  /** Absolute. */
  path: string;
  /** Relative to root, `/` separators. */
  file: string;
  before: string;
  after: string;
}

export interface RunResult {
  changes: FileChange[];
  entries: ReportEntry[];
  skipped: { file: string; reason: string }[];
  filesScanned: number;
}

export type RunCodemod = (opts: RunOptions) => Promise<RunResult>;

export interface Summary {
  rewritten: number;
  needsReview: number;
  blocking: number;
  unchanged: number;
  note: number;
  filesScanned: number;
  filesChanged: number;
  skipped: number;
}

export function summarize(result: RunResult): Summary {
  const count = (o: ReportEntry["outcome"]) => result.entries.filter((e) => e.outcome === o).length;
  return {
    rewritten: count("rewritten"),
    needsReview: count("needs-review"),
    blocking: count("blocking"),
    unchanged: count("unchanged"),
    note: count("note"),
    filesScanned: result.filesScanned,
    filesChanged: result.changes.length,
    skipped: result.skipped.length,
  };
}

/** The real runner, loaded lazily so this branch works before and after it lands. */
export async function loadRunner(): Promise<RunCodemod> {
  const spec = "./engine/runner.ts";
  try {
    const mod = (await import(spec)) as { runCodemod: RunCodemod };
    return mod.runCodemod;
  } catch (e) {
    throw new Error(`the transform runner (src/engine/runner.ts) is not available: ${String(e)}`);
  }
}
