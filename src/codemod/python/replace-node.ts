import type { Edit } from "../plugin.ts";
import type { SyntaxNode } from "./parse.ts";
import { allNodes } from "./scope.ts";

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
