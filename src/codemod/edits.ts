// Edits are range replacements of the original text: everything outside them stays byte for byte.
import type { Edit } from "./plugin.ts";

/** Edits sorted by position; an edit that overlaps an earlier-accepted one is returned as rejected. */
export function orderEdits(edits: readonly Edit[]): { accepted: Edit[]; rejected: Edit[] } {
  const accepted: Edit[] = [];
  const rejected: Edit[] = [];
  for (const edit of edits) {
    const clash = accepted.some(
      (a) =>
        (edit.start < a.end && a.start < edit.end) ||
        // Two insertions at one point would have an arbitrary order.
        (edit.start === edit.end && a.start === a.end && edit.start === a.start),
    );
    (clash ? rejected : accepted).push(edit);
  }
  // Stable: an insertion at the end of a replaced range stays after it.
  accepted.sort((a, b) => a.start - b.start || a.end - b.end);
  return { accepted, rejected };
}

/** Applies non-overlapping edits; everything outside them is kept exactly as it was. */
export function applyEdits(source: string, edits: readonly Edit[]): string {
  const { accepted, rejected } = orderEdits(edits);
  if (rejected.length > 0) throw new Error("overlapping edits");
  let out = "";
  let pos = 0;
  for (const e of accepted) {
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos);
}
