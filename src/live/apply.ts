// Applying generated backfill SQL to a real database, safely: lock check, verified backup,
// one all-or-nothing change, the `sql verify` checks on the result, automatic restore.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ApplyFailure } from "../errors.ts";
import type { DatabaseConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import { copyDatabase, type Db, openDb, sqliteDb } from "../sql/db.ts";
import { type Engine, ident, sqlString } from "../sql/escape.ts";
import type { Manifest } from "../sql/generate.ts";
import { readManifest, snapshotTable } from "../sql/run-files.ts";
import { MAP_TABLE } from "../sql/sqltext.ts";
import { captureBefore, type VerifyCheck, validateApplied } from "../sql/verify.ts";

export const BACKUP_TOOL = "ulid-codemod";
const MARKER_SUFFIX = ".ulid-backup.json";

/** Written next to every backup; rollback only trusts backups that have one. */
export interface BackupMarker {
  tool: typeof BACKUP_TOOL;
  system: string;
  engine: Engine;
  /** Absolute path of the database the backup was taken from. */
  database: string;
  backup: string;
  createdAt: string;
  /** Row count per table at backup time (the backup is verified against these). */
  tables: Record<string, number>;
  sha256: string;
}

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

// ---------------------------------------------------------------------------------------------
// Inspection

async function tableNames(db: Db): Promise<string[]> {
  const rows =
    db.engine === "sqlite"
      ? await db.all(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
      : await db.all(
          "SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary ORDER BY table_name",
        );
  return rows.map((r) => String(r.name));
}

async function count(db: Db, sql: string): Promise<number> {
  const rows = await db.all(sql);
  return Number(rows[0] ? Object.values(rows[0])[0] : Number.NaN);
}

/** Row count of every table, by name. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tableNames(db))
    out[t] = await count(db, `SELECT COUNT(*) FROM ${ident(t)}`);
  return out;
}

async function columnsOf(db: Db, table: string): Promise<string[]> {
  const rows =
    db.engine === "sqlite"
      ? await db.all(`SELECT name FROM pragma_table_info(${sqlString(table, "sqlite")})`)
      : await db.all(
          `SELECT column_name AS name FROM duckdb_columns() WHERE database_name = current_database() AND table_name = ${sqlString(table, "duckdb")}`,
        );
  return rows.map((r) => String(r.name));
}

export type MigrationState =
  | { state: "fresh" }
  | { state: "applied"; detail: string }
  | { state: "partial"; detail: string };

const ULID_SQLITE = (c: string) =>
  `length(${c}) = 26 AND ${c} NOT GLOB '*[^0-9A-HJKMNP-TV-Z]*' AND substr(${c}, 1, 1) <= '7'`;
const ULID_DUCK = (c: string) => `regexp_full_match(${c}, '[0-7][0-9A-HJKMNP-TV-Z]{25}')`;

/**
 * Fresh, applied (every configured table's ULID column filled and its map complete), or
 * partly applied (anything in between: refuse and point at rollback).
 */
export async function migrationState(db: Db, cfg: DatabaseConfig): Promise<MigrationState> {
  const tables = await tableNames(db);
  const hasMap = tables.includes(MAP_TABLE);
  const isUlid = db.engine === "sqlite" ? ULID_SQLITE : ULID_DUCK;
  const applied: string[] = [];
  const fresh: string[] = [];
  const partial: string[] = [];
  for (const t of cfg.tables) {
    const tbl = ident(t.table);
    const rows = await count(db, `SELECT COUNT(*) FROM ${tbl}`);
    const mapped = hasMap
      ? await count(
          db,
          `SELECT COUNT(*) FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(t.table, db.engine)}`,
        )
      : 0;
    const col = t.strategy === "add-column" ? (t.ulidColumn ?? ulidColumnFor(t.key)) : t.key;
    const exists = (await columnsOf(db, t.table)).includes(col);
    if (!exists) {
      (mapped === 0 ? fresh : partial).push(`${t.table}: no ${col} column`);
      continue;
    }
    const c = ident(col);
    const good = await count(
      db,
      `SELECT COUNT(*) FROM ${tbl} WHERE ${c} IS NOT NULL AND ${isUlid(c)}`,
    );
    if (t.strategy === "add-column") {
      if (good === rows && mapped === rows) applied.push(`${t.table}.${col}: ${rows} rows filled`);
      else partial.push(`${t.table}.${col}: ${good} of ${rows} rows filled, ${mapped} mapped`);
    } else if (good === rows && rows > 0 && (mapped === rows || mapped === 0)) {
      // mapped = 0: the contract step already removed the map; the keys are ULIDs.
      applied.push(`${t.table}.${col}: ${rows} keys are ULIDs`);
    } else if (mapped === 0 && good === 0) {
      fresh.push(`${t.table}: legacy keys`);
    } else {
      partial.push(`${t.table}.${col}: ${good} of ${rows} keys are ULIDs, ${mapped} mapped`);
    }
  }
  if (partial.length === 0 && fresh.length === 0)
    return { state: "applied", detail: applied.join("; ") };
  if (partial.length === 0 && applied.length === 0) return { state: "fresh" };
  return { state: "partial", detail: [...partial, ...applied, ...fresh].join("; ") };
}

// ---------------------------------------------------------------------------------------------
// Backups

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function backupDirFor(cfg: DatabaseConfig): string {
  return cfg.backupDir ?? path.dirname(cfg.path);
}

function fileSha(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** `<db>.ulid-backup-YYYYmmddTHHMMSSZ` in backupDir (or next to the database); never overwrites. */
export async function createBackup(
  system: string,
  cfg: DatabaseConfig,
  expected: Record<string, number>,
  now: Date = new Date(),
): Promise<BackupMarker> {
  const dir = backupDirFor(cfg);
  let backup: string;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `${path.basename(cfg.path)}.ulid-backup-${stamp(now)}`);
    backup = base;
    for (let i = 2; fs.existsSync(backup) || fs.existsSync(backup + MARKER_SUFFIX); i++) {
      backup = `${base}-${i}`;
    }
    await copyDatabase(cfg.engine, cfg.path, backup);
    if (cfg.engine === "duckdb" && fs.existsSync(`${backup}.wal`)) {
      // A checkpointed source has no WAL; one here means someone wrote meanwhile.
      throw new Error("the database changed while it was copied (a WAL appeared)");
    }
  } catch (e) {
    throw new Error(
      `cannot write a backup of ${cfg.path} into ${dir}: ${(e as Error).message}; nothing was changed`,
    );
  }
  const marker: BackupMarker = {
    tool: BACKUP_TOOL,
    system,
    engine: cfg.engine,
    database: path.resolve(cfg.path),
    backup,
    createdAt: now.toISOString(),
    tables: expected,
    sha256: fileSha(backup),
  };
  await verifyBackup(marker);
  fs.writeFileSync(backup + MARKER_SUFFIX, `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

/** The backup opens, has the same tables and the same row counts as recorded, and is unaltered. */
export async function verifyBackup(marker: BackupMarker): Promise<void> {
  const fail = (why: string) => {
    throw new Error(`backup ${marker.backup} of ${marker.database} is not usable: ${why}`);
  };
  if (!fs.existsSync(marker.backup)) fail("the file is missing");
  if (fileSha(marker.backup) !== marker.sha256) fail("its content changed since it was written");
  let db: Db | undefined;
  try {
    db = await openDb(marker.engine, marker.backup, { readOnly: true });
    const got = await tableCounts(db);
    const want = marker.tables;
    const names = (o: Record<string, number>) => Object.keys(o).sort().join(", ");
    if (names(got) !== names(want)) fail(`tables [${names(got)}], expected [${names(want)}]`);
    for (const [t, n] of Object.entries(want)) {
      if (got[t] !== n) fail(`${t} has ${got[t]} rows, expected ${n}`);
    }
  } catch (e) {
    if ((e as Error).message.startsWith(`backup ${marker.backup}`)) throw e;
    fail(`cannot be read (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}

/** Backups made by this tool for this database, newest first. */
export function listBackups(cfg: DatabaseConfig): BackupMarker[] {
  const dir = backupDirFor(cfg);
  if (!fs.existsSync(dir)) return [];
  const dbPath = path.resolve(cfg.path);
  const out: BackupMarker[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(MARKER_SUFFIX)) continue;
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as BackupMarker;
      if (m.tool === BACKUP_TOOL && m.database === dbPath) out.push(m);
    } catch {
      // not ours or unreadable: ignored, never restored from
    }
  }
  return out.sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || b.backup.localeCompare(a.backup),
  );
}

/**
 * Puts the backup's content back into the database. SQLite: the online backup API writes the
 * pages through the live database's own locking, so it is one transaction there. DuckDB: a
 * copy next to the file is renamed over it (atomic), after checking no one holds it open.
 */
export async function restoreBackup(marker: BackupMarker, busyTimeoutMs = 2000): Promise<void> {
  await verifyBackup(marker);
  const dbPath = marker.database;
  if (marker.engine === "sqlite") {
    const src = new Database(marker.backup, { readonly: true, fileMustExist: true });
    try {
      // Fail fast on a locked database instead of letting the backup wait on it.
      const dest = new Database(dbPath, { timeout: busyTimeoutMs });
      try {
        dest.exec("BEGIN IMMEDIATE");
        dest.exec("ROLLBACK");
      } catch (e) {
        throw new Error(lockedMessage(dbPath, e) ?? `${dbPath}: ${(e as Error).message}`);
      } finally {
        dest.close();
      }
      await src.backup(dbPath);
    } finally {
      src.close();
    }
  } else {
    // Opening read-write fails while another process holds the file.
    const probe = await openDb("duckdb", dbPath, { readOnly: false });
    probe.close();
    const tmp = `${dbPath}.ulid-restore-tmp`;
    fs.copyFileSync(marker.backup, tmp);
    fs.rmSync(`${dbPath}.wal`, { force: true });
    fs.renameSync(tmp, dbPath);
  }
  let db: Db | undefined;
  try {
    db = await openDb(marker.engine, dbPath, { readOnly: true });
    const got = await tableCounts(db);
    for (const [t, n] of Object.entries(marker.tables)) {
      if (got[t] !== n)
        throw new Error(`${dbPath}: after restore ${t} has ${got[t]} rows, expected ${n}`);
    }
  } finally {
    db?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Apply

/** SQLite files each bracket themselves; inside the one outer transaction those lines go. */
function withoutOwnTransaction(sql: string): string {
  return sql
    .split("\n")
    .filter((l) => l !== "BEGIN IMMEDIATE;" && l !== "COMMIT;")
    .join("\n");
}

function lockedMessage(file: string, e: unknown): string | null {
  const code = (e as { code?: string }).code ?? "";
  const msg = String((e as Error).message ?? e);
  if (
    code.startsWith("SQLITE_BUSY") ||
    code.startsWith("SQLITE_LOCKED") ||
    /locked|lock on file/i.test(msg)
  ) {
    return `${file}: database is locked by another connection (${msg.split("\n")[0]}); nothing was changed`;
  }
  return null;
}

/** Test hook: pause (inside the open transaction) after N files so a kill lands mid-apply. */
function testPause(applied: number): void {
  const n = Number(process.env.ULID_CODEMOD_TEST_PAUSE_AFTER_FILES ?? "");
  if (!Number.isInteger(n) || n !== applied) return;
  const marker = process.env.ULID_CODEMOD_TEST_PAUSE_MARKER;
  if (marker) fs.writeFileSync(marker, String(process.pid));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
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
    testPause(i + 1);
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

/** State of a database without changing it (opened read-only). */
export async function inspectDatabase(cfg: DatabaseConfig): Promise<MigrationState> {
  const db = await openDb(cfg.engine, cfg.path, { readOnly: true });
  try {
    return await migrationState(db, cfg);
  } finally {
    db.close();
  }
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
    marker = await createBackup(opts.system, cfg, await tableCounts(db), opts.now?.());
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
    throw new ApplyFailure(
      `${opts.system}: apply to ${cfg.path} failed: ${why}. The transaction was rolled back${restored ? " and the database restored from the backup" : " (database identical to the backup)"}; backup kept at ${marker.backup}`,
      marker.backup,
      e instanceof ApplyFailure ? e.checks : [],
    );
  } finally {
    if (handle.open) handle.close();
  }
}

async function contentHash(engine: Engine, file: string): Promise<string> {
  const db = await openDb(engine, file, { readOnly: true });
  try {
    const h = createHash("sha256");
    for (const t of await tableNames(db)) {
      const s = await snapshotTable(db, t);
      h.update(`${t}|${s.columns.join(",")}|${s.rows}|${s.sha256}\n`);
    }
    return h.digest("hex");
  } finally {
    db.close();
  }
}

/** True when the database differed from its backup and was restored. */
async function restoreIfChanged(marker: BackupMarker): Promise<boolean> {
  if (
    (await contentHash(marker.engine, marker.database)) ===
    (await contentHash(marker.engine, marker.backup))
  ) {
    return false;
  }
  await restoreBackup(marker);
  return true;
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
    marker = await createBackup(opts.system, cfg, await tableCounts(live), opts.now?.());
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
    throw new ApplyFailure(
      `${opts.system}: apply to ${cfg.path} failed: ${(e as Error).message}. The changes were made on a working copy, now discarded${restored ? "; the database was restored from the backup" : "; the database was not changed"}; backup kept at ${marker.backup}`,
      marker.backup,
      e instanceof ApplyFailure ? e.checks : [],
    );
  } finally {
    live?.close();
  }
}
