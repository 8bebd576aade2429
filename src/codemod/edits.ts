import type { Edit, SyntaxNode } from "./plugin.ts";
import { allNodes } from "./python/scope.ts";

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

/**
 * Replace a node's text. Comments inside it are not dropped: they move to the end of the node's
 * last line when that is safe, otherwise the caller gets a reason to leave the site alone.
 */
export function replaceNode(
  source: string,
  node: SyntaxNode,
  text: string,
): { edit: Edit } | { reason: string } {
  const comments = [...allNodes(node)].filter((n) => n.type === "comment").map((n) => n.text);
  if (comments.length === 0) return { edit: { start: node.startIndex, end: node.endIndex, text } };
  let eol = source.indexOf("\n", node.endIndex);
  if (eol === -1) eol = source.length;
  if (source[eol - 1] === "\r") eol -= 1;
  const rest = source.slice(node.endIndex, eol);
  // Past a comment, a continuation backslash or a string, a moved comment could change the code.
  if (/[#\\'"]/.test(rest)) {
    return { reason: "a comment inside the expression has nowhere safe to go; left for a person" };
  }
  return {
    edit: {
      start: node.startIndex,
      end: eol,
      text: `${text}${rest.trimEnd()}  ${comments.join(" ")}`,
    },
  };
}
