// The machine-readable reports: `transform --report FILE` and the committed report.json.
import type { RunResult } from "../codemod/runner.ts";
import type { MigrationReportMeta } from "./markdown.ts";
import { type Summary, summarize } from "./summary.ts";

const byPlace = (a: { file: string; line: number; column: number }, b: typeof a) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

export interface TransformReportMeta {
  tool: string;
  version: string;
  transforms: string[];
  module: string;
  dryRun: boolean;
}

/** The machine-readable report (`--report FILE`, `report.json`). */
export function reportJson(result: RunResult, meta: TransformReportMeta): string {
  const doc = {
    ...meta,
    summary: summarize(result),
    filesChanged: result.changes.map((c) => c.file),
    skipped: result.skipped,
    sites: result.entries,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function migrationReportJson(
  result: RunResult,
  summary: Summary,
  meta: MigrationReportMeta,
): string {
  const data = {
    version: 1,
    system: meta.system,
    branch: meta.branch,
    base: meta.base,
    transforms: meta.transforms,
    summary,
    filesChanged: result.changes.map((c) => c.file).sort(),
    entries: result.entries.slice().sort(byPlace),
    skipped: result.skipped,
    sqlFiles: meta.sqlFiles ?? [],
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}
