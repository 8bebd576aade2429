// Applying generated backfill SQL to a live database, safely: the lock first, a verified backup,
// one all-or-nothing change, the `sql verify` checks on the result, automatic restore.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ApplyFailure, InterruptedError } from "../errors.ts";
import type { DatabaseConfig } from "../plan/database.ts";
import { captureBefore, type VerifyCheck, validateApplied } from "../sql/checks.ts";
import { type Db, openDb, sqliteDb } from "../sql/db.ts";
import { type Manifest, readManifest } from "../sql/manifest.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { testPause } from "../util/test-pause.ts";
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
  /** Statements run so far over all files, and how many there are: the progress bar's unit. */
  done: number;
  statements: number;
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
}

export interface ApplyOutcome {
  status: "applied" | "already-applied";
  backup: string | null;
  rows: number;
  checks: VerifyCheck[];
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
  return m.tables.map(({ table, key, strategy, ulidColumn, uniqueIndex, children }) => ({
    table,
    key,
    strategy,
    ulidColumn,
    ...(uniqueIndex ? { uniqueIndex } : {}),
    children,
  }));
}

/** The error an apply that stopped throws: an interruption stays one (its exit code is 130). */
function stopped(cause: unknown, message: string, backup: string): Error {
  if (cause instanceof InterruptedError) return new InterruptedError(message, cause.signal);
  return new ApplyFailure(message, backup, cause instanceof ApplyFailure ? cause.checks : []);
}

/**
 * Generated files end every statement at a line end (literals never hold a raw newline: it is
 * spliced in as char(10)), so `;\n` splits them into statements, run in chunks for progress.
 */
function statements(sql: string): string[] {
  return sql.split(/(?<=;)\n/).filter((s) => s.trim() !== "");
}

const CHUNK = 40;

async function runFiles(
  opts: ApplyOptions,
  files: string[],
  rows: number,
  exec: (sql: string) => Promise<void> | void,
): Promise<void> {
  const texts = files.map((f) => statements(fs.readFileSync(path.join(opts.sqlDir, f), "utf8")));
  const total = texts.reduce((n, t) => n + t.length, 0);
  let done = 0;
  for (const [i, f] of files.entries()) {
    const stmts = texts[i] as string[];
    for (let at = 0; at < stmts.length; at += CHUNK) {
      checkInterrupted(`the apply of ${f}`);
      opts.onProgress?.({
        file: f,
        index: i,
        total: files.length,
        rows,
        done,
        statements: total,
        fileStart: at === 0,
      });
      try {
        await exec(stmts.slice(at, at + CHUNK).join("\n"));
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
      done += Math.min(CHUNK, stmts.length - at);
    }
    // A test can kill or signal the run here, inside the open transaction.
    await testPause(`apply:after-file:${i + 1}`);
  }
  opts.onProgress?.({
    file: files.at(-1) ?? "",
    index: files.length - 1,
    total: files.length,
    rows,
    done,
    statements: total,
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

/**
 * Applies the manifest's files to the real database. Nothing changes unless a verified
 * backup exists; the change is all-or-nothing; validation failures leave the database as it was.
 */
export async function applyDatabase(opts: ApplyOptions): Promise<ApplyOutcome> {
  const cfg = opts.database;
  const manifest = readManifest(opts.sqlDir);
  const problem = manifestProblem(manifest, cfg);
  if (problem) throw new ApplyFailure(`${opts.sqlDir}: ${problem}; nothing was changed`, null);
  if (!fs.existsSync(cfg.path)) throw new ApplyFailure(`${cfg.path}: database not found`, null);
  const rows = manifest.tables.reduce((n, t) => n + t.rowCount, 0);
  return cfg.engine === "sqlite"
    ? applySqlite(opts, manifest, rows)
    : applyDuck(opts, manifest, rows);
}

async function applySqlite(
  opts: ApplyOptions,
  manifest: Manifest,
  rows: number,
): Promise<ApplyOutcome> {
  const cfg = opts.database;
  const handle = new Database(cfg.path, {
    fileMustExist: true,
    timeout: opts.busyTimeoutMs ?? 500,
  });
  const db = sqliteDb(handle, cfg.path);
  let marker: BackupMarker | null = null;
  try {
    handle.pragma("foreign_keys = ON");
    try {
      // The write lock, up front: no one else writes from here to COMMIT.
      handle.exec("BEGIN IMMEDIATE");
    } catch (e) {
      throw new ApplyFailure(
        lockedMessage(cfg.path, e) ?? `${cfg.path}: ${(e as Error).message}`,
        null,
      );
    }
    const state = await migrationState(db, cfg);
    if (state.state === "applied") {
      handle.exec("ROLLBACK");
      return { status: "already-applied", backup: null, rows: 0, checks: [] };
    }
    if (state.state === "partial") {
      throw new ApplyFailure(
        `${cfg.path}: partly migrated (${state.detail}); run \`ulid-codemod rollback --system ${opts.system}\` first; nothing was changed`,
        null,
      );
    }
    // A reader may copy while we hold the write lock: the backup is exactly what we change.
    marker = await createBackup(
      opts.system,
      cfg,
      await tableCounts(db),
      opts.now?.(),
      migrationTables(manifest),
    );
    opts.log?.(`backup ${marker.backup} verified`);
    const before = await captureBefore(db, manifest);
    await runFiles(opts, manifest.apply, rows, (sql) => {
      handle.exec(withoutOwnTransaction(sql));
    });
    const checks = await validateApplied(db, manifest, before);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new ApplyFailure(
        `validation failed on ${cfg.path}: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}`,
        marker.backup,
        checks,
      );
    }
    handle.exec("COMMIT");
    return { status: "applied", backup: marker.backup, rows, checks };
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

/**
 * DuckDB cannot put every file in one transaction (index changes need their own), so the
 * files run on a working copy next to the database, are validated there, and the copy is
 * renamed over the database: a crash leaves the old file or the new one, never a mix.
 */
async function applyDuck(
  opts: ApplyOptions,
  manifest: Manifest,
  rows: number,
): Promise<ApplyOutcome> {
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
  try {
    const state = await migrationState(live, cfg);
    if (state.state === "applied")
      return { status: "already-applied", backup: null, rows: 0, checks: [] };
    if (state.state === "partial") {
      throw new ApplyFailure(
        `${cfg.path}: partly migrated (${state.detail}); run \`ulid-codemod rollback --system ${opts.system}\` first; nothing was changed`,
        null,
      );
    }
    // Folds the WAL into the file so a file copy is the whole database.
    await live.execScript("CHECKPOINT;");
    marker = await createBackup(
      opts.system,
      cfg,
      await tableCounts(live),
      opts.now?.(),
      migrationTables(manifest),
    );
    opts.log?.(`backup ${marker.backup} verified`);
    fs.copyFileSync(marker.backup, work);
    db = await openDb("duckdb", work, { readOnly: false });
    const before = await captureBefore(db, manifest);
    const open = db;
    await runFiles(opts, manifest.apply, rows, async (sql) => {
      try {
        await open.execScript(sql);
      } catch (e) {
        await open.rollbackIfOpen();
        throw e;
      }
    });
    const checks = await validateApplied(db, manifest, before);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new ApplyFailure(
        `validation failed: ${failed.map((c) => `${c.name} (${c.detail})`).join("; ")}`,
        marker.backup,
        checks,
      );
    }
    await db.execScript("CHECKPOINT;");
    db.close();
    db = undefined;
    fs.renameSync(work, cfg.path);
    return { status: "applied", backup: marker.backup, rows, checks };
  } catch (e) {
    db?.close();
    live?.close();
    live = undefined;
    fs.rmSync(work, { force: true });
    fs.rmSync(`${work}.wal`, { force: true });
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
