import type { ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";
import type { Summary } from "./terminal.ts";

export interface ReportMeta {
  system: string;
  branch: string;
  /** The branch the migration starts from (the PR's base). */
  base: string;
  transforms: string[];
  /** Generated SQL files to review, relative to the repo root (from the SQL phase). */
  sqlFiles?: string[];
  /** Commands to run after merging; defaults to a generic set. */
  validation?: string[];
}

export function defaultValidation(system: string): string[] {
  return [
    "python -m compileall -q .",
    "python -m pytest -q",
    `git grep -nE "uuid\\.?uuid4\\(" -- "*.py"   # only the sites listed above as needing review should remain`,
    `ulid-codemod migrate --system ${system} --dry-run   # expect no further rewrites`,
  ];
}

// Table cells: no pipes or newlines, and code spans that survive backticks in the source.
function code(text: string): string {
  const t = text.replace(/\r?\n\s*/g, " ").replace(/\|/g, "\\|");
  const fence = t.includes("`") ? "``" : "`";
  return t ? `${fence}${fence === "``" ? " " : ""}${t}${fence === "``" ? " " : ""}${fence}` : "";
}

const byPlace = (a: ReportEntry, b: ReportEntry) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

function itemList(entries: ReportEntry[]): string[] {
  return entries
    .slice()
    .sort(byPlace)
    .map((e) => `- \`${e.file}:${e.line}\` — ${e.reason} (${code(e.before)}, ${e.transform})`);
}

/** Commit message subject and body, e.g. `ulid-migration(akosha): 12 rewritten, 3 need review`. */
export function countsLine(s: Summary): string {
  const parts = [
    `${s.rewritten} rewritten in ${s.filesChanged} file${s.filesChanged === 1 ? "" : "s"}`,
  ];
  if (s.blocking) parts.push(`${s.blocking} blocking`);
  if (s.needsReview) parts.push(`${s.needsReview} need${s.needsReview === 1 ? "s" : ""} review`);
  if (s.skipped) parts.push(`${s.skipped} file${s.skipped === 1 ? "" : "s"} skipped`);
  return parts.join(", ");
}

/** The report: report.md in the branch and the PR body. Deterministic (no dates) so reruns are no-ops. */
export function renderMarkdown(result: RunResult, summary: Summary, meta: ReportMeta): string {
  const out: string[] = [];
  const blocking = result.entries.filter((e) => e.outcome === "blocking");
  const review = result.entries.filter((e) => e.outcome === "needs-review");
  const rewritten = result.entries.filter((e) => e.outcome === "rewritten").sort(byPlace);
  out.push(`# ULID migration: ${meta.system}`, "");
  out.push(
    `Branch \`${meta.branch}\` from \`${meta.base}\`, transforms: ${meta.transforms.map((t) => `\`${t}\``).join(", ")}.`,
    "",
  );
  out.push(
    "| rewritten | blocking | needs review | notes | files scanned | files changed | files skipped |",
  );
  out.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  out.push(
    `| ${summary.rewritten} | ${summary.blocking} | ${summary.needsReview} | ${summary.note} | ${summary.filesScanned} | ${summary.filesChanged} | ${summary.skipped} |`,
    "",
  );
  if (blocking.length) out.push(`## Blocking (${blocking.length})`, "", ...itemList(blocking), "");
  if (review.length) out.push(`## Needs review (${review.length})`, "", ...itemList(review), "");
  if (result.skipped.length) {
    out.push(`## Files not processed (${result.skipped.length})`, "");
    for (const s of result.skipped.slice().sort((a, b) => a.file.localeCompare(b.file))) {
      out.push(`- \`${s.file}\` — ${s.reason}`);
    }
    out.push("");
  }
  out.push(`## Rewritten sites (${rewritten.length})`, "");
  if (rewritten.length) {
    out.push("| site | before | after | transform |", "| --- | --- | --- | --- |");
    for (const e of rewritten) {
      out.push(
        `| \`${e.file}:${e.line}\` | ${code(e.before)} | ${code(e.after ?? "")} | ${e.transform} |`,
      );
    }
  } else out.push("None.");
  out.push("");
  if (meta.sqlFiles?.length) {
    out.push("## SQL files to review", "", ...meta.sqlFiles.map((f) => `- \`${f}\``), "");
  }
  out.push("## Post-migration validation", "", "```sh");
  out.push(...(meta.validation ?? defaultValidation(meta.system)), "```", "");
  return out.join("\n");
}

export function migrationReportJson(result: RunResult, summary: Summary, meta: ReportMeta): string {
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
