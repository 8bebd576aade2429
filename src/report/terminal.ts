// What the terminal shows after a transform run.
import type { RunResult } from "../codemod/runner.ts";
import { reviewItems, summarize, TOPICS, topicItems } from "./summary.ts";
import { textTable } from "./table.ts";

const oneLine = (text: string) => {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
};

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
  for (const { topic, title } of TOPICS) {
    const items = topicItems(result.entries, topic);
    if (items.length === 0) continue;
    parts.push(
      "",
      `${title} (${items.length}):`,
      ...items.map(
        (e) =>
          `  ${e.outcome.toUpperCase()} ${e.file}:${e.line}:${e.column}  ${oneLine(e.before)}\n      ${e.reason}`,
      ),
    );
  }
  const notes = result.entries.filter((e) => e.outcome === "note" && !e.topic);
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
