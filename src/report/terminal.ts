import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import type { Outcome, ReportEntry } from "../codemod/plugin.ts";
import type { FileChange, RunResult } from "../codemod/runner.ts";

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
  const count = (o: Outcome) => result.entries.filter((e) => e.outcome === o).length;
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

export interface ReportMeta {
  tool: string;
  version: string;
  transforms: string[];
  module: string;
  dryRun: boolean;
}

/** The machine-readable report (`--report FILE`, `report.json`). */
export function reportJson(result: RunResult, meta: ReportMeta): string {
  const doc = {
    ...meta,
    summary: summarize(result),
    filesChanged: result.changes.map((c) => c.file),
    skipped: result.skipped,
    sites: result.entries,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A plain-text table: columns padded to their widest cell. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const REVIEW_ORDER: Outcome[] = ["blocking", "needs-review"];

export function reviewItems(entries: ReportEntry[]): ReportEntry[] {
  return REVIEW_ORDER.flatMap((o) => entries.filter((e) => e.outcome === o));
}

/** What the terminal shows after a run: counts, then every item a person must look at. */
export function terminalSummary(result: RunResult): string {
  const s = summarize(result);
  const parts = [
    textTable(
      [
        "rewritten",
        "needs review",
        "blocking",
        "unchanged",
        "files changed",
        "files scanned",
        "skipped",
      ],
      [
        [
          s.rewritten,
          s.needsReview,
          s.blocking,
          s.unchanged,
          s.filesChanged,
          s.filesScanned,
          s.skipped,
        ].map(String),
      ],
    ),
  ];
  const review = reviewItems(result.entries);
  if (review.length > 0) {
    parts.push(
      "",
      "To review:",
      ...review.map(
        (e) =>
          `  ${e.outcome.toUpperCase()} ${e.file}:${e.line}:${e.column}  ${e.before}\n      ${e.reason}`,
      ),
    );
  }
  const notes = result.entries.filter((e) => e.outcome === "note");
  if (notes.length > 0) {
    parts.push("", "Notes:", ...notes.map((e) => `  ${e.file}:${e.line}:${e.column}  ${e.reason}`));
  }
  if (result.skipped.length > 0) {
    parts.push(
      "",
      "Skipped files (not written):",
      ...result.skipped.map((f) => `  ${f.file}: ${f.reason}`),
    );
  }
  return parts.join("\n");
}

/** A unified diff of every changed file, paths as git shows them, in path order. */
export function unifiedDiff(changes: readonly FileChange[]): string {
  return [...changes]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((c) =>
      createTwoFilesPatch(`a/${c.file}`, `b/${c.file}`, c.before, c.after, undefined, undefined, {
        context: 3,
        headerOptions: FILE_HEADERS_ONLY,
      }),
    )
    .join("");
}
