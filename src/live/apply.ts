// Applying generated backfill SQL to a live database, safely: the lock first, a verified backup,
// one all-or-nothing change, the `sql verify` checks on the result, automatic restore.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ApplyFailure, InterruptedError } from "../errors.ts";
import type { DatabaseConfig } from "../plan/database.ts";
import { scalar } from "../sql/catalog.ts";
import { catchUpSql } from "../sql/catch-up.ts";
import {
  type BeforeState,
  type CatchUpBefore,
  captureBefore,
  captureCatchUp,
  fkViolationsIn,
  type VerifyCheck,
  validateApplied,
  validateCatchUp,
} from "../sql/checks.ts";
import { APPLY_CACHE, APPLY_TEMP_CACHE, type Db, openDb, sqliteDb } from "../sql/db.ts";
import { ident } from "../sql/escape.ts";
import { type Manifest, readManifest } from "../sql/manifest.ts";
import { fileChunks } from "../sql/run-files.ts";
import { schemaSnapshot } from "../sql/snapshot.ts";
import { explainGuardFailure, MAP_TABLE } from "../sql/sqltext.ts";
import { restoredChecks } from "../sql/verify.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { testPause } from "../util/test-pause.ts";
import { TOOL_VERSION } from "../version.ts";
import {
  type BackupMarker,
  createBackup,
  lockedMessage,
  type MigrationTables,
  restoreIfChanged,
} from "./backup.ts";
import { migrationState, tableCounts } from "./state.ts";

export interface ApplyProgress {
  file: string;
  /** File number (0-based) and file count. */
  index: number;
  total: number;
  /** Rows of the keyed tables being backfilled. */
  rows: number;
  /** Bytes of SQL run so far over all files, and their total size: the progress bar's unit. */
  done: number;
  bytes: number;
  /** True on the first report for a file. */
  fileStart: boolean;
}

export interface ApplyOptions {
  system: string;
  database: DatabaseConfig;
  /** Directory holding manifest.json and the files it names. */
  sqlDir: string;
  /** How long to wait for another connection's lock before giving up (SQLite). */
  busyTimeoutMs?: number;
  onProgress?: (p: ApplyProgress) => void;
  log?: (line: string) => void;
  /** Clock for backup names (tests). */
  now?: () => Date;
  /**
   * Instead of the manifest's files: fill the rows an add-column migration's code wrote since
   * the apply (state "catch-up"; see sql/catch-up.ts). `sqlDir` is not read.
   */
  catchUp?: boolean;
  /**
   * The verification `sql verify` does on a scratch copy, done here instead, without a second
   * apply: after validation the rollback files run and the tables and schema are compared with
   * their state before the apply. SQLite: inside the apply's one transaction, in a SAVEPOINT that
   * ROLLBACK TO undoes before COMMIT. DuckDB: on a copy of the validated working copy, before it
   * is renamed over the database. The rollback files are proven on the real data before they
   * are needed (see `migrate --apply`).
   */
  verifyRollback?: boolean;
}

export interface ApplyOutcome {
  status: "applied" | "caught-up" | "already-applied";
  backup: string | null;
  /** Rows given ULIDs: the keyed tables' (backfill), or the rows filled in (catch-up). */
  rows: number;
  checks: VerifyCheck[];
  /** Database file size in bytes (with its WAL) before and after; not when nothing ran. */
  size?: { before: number; after: number };
  /** What was done afterwards to give space back. */
  reclaimed?: string;
  /** Milliseconds per step (state, backup, sql files, validate, reclaim), for the summary and metrics. */
  timings?: Record<string, number>;
}

/** A stopwatch: `lap(step)` books the time since the previous lap under that step. */
function stopwatch() {
  const timings: Record<string, number> = {};
  let t = performance.now();
  return {
    timings,
    lap(step: string) {
      const now = performance.now();
      timings[step] = (timings[step] ?? 0) + (now - t);
      t = now;
    },
  };
}

/** SQLite files each bracket themselves; inside the one outer transaction those lines go. */
function withoutOwnTransaction(sql: string): string {
  return sql
    .split("\n")
    .filter((l) => l !== "BEGIN IMMEDIATE;" && l !== "COMMIT;")
    .join("\n");
}

/** What the backup's marker keeps of the manifest, for rollback. */
function migrationTables(m: Manifest): MigrationTables {
  return m.tables.map(
    ({ table, key, strategy, ulidColumn, uniqueIndex, children, recreatedIndexes }) => ({
      table,
      key,
      strategy,
      ulidColumn,
      ...(uniqueIndex ? { uniqueIndex } : {}),
      children,
      recreatedIndexes,
    }),
  );
}

/** The error an apply that stopped throws: an interruption stays one (its exit code is 130). */
function stopped(cause: unknown, message: string, backup: string): Error {
  if (cause instanceof InterruptedError) return new InterruptedError(message, cause.signal);
  return new ApplyFailure(message, backup, cause instanceof ApplyFailure ? cause.checks : []);
}

async function runFiles(
  /** Absent: no progress reports (the rollback check: the bar counts the apply's files). */
  onProgress: ApplyOptions["onProgress"],
  /** Test pauses after each file are named `<pause>:<n>`. */
  pause: string,
  job: Pick<Job, "dir" | "files" | "rows">,
  exec: (sql: string) => Promise<void> | void,
  /** Turns an engine error into what the user reads (SQLite guards: the count that differed). */
  explain: (e: unknown) => Promise<unknown> = async (e) => e,
): Promise<void> {
  const { files, rows } = job;
  // Files are read a slice at a time (see fileStatements); progress counts their bytes.
  const paths = files.map((f) => path.join(job.dir, f));
  const total = paths.reduce((n, p) => n + fs.statSync(p).size, 0);
  let done = 0;
  for (const [i, f] of files.entries()) {
    let fileStart = true;
    for (const chunk of fileChunks(paths[i] as string)) {
      checkInterrupted(`the apply of ${f}`);
      onProgress?.({
        file: f,
        index: i,
        total: files.length,
        rows,
        done,
        bytes: total,
        fileStart,
      });
      fileStart = false;
      try {
        await exec(chunk.sql);
      } catch (e) {
        const why = await explain(e);
        throw new Error(`${f}: ${why instanceof Error ? why.message : String(why)}`);
      }
      done += chunk.bytes;
    }
    // A test can kill or signal the run here, inside the open transaction.
    await testPause(`${pause}:${i + 1}`);
  }
  // All of it ran (blank lines between statements are not in the chunks' bytes).
  onProgress?.({
    file: files.at(-1) ?? "",
    index: files.length - 1,
    total: files.length,
    rows,
    done: total,
    bytes: total,
    fileStart: false,
  });
}

function manifestProblem(m: Manifest, cfg: DatabaseConfig): string | null {
  if (m.engine !== cfg.engine) return `files are for ${m.engine}, database is ${cfg.engine}`;
  const a = m.tables.map((t) => t.table.toLowerCase()).join(",");
  const b = cfg.tables.map((t) => t.table.toLowerCase()).join(",");
  if (m.salt !== cfg.salt || a !== b) return "files were generated from another config";
  return null;
}

/** What one apply runs and checks, decided once the database is locked and its state known. */
interface Job {
  kind: "backfill" | "catch-up";
  /** Folder of the files, and the files (relative to it) in order. */
  dir: string;
  files: string[];
  rows: number;
  /** `backup`: the verified backup just taken (what the database holds before the files). */
  capture: (db: Db, backup: string) => Promise<unknown>;
  validate: (db: Db, before: unknown) => Promise<VerifyCheck[]>;
  /** The rollback files, exercised before the apply is kept (see ApplyOptions.verifyRollback). */
  rollback?: { files: string[]; mapRows: number };
  /** Recorded on the backup's marker for rollback (the backfill's; a catch-up has none). */
  migration?: MigrationTables;
}

/** The database file and its WAL, in bytes. */
export function databaseSize(file: string): number {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return size(file) + size(`${file}.wal`) + size(`${file}-wal`);
}

/**
 * Applies the manifest's files to the real database (or, with `catchUp`, fills the rows written
 * since an add-column apply). Nothing changes unless a verified backup exists; the change is
 * all-or-nothing; validation failures leave the database as it was.
 */
export async function applyDatabase(opts: ApplyOptions): Promise<ApplyOutcome> {
  const cfg = opts.database;
  let manifest: Manifest | null = null;
  if (!opts.catchUp) {
    manifest = readManifest(opts.sqlDir);
    const problem = manifestProblem(manifest, cfg);
    if (problem) throw new ApplyFailure(`${opts.sqlDir}: ${problem}; nothing was changed`, null);
  }
  if (!fs.existsSync(cfg.path)) throw new ApplyFailure(`${cfg.path}: database not found`, null);
  const scratch = opts.catchUp ? fs.mkdtempSync(path.join(os.tmpdir(), "ulid-catch-up-")) : null;
  const sizeBefore = databaseSize(cfg.path);
  try {
    const jobFor = async (db: Db): Promise<Job | ApplyOutcome> => {
      const state = await migrationState(db, cfg);
      if (state.state === "applied")
        return { status: "already-applied", backup: null, rows: 0, checks: [] };
      if (state.state === "partial") {
        throw new ApplyFailure(
          `${cfg.path}: partly migrated (${state.detail}); run \`ulid-codemod rollback --system ${opts.system}\` first; nothing was changed`,
          null,
        );
      }
      if (manifest) {
        if (state.state === "catch-up") {
          throw new ApplyFailure(
            `${cfg.path}: already migrated, and ${state.detail}; \`ulid-codemod migrate --system ${opts.system} --apply\` offers a catch-up backfill for them; nothing was changed`,
            null,
          );
        }
        const m = manifest;
        const rollback = !!opts.verifyRollback;
        return {
          kind: "backfill",
          dir: opts.sqlDir,
          files: m.apply,
          rows: mappedRows(m),
          // The tables' rows are kept only for the rollback check; validation counts them.
          capture: (d, backup) =>
            captureBefore(d, m, {
              restorable: rollback,
              ...(cfg.engine === "sqlite" ? { fkBefore: () => fkViolationsIn(backup) } : {}),
            }),
          validate: (d, b) => validateApplied(d, m, b as BeforeState, "quick_check"),
          migration: migrationTables(m),
          ...(rollback ? { rollback: { files: m.rollback, mapRows: mappedRows(m) } } : {}),
        };
      }
      if (state.state !== "catch-up") {
        throw new ApplyFailure(
          `${cfg.path}: not migrated yet, so there is nothing to catch up; nothing was changed`,
          null,
        );
      }
      const file = "catch-up.sql";
      fs.writeFileSync(
        path.join(scratch as string, file),
        catchUpSql(cfg.engine, opts.system, TOOL_VERSION, state.tables),
      );
      return {
        kind: "catch-up",
        dir: scratch as string,
        files: [file],
        rows: state.rows,
        capture: (d) => captureCatchUp(d, state.tables),
        validate: (d, b) => validateCatchUp(d, state.tables, b as CatchUpBefore),
      };
    };
    const outcome =
      cfg.engine === "sqlite" ? await applySqlite(opts, jobFor) : await applyDuck(opts, jobFor);
    if (outcome.status === "already-applied") return outcome;
    return { ...outcome, size: { before: sizeBefore, after: databaseSize(cfg.path) } };
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

type JobFor = (db: Db) => Promise<Job | ApplyOutcome>;

async function applySqlite(opts: ApplyOptions, jobFor: JobFor): Promise<ApplyOutcome> {
  const cfg = opts.database;
  const handle = new Database(cfg.path, {
    fileMustExist: true,
    timeout: opts.busyTimeoutMs ?? 500,
  });
  const db = sqliteDb(handle, cfg.path);
  let marker: BackupMarker | null = null;
  const watch = stopwatch();
  try {
    // Foreign keys are not enforced while the files run (as in the services' own Python sqlite3
    // and the sqlite3 shell): each key change would look up the other side's index (backfill of
    // 200k jobs + 600k children: 22.8 -> 16.3 s). Validation compares foreign_key_check before and
    // after, so a new violation still fails the apply, naming the row.
    handle.pragma("foreign_keys = OFF");
    try {
      // The write lock, up front: no one else writes from here to COMMIT.
      handle.exec("BEGIN IMMEDIATE");
    } catch (e) {
      throw new ApplyFailure(
        lockedMessage(cfg.path, e) ?? `${cfg.path}: ${(e as Error).message}`,
        null,
      );
    }
    handle.pragma(`cache_size = ${APPLY_CACHE}`);
    handle.pragma(`temp.cache_size = ${APPLY_TEMP_CACHE}`);
    const job = await jobFor(db);
    if (!("kind" in job)) {
      handle.exec("ROLLBACK");
      return job;
    }
    watch.lap("state");
    // A reader may copy while we hold the write lock: the backup is exactly what we change.
    marker = await createBackup(
      opts.system,
      cfg,
      await tableCounts(db),
      opts.now?.(),
      job.migration,
      {
        catchUp: job.kind === "catch-up",
      },
    );
    opts.log?.(`backup ${marker.backup} verified`);
    watch.lap("backup");
    const before = await job.capture(db, marker.backup);
    const schemaBefore = job.rollback ? await schemaSnapshot(db) : [];
    watch.lap("validate");
    const exec = (sql: string) => {
      handle.exec(withoutOwnTransaction(sql));
    };
    const explain = (e: unknown) =>
      explainGuardFailure((q) => handle.prepare(q).all() as Record<string, unknown>[], e);
    await runFiles(opts.onProgress, "apply:after-file", job, exec, explain);
    watch.lap("sql files");
    const checks = await job.validate(db, before);
    watch.lap("validate");
    const failIf = (what: string) => failIfAny(checks, `${what} on ${cfg.path}`, marker?.backup);
    failIf("validation failed");
    if (job.rollback) {
      opts.log?.("exercising the rollback files inside the transaction (undone before COMMIT)");
      checks.push(
        ...(await exerciseRollback(handle, db, job, job.rollback, before as BeforeState, {
          schemaBefore,
          exec,
          explain,
        })),
      );
      watch.lap("rollback check");
      failIf("the rollback files do not restore the database");
    }
    handle.exec("COMMIT");
    watch.lap("sql files");
    const reclaimed = reclaimSqlite(handle, cfg, opts.log);
    watch.lap("reclaim");
    return {
      status: job.kind === "catch-up" ? "caught-up" : "applied",
      backup: marker.backup,
      rows: job.rows,
      checks,
      reclaimed,
      timings: watch.timings,
    };
  } catch (e) {
    if (handle.inTransaction) handle.exec("ROLLBACK");
    handle.close();
    if (!marker) throw e;
    // Rolled back; if anything still differs from the backup (it should not), copy it back.
    const restored = await restoreIfChanged(marker);
    const why = e instanceof Error ? e.message : String(e);
    throw stopped(
      e,
      `${opts.system}: apply to ${cfg.path} ${e instanceof InterruptedError ? "stopped" : "failed"}: ${why}. The transaction was rolled back${restored ? " and the database restored from the backup" : " (database identical to the backup)"}; backup kept at ${marker.backup}`,
      marker.backup,
    );
  } finally {
    if (handle.open) handle.close();
  }
}

/** Throws an ApplyFailure naming every failed check, if any failed (the backup is kept). */
function failIfAny(checks: VerifyCheck[], what: string, backup: string | undefined): void {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return;
  throw new ApplyFailure(
    `${what}: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}`,
    backup ?? null,
    checks,
  );
}

/** Mapping rows the apply files write: one per row of every keyed table. */
function mappedRows(m: Manifest): number {
  return m.tables.reduce((n, t) => n + t.rowCount, 0);
}

/**
 * The rollback files on the applied database, inside a SAVEPOINT of the apply's transaction:
 * the checks `sql verify` makes after its rollback (original rows, schema), then ROLLBACK TO,
 * which puts back the applied and validated state, checked by its mapping rows.
 */
async function exerciseRollback(
  handle: Database.Database,
  db: Db,
  job: Job,
  rollback: NonNullable<Job["rollback"]>,
  before: BeforeState,
  how: {
    schemaBefore: string[];
    exec: (sql: string) => void;
    explain: (e: unknown) => Promise<unknown>;
  },
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  handle.exec("SAVEPOINT ulid_rollback_check");
  try {
    // No progress reports: the bar counts the apply's files.
    const files = { dir: job.dir, files: rollback.files, rows: job.rows };
    await runFiles(undefined, "apply:rollback-check", files, how.exec, how.explain);
    checks.push({
      name: "rollback",
      ok: true,
      detail: `${rollback.files.length} files applied inside the transaction, then undone`,
    });
    checks.push(...(await restoredChecks(db, before, how.schemaBefore)));
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    checks.push({ name: "rollback", ok: false, detail: (e as Error).message });
  }
  // An I/O or memory error can end the whole transaction; then nothing is left to commit.
  if (!handle.inTransaction) throw new Error("the transaction ended during the rollback check");
  handle.exec("ROLLBACK TO ulid_rollback_check");
  handle.exec("RELEASE ulid_rollback_check");
  const mapped = await scalar(db, `SELECT COUNT(*) FROM ${ident(MAP_TABLE)}`);
  checks.push({
    name: "applied state back after the rollback check",
    ok: mapped === rollback.mapRows,
    detail: `${mapped} of ${rollback.mapRows} mapping rows`,
  });
  return checks;
}

/** The suffix of the DuckDB working copy's copy that the rollback check runs on. */
const CHECK_COPY = ".rollback-check";

/**
 * DuckDB: the rollback files on a copy of the applied, validated working copy (which DuckDB
 * cannot undo in place), compared with the state before like `sql verify` compares; the working
 * copy itself is not touched, and the copy is removed whatever happens.
 */
async function rollbackOnCopy(
  work: string,
  job: Job,
  rollback: NonNullable<Job["rollback"]>,
  before: BeforeState,
  schemaBefore: string[],
): Promise<VerifyCheck[]> {
  const copy = `${work}${CHECK_COPY}`;
  const checks: VerifyCheck[] = [];
  let db: Db | undefined;
  try {
    fs.copyFileSync(work, copy);
    db = await openDb("duckdb", copy, { readOnly: false });
    const open = db;
    const files = { dir: job.dir, files: rollback.files, rows: job.rows };
    try {
      await runFiles(undefined, "apply:rollback-check", files, async (sql) => {
        try {
          await open.execScript(sql);
        } catch (e) {
          await open.rollbackIfOpen();
          throw e;
        }
      });
      checks.push({
        name: "rollback",
        ok: true,
        detail: `${rollback.files.length} files applied to a copy of the applied working copy`,
      });
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      checks.push({ name: "rollback", ok: false, detail: (e as Error).message });
      return checks;
    }
    checks.push(...(await restoredChecks(db, before, schemaBefore)));
    return checks;
  } finally {
    db?.close();
    fs.rmSync(copy, { force: true });
    fs.rmSync(`${copy}.wal`, { force: true });
  }
}

/**
 * After the commit: the WAL folded back into the file, and (`vacuum: true`) VACUUM, which gives
 * free pages back by rewriting the whole file. A failure here is reported, not fatal: the
 * migration is committed.
 */
function reclaimSqlite(
  handle: Database.Database,
  cfg: DatabaseConfig,
  log?: (line: string) => void,
): string {
  const done: string[] = [];
  try {
    if (cfg.vacuum) {
      const t = Date.now();
      log?.(`VACUUM ${cfg.path} (rewrites the whole file)`);
      handle.exec("VACUUM");
      done.push(`VACUUM (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    // Last: in WAL mode VACUUM itself writes through the WAL.
    if (String(handle.pragma("journal_mode", { simple: true })).toLowerCase() === "wal") {
      handle.pragma("wal_checkpoint(TRUNCATE)");
      done.push("WAL checkpoint");
    }
  } catch (e) {
    done.push(`not reclaimed: ${(e as Error).message}; the migration itself is committed`);
  }
  return done.join(", ") || "nothing to reclaim: no WAL (database.vacuum: true runs VACUUM)";
}

/**
 * DuckDB cannot put every file in one transaction (index changes need their own), so the
 * files run on a working copy next to the database, are validated there, and the copy is
 * renamed over it: a crash leaves the old file or the new one, never a mix.
 */
async function applyDuck(opts: ApplyOptions, jobFor: JobFor): Promise<ApplyOutcome> {
  const cfg = opts.database;
  const work = `${cfg.path}.ulid-apply-tmp`;
  fs.rmSync(work, { force: true });
  fs.rmSync(`${work}.wal`, { force: true });
  // Held open (read-write) to the end: DuckDB's file lock keeps other processes from writing
  // between the backup and the rename.
  let live: Db | undefined;
  try {
    live = await openDb("duckdb", cfg.path, { readOnly: false });
  } catch (e) {
    throw new ApplyFailure(
      lockedMessage(cfg.path, e) ?? `${cfg.path}: ${(e as Error).message}`,
      null,
    );
  }
  let marker: BackupMarker | null = null;
  let db: Db | undefined;
  const watch = stopwatch();
  try {
    const job = await jobFor(live);
    if (!("kind" in job)) return job;
    watch.lap("state");
    // Folds the WAL into the file so a file copy is the whole database.
    await live.execScript("CHECKPOINT;");
    marker = await createBackup(
      opts.system,
      cfg,
      await tableCounts(live),
      opts.now?.(),
      job.migration,
      { catchUp: job.kind === "catch-up" },
    );
    opts.log?.(`backup ${marker.backup} verified`);
    fs.copyFileSync(marker.backup, work);
    watch.lap("backup");
    db = await openDb("duckdb", work, { readOnly: false });
    const before = await job.capture(db, marker.backup);
    const schemaBefore = job.rollback ? await schemaSnapshot(db) : [];
    watch.lap("validate");
    const open = db;
    await runFiles(opts.onProgress, "apply:after-file", job, async (sql) => {
      try {
        await open.execScript(sql);
      } catch (e) {
        await open.rollbackIfOpen();
        throw e;
      }
    });
    watch.lap("sql files");
    const checks = await job.validate(db, before);
    watch.lap("validate");
    const failIf = (what: string) => failIfAny(checks, what, marker?.backup);
    failIf("validation failed");
    // DuckDB has no VACUUM that gives space back; CHECKPOINT writes everything into the file
    // (no WAL left) and frees the blocks the files' own updates left behind.
    await db.execScript("CHECKPOINT;");
    db.close();
    db = undefined;
    if (job.rollback) {
      opts.log?.("exercising the rollback files on a copy of the applied working copy");
      checks.push(
        ...(await rollbackOnCopy(work, job, job.rollback, before as BeforeState, schemaBefore)),
      );
      watch.lap("rollback check");
      failIf("the rollback files do not restore the database");
    }
    fs.renameSync(work, cfg.path);
    watch.lap("reclaim");
    return {
      status: job.kind === "catch-up" ? "caught-up" : "applied",
      backup: marker.backup,
      rows: job.rows,
      checks,
      reclaimed: "CHECKPOINT (DuckDB has no VACUUM that shrinks a file)",
      timings: watch.timings,
    };
  } catch (e) {
    db?.close();
    live?.close();
    live = undefined;
    for (const f of [work, `${work}.wal`, `${work}${CHECK_COPY}`, `${work}${CHECK_COPY}.wal`])
      fs.rmSync(f, { force: true });
    if (!marker) throw e;
    const restored = await restoreIfChanged(marker);
    throw stopped(
      e,
      `${opts.system}: apply to ${cfg.path} ${e instanceof InterruptedError ? "stopped" : "failed"}: ${(e as Error).message}. The changes were made on a working copy, now discarded${restored ? "; the database was restored from the backup" : "; the database was not changed"}; backup kept at ${marker.backup}`,
      marker.backup,
    );
  } finally {
    live?.close();
  }
}
