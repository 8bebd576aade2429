// What state a live database is in for the migration: not started, applied, or partly applied.
import fs from "node:fs";
import Database from "better-sqlite3";
import type { DatabaseConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import { columnNames, isUlidSql, scalar, tableNames } from "../sql/catalog.ts";
import { type Db, openDb } from "../sql/db.ts";
import { ident, sqlString } from "../sql/escape.ts";
import { MAP_TABLE } from "../sql/sqltext.ts";

/** Row count of every table, by name. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tableNames(db))
    out[t] = await scalar(db, `SELECT COUNT(*) FROM ${ident(t)}`);
  return out;
}

export type MigrationState =
  | { state: "fresh" }
  | { state: "applied"; detail: string }
  | { state: "partial"; detail: string };

/**
 * Fresh, applied (every configured table's ULID column filled and its map complete), or
 * partly applied (anything in between: refuse and point at rollback).
 */
export async function migrationState(db: Db, cfg: DatabaseConfig): Promise<MigrationState> {
  const tables = await tableNames(db);
  const hasMap = tables.includes(MAP_TABLE);
  const applied: string[] = [];
  const fresh: string[] = [];
  const partial: string[] = [];
  for (const t of cfg.tables) {
    const tbl = ident(t.table);
    const rows = await scalar(db, `SELECT COUNT(*) FROM ${tbl}`);
    const mapped = hasMap
      ? await scalar(
          db,
          `SELECT COUNT(*) FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(t.table, db.engine)}`,
        )
      : 0;
    const col = t.strategy === "add-column" ? (t.ulidColumn ?? ulidColumnFor(t.key)) : t.key;
    const exists = (await columnNames(db, t.table)).includes(col);
    if (!exists) {
      (mapped === 0 ? fresh : partial).push(`${t.table}: no ${col} column`);
      continue;
    }
    const c = ident(col);
    const good = await scalar(
      db,
      `SELECT COUNT(*) FROM ${tbl} WHERE ${c} IS NOT NULL AND ${isUlidSql(db.engine, c)}`,
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
 * Why this database cannot be migrated now, found without changing it (the preflight): missing,
 * unreadable, partly migrated, or (for `--apply`) locked by another connection or process.
 */
export async function databaseProblems(
  where: string,
  cfg: DatabaseConfig,
  opts: { apply: boolean },
): Promise<string[]> {
  if (!fs.existsSync(cfg.path)) return [`${where}.database.path: ${cfg.path} does not exist`];
  let db: Db | undefined;
  try {
    db = await openDb(cfg.engine, cfg.path, { readOnly: true });
    const state = await migrationState(db, cfg);
    if (state.state === "partial") {
      return [
        `${cfg.path} is partly migrated (${state.detail}); run \`ulid-codemod rollback\` first`,
      ];
    }
  } catch (e) {
    return [`${cfg.path}: cannot be read: ${(e as Error).message}`];
  } finally {
    db?.close();
  }
  if (opts.apply) {
    const locked = await lockProblem(cfg);
    if (locked) return [locked];
  }
  return [];
}

/** Whether this run could take the database's write lock right now (taken and given back). */
async function lockProblem(cfg: DatabaseConfig): Promise<string | null> {
  if (cfg.engine === "sqlite") {
    const handle = new Database(cfg.path, { fileMustExist: true, timeout: 200 });
    try {
      handle.exec("BEGIN IMMEDIATE");
      handle.exec("ROLLBACK");
      return null;
    } catch (e) {
      return `${cfg.path}: database is locked by another connection (${(e as Error).message}); --apply needs its write lock`;
    } finally {
      handle.close();
    }
  }
  try {
    (await openDb("duckdb", cfg.path, { readOnly: false })).close();
    return null;
  } catch (e) {
    return `${cfg.path}: ${(e as Error).message}`;
  }
}
