import { TRANSFORMS } from "../../transforms/index.ts";
import type { ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";
import { type Summary, TOPICS, topicItems } from "./summary.ts";

export interface MigrationReportMeta {
  system: string;
  branch: string;
  /** The branch the migration starts from (the PR's base). */
  base: string;
  transforms: string[];
  /** Generated SQL files to review, relative to the repo root (from the SQL phase). */
  sqlFiles?: string[];
  /** Commands to run after merging; defaults to a generic set. */
  validation?: string[];
  /** What the SQL phase found about the references to the migrated keys. */
  references?: ReferenceNotes;
}

/** One line per column: references not in the plan, rows already orphaned, columns ignored. */
export interface ReferenceNotes {
  undeclared: string[];
  orphans: string[];
  ignored: string[];
}

/** The checks to run after merging, for the languages the system's transforms read. */
export function defaultValidation(system: string, transforms: readonly string[] = []): string[] {
  const languages = new Set(transforms.map((t) => TRANSFORMS[t]?.language.name));
  const remain = "# only the sites listed above as needing review should remain";
  const out: string[] = [];
  if (languages.has("python") || languages.size === 0) {
    out.push(
      "python -m compileall -q .",
      "python -m pytest -q",
      `git grep -nE "uuid\\.?uuid4\\(" -- "*.py"   ${remain}`,
    );
  }
  if (languages.has("typescript")) {
    out.push(
      "npm install && npx tsc --noEmit   # the refreshed lockfile, then the project's type check",
      `git grep -nE "v4\\(|randomUUID\\(" -- "*.ts" "*.tsx" "*.js" "*.jsx" "*.mjs" "*.cjs"   ${remain}`,
    );
  }
  out.push(`ulid-codemod migrate --system ${system} --dry-run   # expect no further rewrites`);
  return out;
}

// Table cells: no pipes or newlines, and code spans that survive backticks in the source.
function code(text: string): string {
  const t = text.replace(/\r?\n\s*/g, " ").replace(/\|/g, "\\|");
  const fence = t.includes("`") ? "``" : "`";
  return t ? `${fence}${fence === "``" ? " " : ""}${t}${fence === "``" ? " " : ""}${fence}` : "";
}

/** A long site (a SQL string) shortened for a list item. */
const clip = (text: string) => {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
};

const byPlace = (a: ReportEntry, b: ReportEntry) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

function itemList(entries: ReportEntry[]): string[] {
  return entries
    .slice()
    .sort(byPlace)
    .map(
      (e) =>
        `- \`${e.file}:${e.line}\` — ${e.reason} (${e.before ? `${code(e.before)}, ` : ""}${e.transform})`,
    );
}

/** The report: report.md in the branch and the PR body. Deterministic (no dates) so reruns are no-ops. */
export function renderMarkdown(
  result: RunResult,
  summary: Summary,
  meta: MigrationReportMeta,
): string {
  const out: string[] = [];
  const blocking = result.entries.filter((e) => e.outcome === "blocking" && !e.topic);
  const review = result.entries.filter((e) => e.outcome === "needs-review" && !e.topic);
  const topic = (t: (typeof TOPICS)[number]) => {
    const items = topicItems(result.entries, t.topic);
    if (items.length === 0) return [];
    return [
      `## ${t.title} (${items.length})`,
      "",
      ...items.map(
        (e) =>
          `- **${e.outcome}** \`${e.file}:${e.line}\` — ${e.reason} (${code(clip(e.before))}${e.after ? ` → ${code(clip(e.after))}` : ""})`,
      ),
      "",
    ];
  };
  const [uuidFormat, sqlInCode] = TOPICS as [(typeof TOPICS)[number], (typeof TOPICS)[number]];
  const rewritten = result.entries.filter((e) => e.outcome === "rewritten").sort(byPlace);
  out.push(`# ULID migration: ${meta.system}`, "");
  out.push(
    `Branch \`${meta.branch}\` from \`${meta.base}\`, transforms: ${meta.transforms.map((t) => `\`${t}\``).join(", ")}.`,
    "",
  );
  out.push(
    "| rewritten | blocking | needs review | notes | files scanned | files changed | files skipped |",
  );
  out.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  out.push(
    `| ${summary.rewritten} | ${summary.blocking} | ${summary.needsReview} | ${summary.note} | ${summary.filesScanned} | ${summary.filesChanged} | ${summary.skipped} |`,
    "",
  );
  if (blocking.length) out.push(`## Blocking (${blocking.length})`, "", ...itemList(blocking), "");
  if (review.length) out.push(`## Needs review (${review.length})`, "", ...itemList(review), "");
  out.push(...topic(uuidFormat));
  if (result.skipped.length) {
    out.push(`## Files not processed (${result.skipped.length})`, "");
    for (const s of result.skipped.slice().sort((a, b) => a.file.localeCompare(b.file))) {
      out.push(`- \`${s.file}\` — ${s.reason}`);
    }
    out.push("");
  }
  out.push(`## Rewritten sites (${rewritten.length})`, "");
  if (rewritten.length) {
    out.push("| site | before | after | transform |", "| --- | --- | --- | --- |");
    for (const e of rewritten) {
      out.push(
        `| \`${e.file}:${e.line}\` | ${code(e.before)} | ${code(e.after ?? "")} | ${e.transform} |`,
      );
    }
  } else out.push("None.");
  out.push("");
  if (meta.sqlFiles?.length) {
    out.push("## SQL files to review", "", ...meta.sqlFiles.map((f) => `- \`${f}\``), "");
  }
  const refs = meta.references;
  if (refs && refs.undeclared.length + refs.orphans.length + refs.ignored.length > 0) {
    out.push("## References in the database", "");
    if (refs.undeclared.length) {
      out.push(
        `**Not in the plan, so not rewritten (${refs.undeclared.length}).** \`migrate --apply\` refuses until each is listed under \`references\` (rewritten like the others) or \`ignoreReferences\` (with a reason):`,
        "",
        ...refs.undeclared.map((l) => `- ${code(l)}`),
        "",
      );
    }
    if (refs.orphans.length) {
      out.push(
        "**Rows that already pointed at no parent row before the migration** (the migration leaves them exactly as they are; validation only fails on new ones):",
        "",
        ...refs.orphans.map((l) => `- ${code(l)}`),
        "",
      );
    }
    if (refs.ignored.length) {
      out.push("**Ignored by the plan:**", "", ...refs.ignored.map((l) => `- ${code(l)}`), "");
    }
  }
  // Beside the SQL files: what in the code must change for them to fit.
  out.push(...topic(sqlInCode));
  out.push("## Post-migration validation", "", "```sh");
  out.push(...(meta.validation ?? defaultValidation(meta.system, meta.transforms)), "```", "");
  return out.join("\n");
}
