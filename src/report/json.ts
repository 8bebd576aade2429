// The machine-readable report, one shape (schema.ts) for `transform --report` and report.json.
import type { ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import { JSON_FORMAT, toJson } from "./json-format.ts";
import { changedLines } from "./links.ts";
import type { ReportData } from "./markdown.ts";
import { ruleOf } from "./rules.ts";
import type { Report, Site } from "./schema.ts";
import { summarize } from "./summary.ts";

const byPlace = (a: ReportEntry, b: ReportEntry) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

export function sitesOf(entries: readonly ReportEntry[]): Site[] {
  return entries
    .slice()
    .sort(byPlace)
    .map((e) => ({ ...e, rule: ruleOf(e).id }));
}

function common(result: RunResult) {
  const lines = changedLines(result.changes);
  const files = result.changes.map((c) => c.file).sort();
  return {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    summary: summarize(result),
    filesChanged: files,
    fileStats: files.map((file) => ({
      file,
      added: lines.get(file)?.added ?? 0,
      removed: lines.get(file)?.removed ?? 0,
    })),
    skipped: result.skipped.slice().sort((a, b) => a.file.localeCompare(b.file)),
    sites: sitesOf(result.entries),
  };
}

export interface TransformReportMeta {
  transforms: string[];
  module: string;
  dryRun: boolean;
  command: string;
}

/** `transform --report`. */
export function transformReport(result: RunResult, meta: TransformReportMeta): Report {
  return {
    format: JSON_FORMAT,
    kind: "transform",
    ...common(result),
    command: meta.command,
    transforms: meta.transforms,
    module: meta.module,
    dryRun: meta.dryRun,
    system: null,
    branch: null,
    base: null,
    baseCommit: null,
    sqlFiles: [],
    database: null,
    checks: null,
  };
}

/** report.json on the migration branch (and `migrate --json`'s per-system report). */
export function migrationReport(data: ReportData): Report {
  return {
    format: JSON_FORMAT,
    kind: "migration",
    ...common(data.result),
    command: data.command ?? "",
    transforms: data.transforms,
    module: data.module ?? "",
    dryRun: !!data.dryRun,
    system: data.system,
    branch: data.branch,
    base: data.base,
    baseCommit: data.baseCommit ?? null,
    sqlFiles: data.sqlFiles ?? [],
    database: data.database ?? null,
    checks: data.checks ?? null,
  };
}

export const reportJson = (report: Report): string => toJson(report);
