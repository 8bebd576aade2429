// Review rules: a stable id and title for each kind of reason, derived from the reason text, so the
// PR's risk summary can group sites and SARIF can name a rule per reason. Reasons carry specifics
// (names in code spans, line numbers, file lists); their head without those is the kind.
import type { ReportEntry } from "../codemod/plugin.ts";

export interface Rule {
  /** `uuid4-to-ulid/truncated-id`. */
  id: string;
  /** The reason's head, specifics taken out: `truncated ID`. */
  title: string;
}

const MAX_WORDS = 7;

/** The head of a reason: up to the first `:`, `;` or ` — ` outside a code span. */
function head(reason: string): string {
  let inCode = false;
  for (let i = 0; i < reason.length; i++) {
    const c = reason[i];
    if (c === "`") inCode = !inCode;
    else if (!inCode && (c === ":" || c === ";" || reason.startsWith(" — ", i))) {
      return reason.slice(0, i);
    }
  }
  return reason;
}

export function ruleOf(entry: Pick<ReportEntry, "transform" | "reason">): Rule {
  const words = head(entry.reason)
    .replace(/`[^`]*`/g, " ")
    .replace(/\b\S+\.\w+:\d+\b/g, " ")
    .replace(/\d+/g, " ")
    .replace(/[()[\]{}"'.,!?]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  const title = words.slice(0, MAX_WORDS).join(" ") || "review";
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "review";
  return { id: `${entry.transform}/${slug}`, title };
}
