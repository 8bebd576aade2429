// The one documented JSON shape of everything the tool writes for machines: `transform --report`,
// the committed report.json, and the `--json` output of migrate, rollback, status and sql. The
// zod schemas are the documentation (README "JSON output" points here) and what the tests parse
// every output with; the TypeScript types are inferred from them, so code and shape cannot drift.
import { z } from "zod";
import { JSON_FORMAT } from "./json-format.ts";

export { JSON_FORMAT, toJson } from "./json-format.ts";

export const outcomeSchema = z.enum(["rewritten", "needs-review", "blocking", "unchanged", "note"]);

/** One site a transform looked at (a ReportEntry, plus the review rule it belongs to). */
export const siteSchema = z.object({
  transform: z.string(),
  /** Relative to the repository (or run) root, `/` separators. */
  file: z.string(),
  /** 1-based; in the file as it was before the rewrite. */
  line: z.number().int().positive(),
  /** 1-based, in UTF-16 code units. */
  column: z.number().int().positive(),
  before: z.string(),
  after: z.string().nullable(),
  outcome: outcomeSchema,
  reason: z.string(),
  /** Stable id of the reason's kind (`uuid4-to-ulid/truncated-id`): SARIF rule, risk group. */
  rule: z.string(),
  /** A concern with a report section of its own: `uuid-format`, `sql` (absent otherwise). */
  topic: z.enum(["uuid-format", "sql"]).optional(),
});

export const summarySchema = z.object({
  rewritten: z.number().int(),
  needsReview: z.number().int(),
  blocking: z.number().int(),
  unchanged: z.number().int(),
  note: z.number().int(),
  filesScanned: z.number().int(),
  filesChanged: z.number().int(),
  skipped: z.number().int(),
});

export const fileStatSchema = z.object({
  file: z.string(),
  added: z.number().int(),
  removed: z.number().int(),
});

export const checkResultSchema = z.object({
  command: z.string(),
  /** null when the command was killed (time limit, signal) or could not start. */
  exitCode: z.number().int().nullable(),
  ok: z.boolean(),
  timedOut: z.boolean(),
  durationMs: z.number().int(),
  /** The last lines of its output (stdout and stderr, interleaved) when it failed; else empty. */
  outputTail: z.array(z.string()),
});

/** The repository's own checks (plan key `checks`), run on the migration branch or the dry run. */
export const checksRunSchema = z.object({
  /** `branch`: a worktree of the migration commit; `dry-run`: a worktree of the base with the rewrite written. */
  on: z.enum(["branch", "dry-run"]),
  /** The commit the checks ran on (the migration commit), or the base commit for a dry run. */
  commit: z.string().nullable(),
  /** ISO-8601. */
  finishedAt: z.string(),
  ok: z.boolean(),
  /** `--allow-failing-checks` was given and some check failed: pushed anyway, PR as draft. */
  allowedToFail: z.boolean(),
  results: z.array(checkResultSchema),
});

export const orphansSchema = z.object({
  /** Rows whose value matches no parent key. */
  count: z.number().int(),
  /** Rows where the reference is NULL. */
  nulls: z.number().int(),
  /** The first few, in row order (SQLite: rowid; DuckDB: row number). */
  first: z.array(z.object({ rowid: z.string(), value: z.string() })),
});

export const databaseTableSchema = z.object({
  table: z.string(),
  key: z.string(),
  strategy: z.string(),
  ulidColumn: z.string(),
  rows: z.number().int(),
  rowsWithoutTime: z.number().int(),
  /** Its files in apply order (mapping data, expand, backfill), relative to the SQL folder. */
  files: z.array(z.string()),
  /** The mapping data among `files`: derived from the database, not committed. */
  dataFiles: z.array(z.string()),
  /** Tables whose rows point at this one, and how they were found. */
  children: z.array(
    z.object({
      table: z.string(),
      column: z.string(),
      /** `foreign-key`: declared in the schema; `config`: listed in the plan. */
      source: z.string(),
      /** Rows that already pointed at no parent (or were NULL) before the migration; left as they are. */
      orphans: orphansSchema.nullable(),
    }),
  ),
  /**
   * Columns that look like references (by the key's name, by sampled values) but are neither
   * children nor ignored: not rewritten, and `--apply` refuses while any is left.
   */
  undeclaredReferences: z.array(
    z.object({
      table: z.string(),
      column: z.string(),
      by: z.array(z.enum(["name", "value"])),
      sampled: z.number().int(),
      matched: z.number().int(),
    }),
  ),
  /** Columns the plan says are not references (`ignoreReferences`), with its reason. */
  ignoredReferences: z.array(
    z.object({ table: z.string(), column: z.string(), reason: z.string() }),
  ),
  /** DuckDB: indexes the rollback and contract drop around their column drops, then recreate. */
  recreatedIndexes: z.array(z.object({ table: z.string(), name: z.string() })),
  /** Why the contract step cannot run; empty when it can. */
  contractBlockedBy: z.array(z.string()),
});

/** One line per column, as the terminal shows them (for every table of the system). */
export const referenceNotesSchema = z.object({
  /** Not in the plan, so not rewritten; `--apply` refuses until each is listed. */
  undeclared: z.array(z.string()),
  /** Rows that pointed at no parent row before the migration (left exactly as they are). */
  orphans: z.array(z.string()),
  /** Ignored by the plan, with its reason. */
  ignored: z.array(z.string()),
});

/** What a system's backfill SQL does, as the SQL step generated and verified it. */
export const databaseReportSchema = z.object({
  engine: z.enum(["sqlite", "duckdb"]),
  /** The database file, as the plan names it. */
  path: z.string(),
  /** Where `--apply` puts the backup before any change. */
  backupDir: z.string(),
  /** Repo-relative folder of the SQL files. */
  sqlDir: z.string(),
  /** Repo-relative, in the order they apply (in `apply/`, name order). */
  apply: z.array(z.string()),
  /**
   * The mapping data among `apply`: not committed (`.gitignore`d); `migrate --apply` regenerates
   * and checks it, `sql export` writes it for applying without the tool.
   */
  data: z.array(z.string()),
  rollback: z.array(z.string()),
  contract: z.array(z.string()),
  tables: z.array(databaseTableSchema),
  /** `sql verify` on a scratch copy. */
  verification: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  /** Not verified on a copy: `migrate --apply` runs the checks inside its transaction. */
  verifiedInApply: z.boolean().optional(),
  /** Lines `sql generate` reported (rows without a time, skipped references, contract caveats). */
  notes: z.array(z.string()),
  references: referenceNotesSchema,
});

/**
 * The report: `transform --report FILE|-` (kind `transform`) and the committed
 * `.ulid-migration/<system>/report.json` (kind `migration`, with the system's keys).
 */
export const reportSchema = z.object({
  format: z.literal(JSON_FORMAT),
  kind: z.enum(["transform", "migration"]),
  tool: z.string(),
  version: z.string(),
  /** The command line that made the report (`ulid-codemod migrate --all --open-pr`). */
  command: z.string(),
  transforms: z.array(z.string()),
  /** The Python module the rewrite calls (`dhruva`). */
  module: z.string(),
  dryRun: z.boolean(),
  system: z.string().nullable(),
  branch: z.string().nullable(),
  /** The branch the migration starts from (the PR's base) and its commit. */
  base: z.string().nullable(),
  baseCommit: z.string().nullable(),
  summary: summarySchema,
  filesChanged: z.array(z.string()),
  fileStats: z.array(fileStatSchema),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  /** Every site, in file, line, column order. */
  sites: z.array(siteSchema),
  sqlFiles: z.array(z.string()),
  database: databaseReportSchema.nullable(),
  checks: checksRunSchema.nullable(),
});

export type Site = z.infer<typeof siteSchema>;
export type CheckResult = z.infer<typeof checkResultSchema>;
export type ChecksRun = z.infer<typeof checksRunSchema>;
export type DatabaseReport = z.infer<typeof databaseReportSchema>;
export type ReferenceNotes = z.infer<typeof referenceNotesSchema>;
export type Report = z.infer<typeof reportSchema>;

/** A service command of the plan (`services.stop`/`start`) as it ran around the data step. */
export const serviceRunSchema = z.object({
  phase: z.enum(["stop", "start"]),
  command: z.string(),
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  /** Killed because the run was interrupted (stop commands only). */
  interrupted: z.boolean(),
  durationMs: z.number(),
  /** stdout and stderr as they arrived (the last 16 KB). */
  output: z.string(),
});

const toolKeys = {
  format: z.literal(JSON_FORMAT),
  tool: z.string(),
  version: z.string(),
  ok: z.boolean(),
};

/** `migrate --json`: one entry per system of the run, in phase order. */
export const migrateJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("migrate"),
  dryRun: z.boolean(),
  /** The system the run stopped at (failure, declined, interrupted, failing checks). */
  stoppedAt: z.string().nullable(),
  /** What the preflight found; when any, nothing was started. */
  problems: z.array(z.string()),
  /** Why the exit code is 1 although every phase ran (blocking sites, `--fail-on`). */
  failOn: z.array(z.string()),
  systems: z.array(
    z.object({
      system: z.string(),
      status: z.string(),
      branch: z.string().nullable(),
      base: z.string().nullable(),
      commit: z.string().nullable(),
      pushed: z.boolean(),
      pr: z
        .object({
          number: z.number().int(),
          url: z.string(),
          action: z.enum(["created", "updated"]),
          draft: z.boolean(),
        })
        .nullable(),
      rowsBackfilled: z.number().int().nullable(),
      validation: z.string().nullable(),
      backup: z.string().nullable(),
      /** Database file size in bytes before and after the apply, and what reclaimed space. */
      size: z
        .object({ before: z.number().int(), after: z.number().int(), reclaimed: z.string() })
        .nullable(),
      /** The plan's service commands, as they ran around the data step. */
      services: z.array(serviceRunSchema),
      error: z.string().nullable(),
      done: z.array(z.string()),
      /** The system's report (as committed, or as a dry run would commit it). */
      report: reportSchema.nullable(),
    }),
  ),
});

/** `rollback --json`. */
export const rollbackJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("rollback"),
  dryRun: z.boolean(),
  systems: z.array(
    z.object({
      system: z.string(),
      ok: z.boolean(),
      /** What was (or, with --dry-run, would be) done to the database and to the branch. */
      database: z.string(),
      branch: z.string(),
      /** The plan's service commands, as they ran around the restore. */
      services: z.array(serviceRunSchema),
    }),
  ),
});

export const prStatusSchema = z.object({
  number: z.number().int(),
  url: z.string(),
  state: z.enum(["open", "draft", "merged", "closed"]),
  /** From the reviews: approved, changes requested, review required (none yet). */
  reviewDecision: z.enum(["approved", "changes-requested", "review-required"]).nullable(),
  /** Combined commit status and check runs of the PR's head: success, failure, pending, none. */
  checks: z.enum(["success", "failure", "pending", "none"]).nullable(),
  checksDetail: z.array(z.object({ name: z.string(), state: z.string() })),
});

/** `status --json`: one row per system, what is known locally and what the API answered. */
export const statusJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("status"),
  systems: z.array(
    z.object({
      system: z.string(),
      repo: z.string(),
      branch: z.object({
        name: z.string(),
        local: z.string().nullable(),
        /** The remote-tracking ref as last fetched (`git fetch` updates it). */
        remote: z.string().nullable(),
        base: z.string().nullable(),
        /** Commits on the migration branch that are not on the base. */
        ahead: z.number().int().nullable(),
      }),
      pr: prStatusSchema.nullable(),
      /** The repository's checks, last run (local record, else the branch's report.json). */
      checks: checksRunSchema.nullable(),
      database: z
        .object({
          path: z.string(),
          state: z.enum(["not applied", "applied", "partly applied", "contracted", "missing"]),
          detail: z.string(),
          rows: z.number().int().nullable(),
          latestBackup: z.string().nullable(),
        })
        .nullable(),
      next: z.string(),
      /** What could not be asked (no token, no network, API error), each with why. */
      unknown: z.array(z.string()),
    }),
  ),
});

/** `sql generate --json`. */
export const sqlGenerateJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("sql generate"),
  system: z.string(),
  outDir: z.string(),
  files: z.array(z.string()),
  rollbackFiles: z.array(z.string()),
  contractFiles: z.array(z.string()),
  /** The mapping data among `files`: not for commit (the folder's `.gitignore` keeps it out). */
  dataFiles: z.array(z.string()),
  tables: z.array(databaseTableSchema),
  notes: z.array(z.string()),
});

/** `sql verify --json`. */
export const sqlVerifyJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("sql verify"),
  system: z.string(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

/** `sql export --json`. */
export const sqlExportJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("sql export"),
  system: z.string(),
  outDir: z.string(),
  /** Absolute paths written. */
  written: z.array(z.string()),
  /** Mapping rows written, over all tables. */
  rows: z.number().int(),
});

/** `trace ID --json`: the ID in every system's mapping table (see src/live/trace.ts). */
export const traceJsonSchema = z.object({
  ...toolKeys,
  command: z.literal("trace"),
  id: z.string(),
  /** The ID read as a ULID (normalized), or null. */
  ulid: z.string().nullable(),
  /** The time the ULID encodes, when the ID is one (ISO-8601). */
  time: z.string().nullable(),
  hits: z.array(
    z.object({
      system: z.string(),
      table: z.string(),
      legacyId: z.string(),
      ulid: z.string(),
      time: z.string(),
      /** The ID given is this row's legacy ID or its ULID. */
      matched: z.enum(["legacy", "ulid"]),
      /** Child rows referencing it; `indexed: false` when the count scanned the table. */
      children: z.array(
        z.object({
          table: z.string(),
          column: z.string(),
          count: z.number().int(),
          indexed: z.boolean(),
        }),
      ),
    }),
  ),
  /** Systems whose mapping tables were asked. */
  searched: z.array(z.string()),
  /** Systems that could not be asked, and why. */
  notes: z.array(z.object({ system: z.string(), reason: z.string() })),
});

export type MigrateJson = z.infer<typeof migrateJsonSchema>;
export type RollbackJson = z.infer<typeof rollbackJsonSchema>;
export type StatusJson = z.infer<typeof statusJsonSchema>;
export type TraceJson = z.infer<typeof traceJsonSchema>;
export type PrStatus = z.infer<typeof prStatusSchema>;
