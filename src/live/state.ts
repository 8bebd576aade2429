// What state a live database is in for the migration: not started, applied, or partly applied.
import fs from "node:fs";
import Database from "better-sqlite3";
import type { DatabaseConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import { columnNames, isUlidSql, scalar, tableNames } from "../sql/catalog.ts";
import { type CatchUpTable, catchUpPlan, catchUpRows } from "../sql/catch-up.ts";
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
  | { state: "partial"; detail: string }
  /** add-column, applied, and since then rows written with no ULID in the new column (see catch-up.ts). */
  | { state: "catch-up"; detail: string; rows: number; tables: CatchUpTable[] };

/**
 * Fresh, applied (every configured table's ULID column filled and its map there), rows written
 * since an add-column apply that a catch-up backfill fills, or partly applied (anything in
 * between: refuse and point at rollback).
 */
export async function migrationState(db: Db, cfg: DatabaseConfig): Promise<MigrationState> {
  // add-column rows the migrated code wrote since the apply: a ULID in the legacy column, none
  // in the new one (and child rows with the new column empty).
  const pending = await catchUpPlan(db, cfg);
  const base = await keyState(db, cfg, pending);
  if (base.state !== "applied") return base;
  const rows = catchUpRows(pending);
  if (rows === 0) return base;
  const detail = pending
    .filter((t) => t.newRows > 0 || t.children.some((c) => c.rows > 0))
    .map(
      (t) =>
        `${t.table}: ${t.newRows} new rows${t.children
          .filter((c) => c.rows > 0)
          .map((c) => `, ${c.table}: ${c.rows}`)
          .join("")}`,
    )
    .join("; ");
  return {
    state: "catch-up",
    detail: `partly migrated: ${rows} new rows without a ULID in the new column (${detail})`,
    rows,
    tables: pending,
  };
}

/** The state by the keyed tables (ULID columns, the map); rows a catch-up fills count as done. */
async function keyState(
  db: Db,
  cfg: DatabaseConfig,
  pending: CatchUpTable[],
): Promise<MigrationState> {
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
      const gap = pending.find((p) => p.table.toLowerCase() === t.table.toLowerCase());
      const fillable = mapped > 0 ? (gap?.newRows ?? 0) : 0;
      if (good + fillable === rows && (mapped > 0 || rows === 0)) {
        applied.push(`${t.table}.${col}: ${good} rows filled`);
      } else {
        const legacy = gap?.legacyRows
          ? ` (${gap.legacyRows} rows without a ULID have a legacy ${t.key}: written by code that is not migrated yet?)`
          : "";
        partial.push(
          `${t.table}.${col}: ${good} of ${rows} rows filled, ${mapped} mapped${legacy}`,
        );
      }
    } else if (good === rows && rows > 0) {
      // Rows written since the apply have ULID keys and no map row; mapped = 0: the contract
      // step already removed the map. Either way every key is a ULID.
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
