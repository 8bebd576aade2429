// Backups of a live database: written and verified before any change, recognised by their marker,
// restored through the engine's own locking (SQLite) or an atomic rename (DuckDB).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { DatabaseConfig } from "../plan/database.ts";
import { tableNames } from "../sql/catalog.ts";
import { copyDatabase, type Db, openDb } from "../sql/db.ts";
import type { Engine } from "../sql/escape.ts";
import type { TablePlan } from "../sql/manifest.ts";
import { snapshotTable } from "../sql/snapshot.ts";
import { tableCounts } from "./state.ts";

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
  /**
   * What the migration the backup was taken for changes, per keyed table (from its manifest):
   * rollback checks the database against it, and can undo by SQL instead of the whole file.
   */
  migration?: MigrationTables;
  /**
   * Taken before a catch-up backfill (rows written after an add-column apply), not before the
   * migration: rollback does not pick it unless named (`--backup FILE`).
   */
  catchUp?: boolean;
  /** Set once rollback put this migration back (by this backup or by SQL): not offered again. */
  restoredAt?: string;
  restoredBy?: "backup" | "sql";
}

/** The parts of a manifest's table plans a rollback needs. */
export type MigrationTables = (Pick<
  TablePlan,
  "table" | "key" | "strategy" | "ulidColumn" | "uniqueIndex" | "children"
> &
  Partial<Pick<TablePlan, "recreatedIndexes">>)[];

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function backupDirFor(cfg: DatabaseConfig): string {
  return cfg.backupDir ?? path.dirname(cfg.path);
}

/** SHA-256 of a file, read 1 MB at a time: a whole backup in memory was its size in peak RSS. */
function fileSha(file: string): string {
  const h = createHash("sha256");
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, "r");
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf))
      h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** `<db>.ulid-backup-YYYYmmddTHHMMSSZ` in backupDir (or next to the database); never overwrites. */
export async function createBackup(
  system: string,
  cfg: DatabaseConfig,
  expected: Record<string, number>,
  now: Date = new Date(),
  migration?: MigrationTables,
  opts: { catchUp?: boolean } = {},
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
    ...(migration ? { migration } : {}),
    ...(opts.catchUp ? { catchUp: true } : {}),
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

/** The marker of a backup (given the backup file or its marker), or null when it has none. */
export function readMarker(file: string): BackupMarker | null {
  const markerFile = file.endsWith(MARKER_SUFFIX) ? file : file + MARKER_SUFFIX;
  try {
    const m = JSON.parse(fs.readFileSync(markerFile, "utf8")) as BackupMarker;
    return m.tool === BACKUP_TOOL ? m : null;
  } catch {
    return null;
  }
}

/** Records on the marker that rollback put its migration back, so it is not offered again. */
export function markRestored(marker: BackupMarker, by: "backup" | "sql", now = new Date()): void {
  const updated: BackupMarker = { ...marker, restoredAt: now.toISOString(), restoredBy: by };
  const file = marker.backup + MARKER_SUFFIX;
  // Written whole then renamed: a crash leaves the old marker or the new one.
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(updated, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
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

export function lockedMessage(file: string, e: unknown): string | null {
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
export async function restoreIfChanged(marker: BackupMarker): Promise<boolean> {
  if (
    (await contentHash(marker.engine, marker.database)) ===
    (await contentHash(marker.engine, marker.backup))
  ) {
    return false;
  }
  await restoreBackup(marker);
  return true;
}
