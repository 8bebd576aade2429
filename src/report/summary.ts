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

/** Blocking, then needs-review entries (those without a topic: topics have their own section). */
export function reviewItems(entries: ReportEntry[]): ReportEntry[] {
  return REVIEW_ORDER.flatMap((o) => entries.filter((e) => e.outcome === o && !e.topic));
}

type Topic = NonNullable<ReportEntry["topic"]>;

/** The sections entries with a topic get, in report order. */
export const TOPICS: { topic: Topic; title: string }[] = [
  { topic: "uuid-format", title: "Code that still assumes an ID is a UUID" },
  { topic: "sql", title: "SQL in the code that touches a migrated table" },
];

/** A topic's entries: blocking first, then needs-review, then the rest; by place within each. */
export function topicItems(entries: ReportEntry[], topic: Topic): ReportEntry[] {
  const rank = (o: Outcome) => {
    const i = REVIEW_ORDER.indexOf(o);
    return i === -1 ? REVIEW_ORDER.length : i;
  };
  return entries
    .filter((e) => e.topic === topic)
    .sort(
      (a, b) =>
        rank(a.outcome) - rank(b.outcome) ||
        a.file.localeCompare(b.file) ||
        a.line - b.line ||
        a.column - b.column,
    );
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
