import type { Edit } from "../plugin.ts";
import { type TsNode, type TsSourceFile, tsApi } from "./parse.ts";

/** The comments between a node's first and last token, in order (`uuid.v4(/* id *\/)`). */
export function commentsInside(sf: TsSourceFile, node: TsNode): { text: string; line: boolean }[] {
  const api = tsApi();
  const start = node.getStart(sf);
  const seen = new Map<number, { text: string; line: boolean }>();
  const visit = (n: TsNode) => {
    for (const child of n.getChildren(sf)) {
      // A comment on the line of the token before it is that token's trailing comment.
      const ranges = [
        ...(api.getTrailingCommentRanges(sf.text, child.pos) ?? []),
        ...(api.getLeadingCommentRanges(sf.text, child.pos) ?? []),
      ];
      for (const r of ranges) {
        if (r.pos >= start && r.end <= node.end && !seen.has(r.pos)) {
          seen.set(r.pos, {
            text: sf.text.slice(r.pos, r.end),
            line: r.kind === api.SyntaxKind.SingleLineCommentTrivia,
          });
        }
      }
      visit(child);
    }
  };
  visit(node);
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

/**
 * Replace an expression by a call, `callee(...)`: comments that were inside the expression go
 * inside the new call's parentheses, where they stay comments whatever follows (a line comment
 * keeps its line end).
 */
export function replaceWithCall(
  sf: TsSourceFile,
  node: TsNode,
  callee: string,
  newline: string,
): Edit {
  const start = node.getStart(sf);
  const comments = commentsInside(sf, node);
  let inner = "";
  if (comments.length > 0) {
    const lineStart = sf.text.lastIndexOf("\n", start - 1) + 1;
    const indent = /^[ \t]*/.exec(sf.text.slice(lineStart))?.[0] ?? "";
    inner = comments.map((c) => (c.line ? `${c.text}${newline}${indent}` : c.text)).join(" ");
  }
  return { start, end: node.end, text: `${callee}(${inner})` };
}
