// Rollback's decisions about a live database: is it migrated at all, was this backup taken for this
// migration, what would restoring it lose, and the restore that keeps rows written since (the keys
// put back from the mapping table by SQL, where that is exact).
import { createHash } from "node:crypto";
import fs from "node:fs";
import Database from "better-sqlite3";
import type { DatabaseConfig } from "../plan/database.ts";
import { columnNames, scalar, tableNames } from "../sql/catalog.ts";
import { type Db, openDb, sqliteDb } from "../sql/db.ts";
import { ident, sqlString } from "../sql/escape.ts";
import { hashRows, snapshotTable } from "../sql/snapshot.ts";
import { MAP_TABLE, updateFromMap } from "../sql/sqltext.ts";
import type { BackupMarker, MigrationTables } from "./backup.ts";
import { lockedMessage } from "./backup.ts";
import { migrationState } from "./state.ts";

/** A table whose content a restore from the backup would take back. */
export interface Loss {
  table: string;
  now: number;
  inBackup: number;
  /** Keyed tables: rows whose key (or ULID) is not in the mapping: written since the migration. */
  addedSinceMigration?: number;
  /** The rows differ from the backup's even where the counts agree (updates since). */
  changed: boolean;
}

export interface RestoreAssessment {
  /** False: not migrated (legacy keys, no mapping): nothing to restore. */
  migrated: boolean;
  /** Why this backup is not the one taken before the migration the database holds, if it is not. */
  mismatch: string | null;
  /** What restoring the backup would lose: tables with rows or changes the backup does not have. */
  losses: Loss[];
  /** Why putting the keys back by SQL would not be exact, or null when it would be. */
  sqlNotExact: string | null;
}

/** The keyed tables of the migration the backup was taken for (older markers: the plan's). */
function tablesOf(marker: BackupMarker, cfg: DatabaseConfig): MigrationTables {
  if (marker.migration) return marker.migration;
  return cfg.tables.map((t) => ({
    table: t.table,
    key: t.key,
    strategy: t.strategy,
    ulidColumn: t.strategy === "add-column" ? (t.ulidColumn ?? `${t.key}_ulid`) : t.key,
    children: [],
  }));
}

/** SHA-256 of a query's single text column, in its order. */
async function hashColumn(db: Db, sql: string): Promise<{ n: number; sha: string }> {
  const h = createHash("sha256");
  let n = 0;
  for await (const batch of db.batches(sql)) {
    for (const [v] of batch) {
      n++;
      h.update(`${String(v).length}:${String(v)}\n`);
    }
  }
  return { n, sha: h.digest("hex") };
}

const mapped = (engine: DatabaseConfig["engine"], table: string) =>
  `(SELECT "ulid" FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(table, engine)})`;

/**
 * A column of a live table as it was before the migration: a key or reference the migration
 * rewrote to a ULID reads back as its legacy ID through the mapping (rows written since keep theirs).
 */
function unmigratedColumn(
  engine: DatabaseConfig["engine"],
  tables: MigrationTables,
  hasMap: boolean,
  table: string,
  column: string,
): string {
  const c = ident(column);
  if (!hasMap) return c;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  for (const t of tables) {
    if (t.strategy !== "rewrite-in-place") continue;
    const refs = [{ table: t.table, column: t.key }, ...t.children];
    if (refs.some((r) => same(r.table, table) && same(r.column, column))) {
      return `COALESCE((SELECT m."legacy_id" FROM ${ident(MAP_TABLE)} AS m WHERE m."table_name" = ${sqlString(t.table, engine)} AND m."ulid" = ${ident(table)}.${c}), ${ident(table)}.${c})`;
    }
  }
  return c;
}

/** Rows of a keyed table that the migration did not map: written (or rewritten) since it ran. */
function unmappedWhere(engine: DatabaseConfig["engine"], t: MigrationTables[number]): string {
  const u = ident(t.ulidColumn);
  return `${u} IS NULL OR ${u} NOT IN ${mapped(engine, t.table)}`;
}

/**
 * Compares the live database with a backup. The backup matches when, for every keyed table, the
 * mapping's legacy IDs are exactly the keys the backup holds: it is the state this migration
 * started from.
 */
export async function assessRestore(
  cfg: DatabaseConfig,
  marker: BackupMarker,
): Promise<RestoreAssessment> {
  const live = await openDb(cfg.engine, cfg.path, { readOnly: true });
  let backup: Db | undefined;
  try {
    const state = await migrationState(live, cfg);
    if (state.state === "fresh") {
      return { migrated: false, mismatch: null, losses: [], sqlNotExact: null };
    }
    backup = await openDb(marker.engine, marker.backup, { readOnly: true });
    const tables = tablesOf(marker, cfg);
    const liveTables = await tableNames(live);
    const hasMap = liveTables.includes(MAP_TABLE);
    let mismatch: string | null = null;
    let sqlNotExact: string | null = marker.migration
      ? null
      : "the backup's marker predates the record of what the migration changed";
    for (const t of tables) {
      if (!hasMap) {
        mismatch ??= `the database has no ${MAP_TABLE}, so it was not migrated from a backup of this tool`;
        sqlNotExact ??= `no ${MAP_TABLE} to take the legacy keys from`;
        break;
      }
      const lit = sqlString(t.table, cfg.engine);
      const inMap = await hashColumn(
        live,
        `SELECT "legacy_id" FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${lit} ORDER BY 1`,
      );
      const inBackup = await hashColumn(
        backup,
        `SELECT ${ident(t.key)} FROM ${ident(t.table)} ORDER BY 1`,
      );
      if (inMap.sha !== inBackup.sha) {
        mismatch ??= `${t.table}: the mapping holds ${inMap.n} legacy keys, the backup ${inBackup.n} keys${inMap.n === inBackup.n ? " (different ones)" : ""}: it was taken before another migration`;
        sqlNotExact ??= `${t.table}: the mapping does not cover the backup's rows`;
      }
    }
    const losses: Loss[] = [];
    const backupTables = await tableNames(backup);
    for (const name of [...new Set([...backupTables, ...liveTables])].sort()) {
      if (name === MAP_TABLE) continue;
      const now = liveTables.includes(name)
        ? await scalar(live, `SELECT COUNT(*) FROM ${ident(name)}`)
        : 0;
      const was = backupTables.includes(name)
        ? await scalar(backup, `SELECT COUNT(*) FROM ${ident(name)}`)
        : 0;
      const keyed = tables.find((t) => t.table.toLowerCase() === name.toLowerCase());
      let added: number | undefined;
      if (keyed && hasMap && (await columnNames(live, name)).includes(keyed.ulidColumn)) {
        added = await scalar(
          live,
          `SELECT COUNT(*) FROM ${ident(name)} WHERE ${unmappedWhere(cfg.engine, keyed)}`,
        );
      }
      // The table as it would be without the migration's own changes, against the backup's.
      let changed = !liveTables.includes(name) || !backupTables.includes(name);
      if (!changed) {
        const columns = await columnNames(backup, name);
        if (
          !(await columnNames(live, name)).every((c, i) => i >= columns.length || c === columns[i])
        ) {
          changed = true;
        } else {
          const select = columns
            .map((c) => unmigratedColumn(cfg.engine, tables, hasMap, name, c))
            .join(", ");
          const [a, b] = [await hashRows(live, name, select), await snapshotTable(backup, name)];
          changed = a.sha256 !== b.sha256;
        }
      }
      if ((added ?? 0) > 0 || now > was || changed) {
        losses.push({
          table: name,
          now,
          inBackup: was,
          ...(added !== undefined ? { addedSinceMigration: added } : {}),
          changed,
        });
      }
    }
    return { migrated: true, mismatch, losses, sqlNotExact };
  } finally {
    live.close();
    backup?.close();
  }
}

/** One line per table of what restoring the backup would take back. */
export function describeLosses(losses: readonly Loss[]): string {
  return losses
    .map((l) => {
      const parts: string[] = [];
      if (l.addedSinceMigration) {
        parts.push(
          `${l.addedSinceMigration} row${l.addedSinceMigration === 1 ? "" : "s"} written since the migration`,
        );
      } else if (l.now > l.inBackup) {
        parts.push(
          `${l.now - l.inBackup} more row${l.now - l.inBackup === 1 ? "" : "s"} than the backup`,
        );
      }
      if (l.changed) parts.push("rows changed since the backup");
      return `${l.table}: ${parts.join(", ")} (${l.now} now, ${l.inBackup} in the backup)`;
    })
    .join("; ");
}

/**
 * The steps that put one table's legacy keys back from the mapping (rewrite-in-place) or drop
 * the columns and index the migration added (add-column). Each step's `sql` runs before the
 * table's mapping rows are deleted (`forget`); DuckDB cannot drop an index and alter its table
 * in one transaction, so the index goes in a step of its own.
 */
function undoSteps(
  engine: DatabaseConfig["engine"],
  tables: MigrationTables,
): { table: MigrationTables[number]; sql: string[]; forget: string | null }[] {
  const steps: { table: MigrationTables[number]; sql: string[]; forget: string | null }[] = [];
  for (const t of [...tables].reverse()) {
    const forget = `DELETE FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(t.table, engine)};`;
    if (t.strategy === "rewrite-in-place") {
      steps.push({
        table: t,
        sql: [
          ...t.children.map((c) =>
            updateFromMap(c.table, c.column, c.column, t.table, "ulid", "legacy_id", engine).trim(),
          ),
          updateFromMap(t.table, t.key, t.key, t.table, "ulid", "legacy_id", engine).trim(),
        ],
        forget,
      });
    } else {
      // DuckDB refuses DROP COLUMN while the table has any index: the tables' own indexes go
      // with ours, and come back from their catalog SQL after the columns.
      const recreated = engine === "duckdb" ? (t.recreatedIndexes ?? []) : [];
      if (t.uniqueIndex || recreated.length > 0) {
        steps.push({
          table: t,
          sql: [
            ...(t.uniqueIndex ? [`DROP INDEX IF EXISTS ${ident(t.uniqueIndex)};`] : []),
            ...recreated.map((ix) => `DROP INDEX IF EXISTS ${ident(ix.name)};`),
          ],
          forget: null,
        });
      }
      steps.push({
        table: t,
        sql: [
          ...t.children.map(
            (c) => `ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.ulidColumn)};`,
          ),
          `ALTER TABLE ${ident(t.table)} DROP COLUMN ${ident(t.ulidColumn)};`,
          ...recreated.map((ix) => `${ix.sql.trim().replace(/;$/, "")};`),
        ],
        forget,
      });
    }
  }
  return steps;
}

/** After a rewrite-in-place table's keys went back: no mapped ULID is left in it or its children. */
async function checkUndone(
  db: Db,
  engine: DatabaseConfig["engine"],
  t: MigrationTables[number],
): Promise<void> {
  if (t.strategy !== "rewrite-in-place") return;
  for (const c of [{ table: t.table, column: t.key }, ...t.children]) {
    const left = await scalar(
      db,
      `SELECT COUNT(*) FROM ${ident(c.table)} WHERE ${ident(c.column)} IN ${mapped(engine, t.table)}`,
    );
    if (left > 0)
      throw new Error(`${c.table}.${c.column}: ${left} mapped ULIDs left after the undo`);
  }
}

/**
 * Runs the undo steps on an open database (SQLite: inside the caller's transaction). The mapping
 * table goes when only these tables' rows are in it; their rows are then dropped with it rather
 * than deleted first, which costs their index entries one by one (seconds at 200k on DuckDB).
 */
async function runUndo(db: Db, engine: DatabaseConfig["engine"], tables: MigrationTables) {
  const ours = tables.map((t) => sqlString(t.table, engine)).join(", ");
  const others = await scalar(
    db,
    `SELECT COUNT(*) FROM ${ident(MAP_TABLE)}${ours ? ` WHERE "table_name" NOT IN (${ours})` : ""}`,
  );
  for (const step of undoSteps(engine, tables)) {
    await db.execScript(step.sql.join("\n"));
    if (step.forget) {
      await checkUndone(db, engine, step.table);
      if (others > 0) await db.execScript(step.forget);
    }
  }
  if (others === 0) await db.execScript(`DROP TABLE ${ident(MAP_TABLE)};`);
}

/**
 * Puts the migration back by SQL, keeping every row written since: keys back from the mapping
 * (rewrite-in-place) or the added columns dropped (add-column), then the mapping removed. All or
 * nothing: one SQLite transaction, checked before COMMIT; DuckDB on a working copy renamed over
 * the database. Rows written since keep the ULIDs they were written with.
 */
export async function restoreBySql(
  cfg: DatabaseConfig,
  marker: BackupMarker,
  busyTimeoutMs = 2000,
): Promise<void> {
  const tables = tablesOf(marker, cfg);
  if (cfg.engine === "sqlite") {
    const handle = new Database(cfg.path, { fileMustExist: true, timeout: busyTimeoutMs });
    const db = sqliteDb(handle, cfg.path);
    try {
      try {
        handle.exec("BEGIN IMMEDIATE");
      } catch (e) {
        throw new Error(lockedMessage(cfg.path, e) ?? `${cfg.path}: ${(e as Error).message}`);
      }
      const fkBefore = (handle.pragma("foreign_key_check") as unknown[]).length;
      handle.exec("PRAGMA defer_foreign_keys = ON");
      await runUndo(db, "sqlite", tables);
      const fkAfter = (handle.pragma("foreign_key_check") as unknown[]).length;
      if (fkAfter > fkBefore) {
        throw new Error(`foreign_key_check: ${fkAfter - fkBefore} new violations after the undo`);
      }
      const ic = handle.pragma("integrity_check", { simple: true });
      if (ic !== "ok") throw new Error(`integrity_check: ${String(ic)}`);
      handle.exec("COMMIT");
    } catch (e) {
      if (handle.inTransaction) handle.exec("ROLLBACK");
      throw new Error(
        `${cfg.path}: the SQL rollback failed and was rolled back, nothing changed: ${(e as Error).message}`,
      );
    } finally {
      handle.close();
    }
    return;
  }
  // DuckDB: on a working copy, held open (its file lock keeps writers out) until the rename.
  const work = `${cfg.path}.ulid-restore-tmp`;
  let held: Db | undefined = await openDb("duckdb", cfg.path, { readOnly: false });
  let db: Db | undefined;
  try {
    await held.execScript("CHECKPOINT;");
    fs.copyFileSync(cfg.path, work);
    db = await openDb("duckdb", work, { readOnly: false });
    await runUndo(db, "duckdb", tables);
    await db.execScript("CHECKPOINT;");
    db.close();
    db = undefined;
    held.close();
    held = undefined;
    fs.renameSync(work, cfg.path);
  } catch (e) {
    throw new Error(
      `${cfg.path}: the SQL rollback failed on a working copy, now discarded; the database was not changed: ${(e as Error).message}`,
    );
  } finally {
    db?.close();
    held?.close();
    fs.rmSync(work, { force: true });
    fs.rmSync(`${work}.wal`, { force: true });
  }
}
