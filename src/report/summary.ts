// The counts every report starts from, and the one-line form commits and the terminal use.

import type { Outcome, ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";

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

const REVIEW_ORDER: Outcome[] = ["blocking", "needs-review"];

export function reviewItems(entries: ReportEntry[]): ReportEntry[] {
  return REVIEW_ORDER.flatMap((o) => entries.filter((e) => e.outcome === o));
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
