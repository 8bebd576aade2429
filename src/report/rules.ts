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

/** The head of a reason: up to the first `:`, `;`, ` (` or ` — ` outside a code span. */
function head(reason: string): string {
  let inCode = false;
  for (let i = 0; i < reason.length; i++) {
    const c = reason[i];
    if (c === "`") inCode = !inCode;
    else if (
      !inCode &&
      (c === ":" || c === ";" || reason.startsWith(" — ", i) || reason.startsWith(" (", i))
    ) {
      return reason.slice(0, i);
    }
  }
  return reason;
}

/** Words a head may end on once its specifics are gone ("does not type-check against <file>"). */
const DANGLING = new Set(["against", "by", "at", "of", "with", "for", "in", "from", "on"]);

export function ruleOf(entry: Pick<ReportEntry, "transform" | "reason">): Rule {
  const text = head(entry.reason);
  const words = text
    .replace(/`[^`]*`/g, " ")
    .split(/\s+/)
    // Paths, versions and numbers are specifics: `ui/tsconfig.json`, `^3.0.2`, `36`.
    .filter((w) => !w.includes("/") && /[A-Za-z]/.test(w) && !/^\W*\d/.test(w))
    .map((w) => w.replace(/[()[\]{}"'.,!?]/g, ""))
    .filter(Boolean)
    .slice(0, MAX_WORDS);
  while (words.length > 1 && DANGLING.has((words.at(-1) ?? "").toLowerCase())) words.pop();
  // A head that is all code (`v4(options)`): the code names the kind.
  const code = /`([^`]*)`/.exec(text)?.[1]?.replace(/\W+/g, " ").trim();
  const title = words.join(" ") || code || "review";
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "review";
  return { id: `${entry.transform}/${slug}`, title };
}
