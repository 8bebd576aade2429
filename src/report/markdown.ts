// The review report: report.md on the migration branch and the PR body. It is an ordered list of
// small section functions, each reading the one data object (`ReportData`): to add what a
// reviewer needs, add a field to the data and a section to SECTIONS. Deterministic (no dates),
// so a rerun with nothing new renders the same text. The PR body must fit GitHub's limit: the
// sections shorten their long lists level by level until it does; the committed file is whole.
import type { ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";
import { changedLines, type FileLines, type LinkTargets, siteLink } from "./links.ts";
import { ruleOf } from "./rules.ts";
import type { ChecksRun, DatabaseReport } from "./schema.ts";
import { type Summary, TOPICS, topicItems } from "./summary.ts";

/** GitHub rejects PR bodies over 65,536 characters; a margin for what GitHub adds. */
export const MAX_BODY = 65_000;

export interface ReportData {
  result: RunResult;
  summary: Summary;
  system: string;
  branch: string;
  /** The branch the migration starts from (the PR's base). */
  base: string;
  transforms: string[];
  toolVersion: string;
  /** The command line of the run, as the user typed it (`ulid-codemod migrate --all`). */
  command?: string;
  /** Where the links point; without it sites are named, not linked. */
  links?: LinkTargets;
  /** The committed report (repo-relative), named where the PR body is shortened. */
  fullReport?: string;
  /** Generated SQL files to review, relative to the repo root (from the SQL phase). */
  sqlFiles?: string[];
  /** What the SQL step found and verified. */
  database?: DatabaseReport | null;
  /** The repository's own checks on the branch (plan key `checks`). */
  checks?: ChecksRun | null;
  /** Commands to run after merging; defaults to those that apply to what was rewritten. */
  validation?: string[];
  /** For report.json: the Python module the rewrite calls, the base's commit, a dry run. */
  module?: string;
  baseCommit?: string | null;
  dryRun?: boolean;
}

/** What every section sees: the data, and what is derived from it once. */
export interface SectionContext {
  data: ReportData;
  /** 0: everything; higher: long lists shortened (the PR body over the limit). */
  level: number;
  /** Every blocking site, topics' included: they are the body's first lines. */
  blocking: ReportEntry[];
  /** Needs-review sites and notes without a topic (topics have sections of their own). */
  review: ReportEntry[];
  notes: ReportEntry[];
  rewritten: ReportEntry[];
  lines: Map<string, FileLines>;
  /** `path:line`, linked when a link can be made. */
  site(e: ReportEntry): string;
}

/** A section: its lines (without a trailing blank), or null when it does not apply. */
export type Section = (ctx: SectionContext) => string[] | null;

// Table cells: no pipes or newlines, and code spans that survive backticks in the source.
export function code(text: string): string {
  const t = text.replace(/\r?\n\s*/g, " ").replace(/\|/g, "\\|");
  const fence = t.includes("`") ? "``" : "`";
  return t ? `${fence}${fence === "``" ? " " : ""}${t}${fence === "``" ? " " : ""}${fence}` : "";
}

const byPlace = (a: ReportEntry, b: ReportEntry) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A list that folds when long. */
function folded(summary: string, lines: string[], foldOver = 10): string[] {
  if (lines.length <= foldOver) return lines;
  return ["<details>", `<summary>${summary}</summary>`, "", ...lines, "", "</details>"];
}

/** At most `max` lines, and one saying how many more are in the full report. */
function capped(ctx: SectionContext, lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  const where = ctx.data.fullReport ? ` in \`${ctx.data.fullReport}\`` : "";
  return [...lines.slice(0, max), `- … ${lines.length - max} more${where}`];
}

function item(ctx: SectionContext, e: ReportEntry): string {
  return `- ${ctx.site(e)} — ${e.reason}${e.before ? ` (${code(e.before)})` : ""}`;
}

/** Entries grouped by rule, in first-seen order of the sorted entries. */
function byRule(entries: ReportEntry[]): { title: string; entries: ReportEntry[] }[] {
  const groups = new Map<string, { title: string; entries: ReportEntry[] }>();
  for (const e of entries) {
    const r = ruleOf(e);
    const g = groups.get(r.id) ?? { title: r.title, entries: [] };
    g.entries.push(e);
    groups.set(r.id, g);
  }
  return [...groups.values()].sort((a, b) => b.entries.length - a.entries.length);
}

const failedChecks = (c: ChecksRun | null | undefined) => c?.results.filter((r) => !r.ok) ?? [];

function checkVerdict(r: ChecksRun["results"][number]): string {
  if (r.timedOut) return "timed out";
  if (r.exitCode === null) return "killed";
  return `exit ${r.exitCode}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---- the sections, in order -------------------------------------------------------------------

const title: Section = ({ data }) => [`# ULID migration: ${data.system}`];

/** Blocking sites are the body's first lines: the PR is a draft until they are resolved. */
const blockingFirst: Section = (ctx) => {
  if (!ctx.blocking.length) return null;
  return [
    "> [!CAUTION]",
    `> **${plural(ctx.blocking.length, "blocking site")}**: the rewrite breaks ${ctx.blocking.length === 1 ? "it" : "them"} as it stands. This pull request stays a draft until ${ctx.blocking.length === 1 ? "it is" : "they are"} resolved.`,
    "",
    ...capped(
      ctx,
      ctx.blocking.map((e) => item(ctx, e)),
      ctx.level >= 2 ? 50 : Number.POSITIVE_INFINITY,
    ),
  ];
};

const failingChecksFirst: Section = ({ data }) => {
  const failed = failedChecks(data.checks);
  if (!failed.length) return null;
  const how = data.checks?.allowedToFail
    ? "pushed anyway (`--allow-failing-checks`); this pull request is a draft"
    : "nothing was pushed";
  return [
    "> [!WARNING]",
    `> **${plural(failed.length, "check")} failed** on this branch, ${how}: ${failed.map((r) => `${code(r.command)} (${checkVerdict(r)})`).join(", ")}. Output under _Checks_.`,
  ];
};

const overview: Section = ({ data }) => [
  `Branch \`${data.branch}\` from \`${data.base}\`, transforms: ${data.transforms.map((t) => `\`${t}\``).join(", ")}.`,
];

const riskSummary: Section = (ctx) => {
  const s = ctx.data.summary;
  const rows: string[] = [];
  const add = (risk: string, entries: ReportEntry[]) => {
    for (const g of byRule(entries)) rows.push(`| ${risk} | ${g.title} | ${g.entries.length} |`);
  };
  const all = (o: ReportEntry["outcome"]) =>
    ctx.data.result.entries.filter((e) => e.outcome === o).sort(byPlace);
  add("**blocking**", ctx.blocking);
  add("needs review", all("needs-review"));
  add("note", all("note"));
  const out = [
    "## Risk summary",
    "",
    `${s.rewritten} rewritten in ${plural(s.filesChanged, "file")}, ${s.blocking} blocking, ${s.needsReview} to review, ${plural(s.note, "note")}; ${plural(s.filesScanned, "file")} scanned, ${s.skipped} not processed.`,
  ];
  if (rows.length) out.push("", "| risk | reason | sites |", "| --- | --- | ---: |", ...rows);
  return out;
};

const decisions: Section = (ctx) => {
  const { data } = ctx;
  const out: string[] = [];
  for (const g of byRule(ctx.blocking)) {
    out.push(
      `- [ ] **${g.title}** (${plural(g.entries.length, "blocking site")}): change the code the rewrite breaks, or take the rewrite out, before this can merge.`,
    );
  }
  if (ctx.review.length) {
    out.push(
      ctx.review.length === 1
        ? "- [ ] The site under _Needs review_ was left as it was: decide whether it may become a ULID (by hand) or stays as it is."
        : `- [ ] The ${ctx.review.length} sites under _Needs review_ were left as they were: decide for each whether it may become a ULID (by hand) or stays as it is.`,
    );
  }
  for (const t of TOPICS) {
    const items = topicItems(data.result.entries, t.topic).filter((e) => e.outcome !== "note");
    if (items.length) {
      out.push(
        `- [ ] _${t.title}_ (${plural(items.length, "site")}): each needs a change by hand, or a reason it is fine.`,
      );
    }
  }
  const failed = failedChecks(data.checks);
  if (failed.length) {
    out.push(
      `- [ ] ${plural(failed.length, "check")} fail on this branch: fix the cause, or decide the failure is not the migration's.`,
    );
  }
  if (data.database) {
    const rows = data.database.tables.reduce((n, t) => n + t.rows, 0);
    out.push(
      `- [ ] The backfill SQL (${plural(data.database.apply.length, "file")}, ${rows} rows): approve applying it to \`${data.database.path}\` after this merges (see _Database_).`,
    );
    const undeclared = data.database.references.undeclared.length;
    if (undeclared) {
      out.push(
        `- [ ] ${plural(undeclared, "column")} in the database ${undeclared === 1 ? "looks" : "look"} like a reference to a migrated key but ${undeclared === 1 ? "is" : "are"} not in the plan (see _References in the database_): list each under \`references\` or \`ignoreReferences\`; \`--apply\` refuses until then.`,
      );
    }
    const blocked = data.database.tables.filter((t) => t.contractBlockedBy.length);
    if (blocked.length) {
      out.push(
        `- [ ] The contract step is blocked for ${blocked.map((t) => `\`${t.table}\``).join(", ")}: decide how the legacy column goes (see _Database_).`,
      );
    }
  } else if (data.sqlFiles?.length) {
    out.push(`- [ ] The ${plural(data.sqlFiles.length, "SQL file")} listed under _SQL files_.`);
  }
  if (!out.length)
    out.push("- [ ] Nothing was left for review: check the rewritten sites read right.");
  return ["## What the reviewer must decide", "", ...out];
};

const checksSection: Section = ({ data, level }) => {
  const c = data.checks;
  if (!c) return null;
  const where = c.on === "dry-run" ? "on the computed rewrite (dry run)" : "on this branch";
  const out = [
    "## Checks",
    "",
    `The repository's own checks (plan key \`checks\`), run ${where} in a temporary worktree${c.commit ? ` at \`${c.commit.slice(0, 12)}\`` : ""}: ${c.ok ? "all passed" : "**some failed**"}.`,
    "",
    "| command | result | time |",
    "| --- | --- | ---: |",
    ...c.results.map(
      (r) =>
        `| ${code(r.command)} | ${r.ok ? "pass" : `**FAIL** (${checkVerdict(r)})`} | ${seconds(r.durationMs)} |`,
    ),
  ];
  for (const r of c.results.filter((x) => !x.ok && x.outputTail.length)) {
    const tail = level >= 2 ? r.outputTail.slice(-15) : r.outputTail;
    out.push(
      "",
      "<details>",
      `<summary>${code(r.command)}: the last ${plural(tail.length, "line")} of its output</summary>`,
      "",
      "```text",
      ...tail.map((l) => l.replace(/```/g, "'''")),
      "```",
      "",
      "</details>",
    );
  }
  return out;
};

const databaseSection: Section = (ctx) => {
  const { data, level } = ctx;
  const db = data.database;
  if (!db) return null;
  const how = (s: string) => (s === "foreign-key" ? "foreign key" : s === "config" ? "plan" : s);
  const child = (c: DatabaseReport["tables"][number]["children"][number]) => {
    const o = c.orphans;
    const broken = o
      ? [o.count ? `${o.count} orphaned` : "", o.nulls ? `${o.nulls} NULL` : ""]
      : [];
    const before = broken.filter(Boolean).join(", ");
    return `\`${c.table}.${c.column}\` (${how(c.source)}${before ? `; before: ${before}` : ""})`;
  };
  const others = (t: DatabaseReport["tables"][number]) =>
    [
      ...t.undeclaredReferences.map((u) => `**\`${u.table}.${u.column}\` not in the plan**`),
      ...t.ignoredReferences.map((r) => `\`${r.table}.${r.column}\` (ignored)`),
    ].join(", ") || "none";
  const isData = new Set(db.data);
  const out = [
    "## Database",
    "",
    `${db.engine === "sqlite" ? "SQLite" : "DuckDB"} database \`${db.path}\`; the SQL is in \`${db.sqlDir}/\` on this branch and was verified on a scratch copy (applied, validated, rolled back, compared). \`--apply\` backs the database up into \`${db.backupDir}\` before any change.`,
    "",
    "| table | key | strategy | ULID column | rows to backfill | files | children (found by) | other references | contract |",
    "| --- | --- | --- | --- | ---: | --- | --- | --- | --- |",
    ...db.tables.map(
      (t) =>
        `| \`${t.table}\` | \`${t.key}\` | ${t.strategy} | \`${t.ulidColumn}\` | ${t.rows}${t.rowsWithoutTime ? ` (${t.rowsWithoutTime} without a time)` : ""} | ${t.files.map((f) => `\`${f}\`${t.dataFiles.includes(f) ? " (data)" : ""}`).join(", ")} | ${t.children.map(child).join(", ") || "none"} | ${others(t)} | ${t.contractBlockedBy.length ? `blocked: ${t.contractBlockedBy.join("; ")}` : "can run"} |`,
    ),
  ];
  if (db.data.length) {
    out.push(
      "",
      `The mapping data (legacy ID to ULID, marked _data_) is derived from the database and not committed (the folder's \`.gitignore\`): \`migrate --apply\` regenerates it and checks it against \`manifest.json\`; \`ulid-codemod sql export --system ${data.system}\` writes it for applying the files without the tool.`,
    );
  }
  const indexes = db.tables.flatMap((t) => t.recreatedIndexes);
  if (indexes.length) {
    out.push(
      "",
      `DuckDB indexes the rollback and contract drop around their column drops and recreate after: ${indexes.map((i) => `\`${i.name}\` on \`${i.table}\``).join(", ")}.`,
    );
  }
  if (db.verifiedInApply) {
    out.push(
      "",
      `Verification: by \`migrate --apply\`, on the real data: the checks of \`sql verify\`, the rollback files included (run and compared with the rows and schema before; SQLite: inside the apply's transaction and undone before COMMIT, DuckDB: on a copy of the applied working copy); nothing changes in the database unless every check passes. \`ulid-codemod sql verify --system ${data.system}\` runs them on a scratch copy.`,
    );
  }
  if (db.verification.length) {
    const checks = db.verification.map(
      (c) => `- ${c.ok ? "pass" : "**FAIL**"} ${c.name}${c.detail ? `: ${c.detail}` : ""}`,
    );
    out.push(
      "",
      ...folded(
        `Verification on a scratch copy: ${db.verification.filter((c) => c.ok).length} of ${db.verification.length} checks passed`,
        level >= 3 ? checks.slice(0, 20) : checks,
        level >= 1 ? 0 : 12,
      ),
    );
  }
  out.push(
    "",
    "How to apply and roll back, in order:",
    "",
    "```sh",
    "# 1. after this pull request is merged: backup, the mapping data regenerated and checked, the files below all or nothing, validation",
    `ulid-codemod migrate --system ${data.system} --apply`,
    `#    applies, in name order: ${db.apply.map((f) => `${f}${isData.has(f) ? " (data)" : ""}`).join(", ")}`,
    `#    without the tool: \`ulid-codemod sql export --system ${data.system}\` writes the data, then as ${db.sqlDir}/README.md says`,
    "# 2. to undo (restores the backup, or puts the keys back by SQL when rows were written since)",
    `ulid-codemod rollback --system ${data.system}`,
    `#    by hand, in name order: ${db.rollback.join(", ")}`,
    "# 3. later, once nothing reads the legacy keys: the contract step (not run by the tool)",
    `#    (the database as the plan names it; the file from this branch)`,
    ...db.contract.map(
      (f) => `${db.engine === "sqlite" ? "sqlite3" : "duckdb"} ${JSON.stringify(db.path)} < ${f}`,
    ),
    "```",
  );
  if (db.notes.length) {
    const notes = db.notes.map((n) => `- ${n}`);
    const shown = capped(ctx, notes, level >= 2 ? 10 : 200);
    out.push("", ...folded(`${plural(db.notes.length, "note")} from the SQL generation`, shown, 5));
  }
  return out;
};

/** What the SQL step found about references: not rewritten, already broken, ignored by the plan. */
const referencesSection: Section = (ctx) => {
  const refs = ctx.data.database?.references;
  if (!refs || refs.undeclared.length + refs.orphans.length + refs.ignored.length === 0)
    return null;
  const max = ctx.level >= 2 ? 20 : Number.POSITIVE_INFINITY;
  const list = (lines: string[]) =>
    capped(
      ctx,
      lines.map((l) => `- ${code(l)}`),
      max,
    );
  const out = ["## References in the database"];
  if (refs.undeclared.length) {
    out.push(
      "",
      `**Not in the plan, so not rewritten (${refs.undeclared.length}).** \`migrate --apply\` refuses until each is listed under \`references\` (rewritten like the others) or \`ignoreReferences\` (with a reason):`,
      "",
      ...list(refs.undeclared),
    );
  }
  if (refs.orphans.length) {
    out.push(
      "",
      "**Rows that already pointed at no parent row before the migration** (the migration leaves them exactly as they are; validation only fails on new ones):",
      "",
      ...list(refs.orphans),
    );
  }
  if (refs.ignored.length) out.push("", "**Ignored by the plan:**", "", ...list(refs.ignored));
  return out;
};

const sqlFilesSection: Section = ({ data }) => {
  if (data.database || !data.sqlFiles?.length) return null;
  return ["## SQL files", "", ...data.sqlFiles.map((f) => `- \`${f}\``)];
};

const reviewList: Section = (ctx) => {
  if (!ctx.review.length) return null;
  const max = ctx.level >= 3 ? 5 : ctx.level >= 2 ? 25 : Number.POSITIVE_INFINITY;
  const groups = byRule(ctx.review);
  // One kind of reason needs no heading of its own.
  const lines = groups.flatMap((g) => [
    ...(groups.length > 1 ? [`**${g.title}** (${g.entries.length})`, ""] : []),
    ...capped(
      ctx,
      g.entries.map((e) => item(ctx, e)),
      max,
    ),
    "",
  ]);
  return [
    `## Needs review (${ctx.review.length})`,
    "",
    ...folded(`${ctx.review.length} sites`, lines.slice(0, -1), 40),
  ];
};

/** A topic's own section: its sites, blocking first (`uuid-format`, `sql`). */
function topicSection(topic: (typeof TOPICS)[number]["topic"]): Section {
  return (ctx) => {
    const t = TOPICS.find((x) => x.topic === topic);
    const items = topicItems(ctx.data.result.entries, topic);
    if (!t || !items.length) return null;
    const clip = (text: string) => {
      const one = text.replace(/\s+/g, " ").trim();
      return one.length > 120 ? `${one.slice(0, 117)}...` : one;
    };
    const lines = items.map(
      (e) =>
        `- **${e.outcome}** ${ctx.site(e)} — ${e.reason} (${code(clip(e.before))}${e.after ? ` → ${code(clip(e.after))}` : ""})`,
    );
    const max = ctx.level >= 3 ? 10 : ctx.level >= 2 ? 40 : Number.POSITIVE_INFINITY;
    return [
      `## ${t.title} (${items.length})`,
      "",
      ...folded(`${items.length} sites`, capped(ctx, lines, max), 40),
    ];
  };
}

const notesList: Section = (ctx) => {
  if (!ctx.notes.length) return null;
  const max = ctx.level >= 2 ? 10 : Number.POSITIVE_INFINITY;
  const lines = capped(
    ctx,
    ctx.notes.map((e) => `- ${ctx.site(e)} — ${e.reason}`),
    max,
  );
  return [
    `## Notes (${ctx.notes.length})`,
    "",
    ...folded(`${plural(ctx.notes.length, "note")}`, lines, 5),
  ];
};

const skippedList: Section = ({ data }) => {
  const skipped = data.result.skipped;
  if (!skipped.length) return null;
  const lines = skipped
    .slice()
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((s) => `- \`${s.file}\` — ${s.reason}`);
  return [
    `## Files not processed (${skipped.length})`,
    "",
    ...folded(`${skipped.length} files`, lines),
  ];
};

const rewrittenList: Section = (ctx) => {
  const out = [`## Rewritten sites (${ctx.rewritten.length})`, ""];
  if (!ctx.rewritten.length) return [...out, "None."];
  if (ctx.level >= 1) {
    const where = ctx.data.fullReport ? `; every site is in \`${ctx.data.fullReport}\`` : "";
    return [...out, `Listed per file under _Files changed_${where}.`];
  }
  const rows = ctx.rewritten.map(
    (e) => `| ${ctx.site(e)} | ${code(e.before)} | ${code(e.after ?? "")} | ${e.transform} |`,
  );
  return [
    ...out,
    ...folded(
      `${ctx.rewritten.length} sites`,
      ["| site | before | after | transform |", "| --- | --- | --- | --- |", ...rows],
      12,
    ),
  ];
};

const fileStats: Section = (ctx) => {
  const changes = ctx.data.result.changes;
  if (!changes.length) return null;
  const count = new Map<string, number>();
  for (const e of ctx.rewritten) count.set(e.file, (count.get(e.file) ?? 0) + 1);
  const rows = changes
    .map((c) => c.file)
    .sort()
    .map((f) => {
      const l = ctx.lines.get(f);
      return `| \`${f}\` | ${count.get(f) ?? 0} | +${l?.added ?? 0} | -${l?.removed ?? 0} |`;
    });
  const max = ctx.level >= 3 ? 50 : Number.POSITIVE_INFINITY;
  const shown =
    rows.length > max ? [...rows.slice(0, max), `| … ${rows.length - max} more | | | |`] : rows;
  return [
    `## Files changed (${changes.length})`,
    "",
    ...folded(
      `${changes.length} files`,
      ["| file | rewritten | added | removed |", "| --- | ---: | ---: | ---: |", ...shown],
      15,
    ),
  ];
};

/** Only what applies to what this run rewrote: no `git grep uuid4` for a repo that never had one. */
export function defaultValidation(data: Pick<ReportData, "system" | "result">): string[] {
  const entries = data.result.entries;
  const from = (t: string) => entries.some((e) => e.transform === t);
  const changed = data.result.changes.map((c) => c.file);
  const remain = "# only the sites listed above as needing review should remain";
  const out: string[] = [];
  if (changed.some((f) => f.endsWith(".py"))) {
    out.push("python -m compileall -q .", "python -m pytest -q");
  }
  if (from("uuid4-to-ulid")) out.push(`git grep -nE "uuid\\.?uuid4\\(" -- "*.py"   ${remain}`);
  if (from("js-uuid-to-ulid")) {
    if (changed.some((f) => f.endsWith("package.json"))) {
      out.push("npm install   # refreshes the lockfile for the new ulid dependency");
    }
    if (changed.some((f) => /\.[cm]?tsx?$/.test(f))) out.push("npx tsc --noEmit");
    out.push(
      `git grep -nE "v4\\(|randomUUID\\(" -- "*.ts" "*.tsx" "*.js" "*.jsx" "*.mjs" "*.cjs"   ${remain}`,
    );
  }
  out.push(`ulid-codemod migrate --system ${data.system} --dry-run   # expect no further rewrites`);
  return out;
}

const validation: Section = ({ data }) => [
  "## Post-migration validation",
  "",
  "```sh",
  ...(data.validation ?? defaultValidation(data)),
  "```",
];

const footer: Section = ({ data }) => [
  "---",
  "",
  `Made by ulid-codemod ${data.toolVersion}${data.command ? ` with \`${data.command}\`` : ""}.${data.fullReport ? ` The full report: \`${data.fullReport}\` (and \`report.json\` beside it) on the branch.` : ""}`,
];

/** The report's sections, in order. */
export const SECTIONS: Section[] = [
  title,
  blockingFirst,
  failingChecksFirst,
  overview,
  riskSummary,
  decisions,
  checksSection,
  databaseSection,
  referencesSection,
  sqlFilesSection,
  // Beside the SQL: what in the code must change for it to fit.
  topicSection("sql"),
  reviewList,
  topicSection("uuid-format"),
  notesList,
  skippedList,
  rewrittenList,
  fileStats,
  validation,
  footer,
];

function context(data: ReportData, level: number): SectionContext {
  const sorted = data.result.entries.slice().sort(byPlace);
  const lines = changedLines(data.result.changes);
  const links = data.links;
  return {
    data,
    level,
    blocking: sorted.filter((e) => e.outcome === "blocking"),
    review: sorted.filter((e) => e.outcome === "needs-review" && !e.topic),
    notes: sorted.filter((e) => e.outcome === "note" && !e.topic),
    rewritten: sorted.filter((e) => e.outcome === "rewritten"),
    lines,
    site(e) {
      const label = `\`${e.file}:${e.line}\``;
      const url = links ? siteLink(e, links, lines) : null;
      return url ? `[${label}](${url})` : label;
    },
  };
}

function render(data: ReportData, level: number): string {
  const ctx = context(data, level);
  const parts = SECTIONS.map((s) => s(ctx)).filter((l): l is string[] => l !== null);
  return `${parts.map((p) => p.join("\n")).join("\n\n")}\n`;
}

const LEVELS = 4;

/**
 * The report as Markdown. `maxLength` (the PR body): long lists are shortened, level by level,
 * until it fits; past the last level it is cut, pointing at the full report.
 */
export function renderMarkdown(data: ReportData, opts: { maxLength?: number } = {}): string {
  const max = opts.maxLength ?? Number.POSITIVE_INFINITY;
  let text = render(data, 0);
  for (let level = 1; text.length > max && level < LEVELS; level++) text = render(data, level);
  if (text.length <= max) return text;
  const note = `\n\n…\n\nCut to fit GitHub's limit${data.fullReport ? `; the full report is \`${data.fullReport}\` on the branch` : ""}.\n`;
  return text.slice(0, max - note.length) + note;
}
