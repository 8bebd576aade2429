// The whole migration, one phase per system in the plan's order: code on its branch (with the
// generated SQL committed next to it), SQL verified on a scratch copy, then optionally applied.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunTransforms } from "../../transforms/index.ts";
import type { PlannedTable } from "../codemod/options.ts";
import {
  ApplyFailure,
  type CheckOutcome,
  ChecksFailedError,
  DeclinedError,
  InterruptedError,
  RefusalError,
} from "../errors.ts";
import { type ApplyProgress, applyDatabase } from "../live/apply.ts";
import { inspectDatabase } from "../live/state.ts";
import { sqlDirFor } from "../plan/paths.ts";
import { type SystemConfig, withTables } from "../plan/schema.ts";
import { type ExtraFile, type MigrateOutcome, migrateSystem } from "../repo/branch.ts";
import type { DatabaseReport } from "../report/schema.ts";
import { tableReport } from "../sql/manifest.ts";
import type { SqlProgress } from "../sql/progress.ts";
import type { ReferenceFindings } from "../sql/references.ts";
import { checkInterrupted, interruption } from "../util/interrupt.ts";
import { preflight } from "./preflight.ts";
import { type CommandRun, describeServices, withServices } from "./services.ts";

export type Confirm = (question: string, details: string[]) => Promise<boolean>;

export interface PhaseOptions {
  runCodemod: RunTransforms;
  /** Apply the SQL to the real databases (after a verified backup). */
  apply?: boolean;
  /**
   * With `apply`, SQLite: verify the SQL on a scratch copy before the commit anyway. Without it,
   * the verification runs inside the apply's transaction instead (one apply fewer; see sqlStep).
   */
  verifyOnCopy?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  github?: { apiUrl: string; token?: string };
  /** Asked before every step that changes something; false stops the run. */
  confirm: Confirm;
  /** Phase lines ("[1/3] crackerjack: ..."). */
  log?: (line: string) => void;
  onApplyProgress?: (system: string, p: ApplyProgress) => void;
  /** SQL generation and verification, as they go (rows read, files applied to the copy). */
  onSqlProgress?: (system: string, p: SqlProgress) => void;
  busyTimeoutMs?: number;
  /** Run the plans' checks (default: yes, for systems that have them). */
  runChecks?: boolean;
  /** A failing check does not stop the system: pushed anyway, the PR a draft. */
  allowFailingChecks?: boolean;
  /** Blocking sites do not make the run fail (the PR is still a draft). */
  allowBlocking?: boolean;
  /** Exit 1 also for needs-review sites (`needs-review`); `blocking` is the default. */
  failOn?: "needs-review" | "blocking";
  /** Each line of the checks' output as it comes (--verbose). */
  onCheckOutput?: (system: string, line: string) => void;
  /** The command line, for the reports' footer. */
  command?: string;
}

export interface SystemResult {
  system: string;
  /**
   * `blocked`: committed (and pushed, the PR a draft) but it has blocking sites, so the data step
   * did not run and the run exits 1 (unless --allow-blocking).
   */
  status: "done" | "dry-run" | "blocked" | "failed" | "declined" | "interrupted" | "not started";
  rewritten?: number;
  needsReview?: number;
  blocking?: number;
  /** Rows of the keyed tables given ULIDs by this run (0 when already applied). */
  rowsBackfilled?: number;
  /** "verified on a copy", "pass (N checks)", "already applied", "FAIL: ..."; "-" without a database. */
  validation?: string;
  backup?: string | null;
  branch?: string;
  prUrl?: string | null;
  /** The step that failed or was declined, with the reason. */
  error?: string;
  /** Steps finished for this system, in order. */
  done: string[];
  migrate?: MigrateOutcome;
  /** Generated SQL (repo-relative paths); kept in `sqlTempDir` until the caller removes it. */
  sqlFiles?: string[];
  /** The plan's checks: `pass (2)`, `FAIL: ruff check . (exit 1)`, `-` without any. */
  checks?: string;
  /** The checks of `sql verify` on the scratch copy, and of the apply on the real database. */
  verifyChecks?: CheckOutcome[];
  applyChecks?: CheckOutcome[];
  /** The plan's service commands as they ran around the data step. */
  services?: CommandRun[];
  /** Milliseconds per step (sql, code, data, apply), also for the step that failed. */
  durations?: Record<string, number>;
  /** What the SQL step found about references (undeclared ones, orphaned rows, ignored ones). */
  references?: ReferenceFindings;
  /** Database file size in bytes before and after the apply, and what reclaimed space. */
  size?: { before: number; after: number; reclaimed: string };
}

export interface PhasesResult {
  ok: boolean;
  /** The system the run stopped at (failure, declined, interrupted), if any. */
  stoppedAt: string | null;
  results: SystemResult[];
  /** What the preflight found; when any, no system was started. */
  problems: string[];
  /** Set when a signal stopped the run. */
  interrupted?: "SIGINT" | "SIGTERM";
  /**
   * Why the run must exit 1 although no phase failed: blocking sites (unless --allow-blocking),
   * needs-review sites under --fail-on needs-review. One line per system.
   */
  failOn: string[];
}

export async function runPhases(
  systems: SystemConfig[],
  opts: PhaseOptions,
): Promise<PhasesResult> {
  const log = opts.log ?? (() => {});
  const results: SystemResult[] = systems.map((s) => ({
    system: s.name,
    status: "not started",
    done: [],
  }));
  log(`preflight: checking ${systems.map((s) => s.name).join(", ")}`);
  const problems = await preflight(systems, opts);
  if (problems.length > 0) return { ok: false, stoppedAt: null, results, problems, failOn: [] };
  for (const [i, system] of systems.entries()) {
    const r = results[i] as SystemResult;
    const say = (step: string) => log(`[${i + 1}/${systems.length}] ${system.name}: ${step}`);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `ulid-phase-${system.name}-`));
    try {
      checkInterrupted(`the start of ${system.name}`);
      await runPhase(system, r, scratch, opts, say);
    } catch (e) {
      r.status =
        e instanceof DeclinedError
          ? "declined"
          : e instanceof InterruptedError
            ? "interrupted"
            : "failed";
      r.error = e instanceof Error ? e.message : String(e);
      if (e instanceof ApplyFailure) {
        r.backup = e.backup;
        r.validation = "FAIL";
        if (e.checks.length) r.applyChecks = [...e.checks];
      }
      if (e instanceof ChecksFailedError) r.done.push("committed locally, checks failed");
      // The reason is said once, at the end of the run (see summaryTable and the CLI).
      say(r.status.toUpperCase());
      const signal = interruption();
      return {
        ok: false,
        stoppedAt: system.name,
        results,
        problems: [],
        failOn: failOnLines(results, opts),
        ...(r.status === "interrupted" && signal ? { interrupted: signal } : {}),
      };
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { ok: true, stoppedAt: null, results, problems: [], failOn: failOnLines(results, opts) };
}

/** Blocking sites fail the run unless allowed; needs-review ones under `--fail-on needs-review`. */
function failOnLines(results: SystemResult[], opts: PhaseOptions): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.blocking && !opts.allowBlocking) {
      out.push(
        `${r.system}: ${r.blocking} blocking site(s): the rewrite breaks them${r.prUrl ? " (the PR is a draft)" : ""}; resolve them, or rerun with --allow-blocking to accept`,
      );
    } else if (opts.failOn === "needs-review" && r.needsReview) {
      out.push(`${r.system}: ${r.needsReview} site(s) need review (--fail-on needs-review)`);
    }
  }
  return out;
}

async function runPhase(
  system: SystemConfig,
  r: SystemResult,
  scratch: string,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<void> {
  r.branch = system.branch;
  r.validation = system.database ? "-" : "- (no database)";
  r.checks = system.checks.length ? "not run" : "-";
  const sql = await timed(r, "sql", () => sqlStep(system, r, scratch, opts, say));
  // The code checks (sql-consumers) see the tables as the SQL changes them, foreign keys too.
  await timed(r, "code", () =>
    codeStep(sql.tables ? withTables(system, sql.tables) : system, r, sql, opts, say),
  );
  if (r.status === "dry-run") return;
  if (r.blocking && !opts.allowBlocking) {
    // The code is not ready to merge: its database change waits for it.
    if (system.database && opts.apply) {
      r.done.push("not applied: blocking sites");
      say(
        `not applying the SQL: ${r.blocking} blocking site(s) (--allow-blocking to apply anyway)`,
      );
      // The apply was to verify the committed SQL: it does not run, so the copy does.
      if (sql.verifyInApply) await verifyOnCopy(system, r, sql, opts, say);
    }
    r.rowsBackfilled ??= 0;
    r.status = "blocked";
    return;
  }
  await timed(r, "data", () => dataStep(system, r, sql, opts, say));
  r.status = "done";
}

/** Runs a step, keeping its duration in `r.durations` (also when it throws). */
async function timed<T>(r: SystemResult, step: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    r.durations = { ...r.durations, [step]: performance.now() - t };
  }
}

/** What the SQL step produced for the code and data steps. */
interface SqlOutput {
  /** The generated files, to commit with the code. */
  extraFiles: ExtraFile[];
  /** Their repo-relative paths. */
  sqlFiles: string[];
  /** Where the verified files are (a scratch folder), or null when there is nothing to apply. */
  dir: string | null;
  alreadyApplied: boolean;
  /** Rows of the keyed tables the files backfill. */
  rows: number;
  /** What the report's Database section shows. */
  report: DatabaseReport | null;
  /** Migrated already, with rows written since that a catch-up backfill fills (add-column). */
  catchUp: { rows: number; detail: string } | null;
  /** The tables as the generated SQL changes them (with the foreign keys it found). */
  tables?: PlannedTable[];
  /** Not verified on a copy: the apply verifies it inside its transaction (see sqlStep). */
  verifyInApply?: boolean;
}

/** 1. SQL: generated from the real database (read-only) and verified on a scratch copy. */
async function sqlStep(
  system: SystemConfig,
  r: SystemResult,
  scratch: string,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<SqlOutput> {
  const out: SqlOutput = {
    extraFiles: [],
    sqlFiles: [],
    dir: null,
    alreadyApplied: false,
    rows: 0,
    report: null,
    catchUp: null,
  };
  const db = system.database;
  if (!db) return out;
  const state = await inspectDatabase(db).catch((e: Error) => {
    throw new Error(`${system.name}: reading ${db.path}: ${e.message}`);
  });
  if (state.state === "partial") {
    throw new Error(
      `${system.name}: ${db.path} is partly migrated (${state.detail}); run \`ulid-codemod rollback --system ${system.name}\` first`,
    );
  }
  if (state.state === "applied") {
    out.alreadyApplied = true;
    r.validation = "already applied";
    r.rowsBackfilled = 0;
    say(`database ${db.path} already migrated (${state.detail}); nothing to do there`);
    return out;
  }
  if (state.state === "catch-up") {
    out.alreadyApplied = true;
    out.catchUp = { rows: state.rows, detail: state.detail };
    r.validation = `catch-up: ${state.rows} new rows`;
    r.rowsBackfilled = 0;
    say(
      `database ${db.path} is migrated, and ${state.detail}; ${opts.apply ? "a catch-up backfill fills them (confirmed below)" : "rerun with --apply for a catch-up backfill that fills them"}`,
    );
    return out;
  }
  const { generateSql } = await import("../sql/generate.ts");
  out.dir = path.join(scratch, "sql");
  say(`generating SQL from ${db.path}`);
  const onProgress = (p: SqlProgress) => opts.onSqlProgress?.(system.name, p);
  const dir = out.dir;
  const gen = await timed(r, "generate", () =>
    generateSql({ system: system.name, database: db, outDir: dir, onProgress }),
  );
  out.rows = gen.tables.reduce((n, t) => n + t.rowCount, 0);
  // `--apply`: the apply runs the same checks, rollback files included (SQLite: in its one
  // transaction, undone before COMMIT; DuckDB: on a copy of its validated working copy), so a
  // scratch copy would only apply everything once more (SQLite, 200k jobs + 600k children: 27 s
  // of 52). The cost: the SQL is committed (and pushed) before it is verified. Whenever the apply
  // then does not run, the copy verifies it after all.
  out.verifyInApply = !!opts.apply && !opts.dryRun && !opts.verifyOnCopy;
  const checks = out.verifyInApply ? [] : await verifyOnCopy(system, r, out, opts, say);
  const { referenceFindings } = await import("../sql/references.ts");
  const refs = referenceFindings(gen.tables);
  r.references = refs;
  for (const l of refs.undeclared) say(`not in the plan: ${l}`);
  for (const l of refs.orphans) say(`already orphaned, left as is: ${l}`);
  if (opts.apply && refs.undeclared.length > 0) {
    throw new RefusalError(
      `${system.name}: --apply refused: ${refs.undeclared.length} column(s) in ${db.path} look like references to a migrated key but are not in the plan, so they would keep legacy IDs: ${refs.undeclared.join("; ")}. List each under the table's references (rewritten like the others) or ignoreReferences (with a reason) in the plan; nothing was committed or changed`,
    );
  }
  // The reviewed files only: the mapping data is regenerated (and checked) where it is used.
  const { readManifest } = await import("../sql/manifest.ts");
  const { folderFiles, inFolder } = await import("../sql/sql-folder.ts");
  out.tables = gen.tables.map((t) => ({
    table: t.table,
    key: t.key,
    strategy: t.strategy,
    ulidColumn: t.ulidColumn,
    references: t.children.map((c) => ({
      table: c.table,
      column: c.column,
      ulidColumn: c.ulidColumn,
    })),
  }));
  const rel = sqlDirFor(system);
  for (const name of folderFiles(readManifest(dir)).sort()) {
    const file = `${rel}/${name}`;
    out.extraFiles.push({ file, content: fs.readFileSync(inFolder(dir, name), "utf8") });
    out.sqlFiles.push(file);
  }
  r.sqlFiles = out.sqlFiles;
  // Repo-relative, `/` separators: `.ulid-migration/<system>/sql/apply/0001_jobs_2_expand.sql`.
  const base = (f: string) => `${rel}/${path.relative(dir, f).split(path.sep).join("/")}`;
  out.report = {
    engine: db.engine,
    path: path.relative(path.dirname(system.configPath), db.path) || db.path,
    backupDir:
      path.relative(path.dirname(system.configPath), db.backupDir ?? path.dirname(db.path)) || ".",
    sqlDir: rel,
    apply: gen.files.map(base),
    data: gen.dataFiles.map(base),
    rollback: gen.rollbackFiles.map(base),
    contract: gen.contractFiles.map(base),
    tables: gen.tables.map(tableReport),
    verification: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
    ...(out.verifyInApply ? { verifiedInApply: true } : {}),
    notes: gen.report,
    references: refs,
  };
  return out;
}

/** The generated files applied, validated and rolled back on a scratch copy (`sql verify`). */
async function verifyOnCopy(
  system: SystemConfig,
  r: SystemResult,
  sql: SqlOutput,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<CheckOutcome[]> {
  const db = system.database;
  if (!db || !sql.dir) return [];
  const dir = sql.dir;
  const { verifySql } = await import("../sql/verify.ts");
  say(`verifying SQL on a scratch copy (${sql.rows} rows)`);
  const v = await timed(r, "verify", () =>
    verifySql({
      system: system.name,
      database: db,
      outDir: dir,
      onProgress: (p) => opts.onSqlProgress?.(system.name, p),
    }),
  );
  if (!v.ok) {
    const bad = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new Error(`${system.name}: SQL verification failed on a scratch copy: ${bad.join("; ")}`);
  }
  r.verifyChecks = v.checks;
  r.validation = `verified on a copy (${v.checks.length} checks)`;
  return v.checks;
}

/** 2. Code: what would change, then (confirmed) the branch and commit, push and PR. */
async function codeStep(
  system: SystemConfig,
  r: SystemResult,
  sql: SqlOutput,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<void> {
  say("computing the rewrite");
  const common = {
    runCodemod: opts.runCodemod,
    ...(opts.github ? { github: opts.github } : {}),
    extraFiles: sql.extraFiles,
    sqlFiles: sql.sqlFiles,
    database: sql.report,
    ...(opts.command ? { command: opts.command } : {}),
    ...(opts.onCheckOutput
      ? { onCheckOutput: (l: string) => opts.onCheckOutput?.(system.name, l) }
      : {}),
    // A new generation replaces the SQL folder whole: no stale file of an earlier layout stays.
    ...(sql.extraFiles.length > 0 ? { replaceDir: sqlDirFor(system) } : {}),
  };
  const log = (l: string) => say(l.replace(`${system.name}: `, ""));
  // The preview for the confirmation runs no checks; a dry run's is the run, and runs them.
  const preview = await migrateSystem(system, {
    ...common,
    dryRun: true,
    runChecks: !!opts.dryRun && opts.runChecks !== false,
    ...(opts.dryRun ? { log } : {}),
  });
  r.migrate = preview;
  if (preview.checks) r.checks = checksCell(preview.checks);
  r.rewritten = preview.summary.rewritten;
  r.needsReview = preview.summary.needsReview;
  r.blocking = preview.summary.blocking;
  if (opts.dryRun) {
    r.status = "dry-run";
    r.done.push("previewed");
    if (system.database && !sql.alreadyApplied) r.rowsBackfilled = 0;
    return;
  }
  const changed = preview.diff ? (preview.diff.match(/^\+\+\+ b\/(.*)$/gm) ?? []) : [];
  const wantPush = !!opts.push || !!opts.openPr;
  const details = [
    `repository: ${system.repo} (from ${preview.base})`,
    `branch: ${system.branch}${wantPush ? ` (pushed to ${system.remote}${opts.openPr ? ", pull request" : ""})` : ""}`,
    `source files: ${changed.length} (${preview.summary.rewritten} sites rewritten, ${preview.summary.needsReview} need review, ${preview.summary.blocking} blocking)`,
    ...changed.map((l) => `  ${l.slice(6)}`),
    `SQL files: ${sql.sqlFiles.length}${sql.sqlFiles.length ? ` in ${sqlDirFor(system)}/ (mapping data not committed: regenerated when applied)` : ""}`,
    ...referenceDetails(r.references),
  ];
  if (
    !(await opts.confirm(
      `${system.name}: commit the migration to branch ${system.branch}?`,
      details,
    ))
  ) {
    throw new DeclinedError(`commit to ${system.branch} not confirmed`);
  }
  say(`committing to ${system.branch}`);
  let outcome: MigrateOutcome;
  try {
    outcome = await migrateSystem(system, {
      ...common,
      log,
      push: !!opts.push,
      openPr: !!opts.openPr,
      runChecks: opts.runChecks !== false,
      allowFailingChecks: !!opts.allowFailingChecks,
    });
  } catch (e) {
    if (e instanceof ChecksFailedError) r.checks = "FAIL";
    throw e;
  }
  r.migrate = outcome;
  r.prUrl = outcome.prUrl;
  if (outcome.checks) r.checks = checksCell(outcome.checks);
  r.done.push(outcome.commit ? `committed ${outcome.commit.slice(0, 12)}` : "no new commit needed");
  if (outcome.checks) r.done.push(`checks ${outcome.checks.ok ? "passed" : "failed (allowed)"}`);
  if (outcome.pushed) r.done.push("pushed");
  if (outcome.prUrl) r.done.push(`PR ${outcome.prAction}${outcome.prDraft ? " (draft)" : ""}`);
}

/** The summary table's cell for the checks. */
function checksCell(run: NonNullable<MigrateOutcome["checks"]>): string {
  const failed = run.results.filter((c) => !c.ok);
  if (!failed.length) return `pass (${run.results.length})`;
  return `FAIL: ${failed.map((c) => `${c.command} (${c.timedOut ? "timed out" : `exit ${c.exitCode ?? "killed"}`})`).join(", ")}${run.allowedToFail ? " (allowed)" : ""}`;
}

/** 3. Data (`--apply` only; confirmed): the verified files applied to the real database. */
async function dataStep(
  system: SystemConfig,
  r: SystemResult,
  sql: SqlOutput,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<void> {
  const db = system.database;
  if (!db) return;
  const catchUp = sql.catchUp;
  if (sql.alreadyApplied && !catchUp) return;
  if (!opts.apply || (!sql.dir && !catchUp)) {
    r.rowsBackfilled = 0;
    return;
  }
  const { databaseSize } = await import("../live/apply.ts");
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const applyDetails = [
    `database: ${db.path} (${db.engine}, ${mb(databaseSize(db.path))})`,
    `tables: ${db.tables.map((t) => `${t.table}.${t.key} (${t.strategy})`).join(", ")}`,
    catchUp
      ? `catch-up backfill: ${catchUp.detail}; the new column takes the ULID the row already has, children their parent's`
      : `rows to backfill: ${sql.rows}`,
    `backup first into: ${db.backupDir ?? path.dirname(db.path)}`,
    db.engine === "sqlite" && db.vacuum
      ? "then VACUUM: rewrites the whole file (about as long as copying it, as much free disk as its size, the database locked meanwhile)"
      : db.engine === "sqlite"
        ? "afterwards: WAL checkpoint if in WAL mode (database.vacuum: true also VACUUMs)"
        : "afterwards: CHECKPOINT",
    ...describeServices(system),
  ];
  const question = catchUp
    ? `${system.name}: apply a catch-up backfill for ${catchUp.rows} new rows to ${db.path}?`
    : `${system.name}: apply the SQL to ${db.path}?`;
  if (!(await opts.confirm(question, applyDetails))) {
    // The apply was to verify the committed SQL: declined, the copy does (a failure says so).
    if (sql.verifyInApply) await verifyOnCopy(system, r, sql, opts, say);
    throw new DeclinedError(
      `${catchUp ? "catch-up backfill" : "apply"} to ${db.path} not confirmed`,
    );
  }
  const sqlDir = sql.dir ?? "";
  // Stopped before the backup, started after the apply (also after a failed one: it restored).
  const { value: applied, startFailed } = await withServices(
    system,
    {
      log: say,
      onRun: (run) => {
        r.services = [...(r.services ?? []), run];
      },
    },
    () =>
      timed(r, "apply", () => {
        say(`${catchUp ? "catch-up backfill of" : "applying SQL to"} ${db.path}`);
        return applyDatabase({
          system: system.name,
          database: db,
          sqlDir,
          ...(catchUp ? { catchUp: true } : {}),
          ...(sql.verifyInApply ? { verifyRollback: true } : {}),
          ...(opts.busyTimeoutMs ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
          onProgress: (p) => opts.onApplyProgress?.(system.name, p),
          log: say,
        });
      }),
  );
  r.backup = applied.backup;
  r.applyChecks = applied.checks;
  r.durations = { ...r.durations, ...applied.timings };
  if (applied.size) {
    r.size = { ...applied.size, reclaimed: applied.reclaimed ?? "" };
    say(
      `${db.path}: ${mb(applied.size.before)} before, ${mb(applied.size.after)} after (${applied.reclaimed})`,
    );
  }
  if (applied.status === "already-applied") {
    r.validation = "already applied";
    r.rowsBackfilled = 0;
  } else {
    r.rowsBackfilled = applied.rows;
    r.validation = `${applied.status === "caught-up" ? "caught up" : "pass"} (${applied.checks.length} checks)`;
    r.done.push(
      applied.status === "caught-up"
        ? `caught up ${applied.rows} rows`
        : `applied ${applied.rows} rows`,
    );
  }
  if (startFailed) {
    throw new Error(
      `${system.name}: the database is migrated (${applied.status === "already-applied" ? "already applied" : `${applied.rows} rows backfilled, backup ${applied.backup}`}), but the service is down: starting it failed: ${startFailed}`,
    );
  }
}

/** The confirmation's lines about references: what is not rewritten, and what already was broken. */
function referenceDetails(refs: ReferenceFindings | undefined): string[] {
  if (!refs) return [];
  return [
    ...(refs.undeclared.length
      ? [
          `NOT in the plan, NOT rewritten (--apply refuses until listed under references or ignoreReferences): ${refs.undeclared.length}`,
          ...refs.undeclared.map((l) => `  ${l}`),
        ]
      : []),
    ...(refs.orphans.length
      ? [
          `rows already pointing at no parent (left exactly as they are), in ${refs.orphans.length} reference column(s):`,
          ...refs.orphans.map((l) => `  ${l}`),
        ]
      : []),
    ...(refs.ignored.length
      ? [`ignored by the plan: ${refs.ignored.length}`, ...refs.ignored.map((l) => `  ${l}`)]
      : []),
  ];
}
