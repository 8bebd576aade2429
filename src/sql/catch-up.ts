// The catch-up backfill: after an add-column migration the migrated code writes rows with a ULID
// in the legacy column and nothing in the new one (and child rows with the new column empty).
// This finds those rows and writes the SQL that fills them in: the new column takes the ULID the
// row already carries, children take their parent's. No mapping rows: these rows had no legacy ID.
import type { DatabaseConfig } from "../plan/database.ts";
import { isUlidSql, scalar } from "./catalog.ts";
import type { Db } from "./db.ts";
import { commentText, type Engine, ident } from "./escape.ts";
import { findColumn, findTable, readSchema } from "./introspect.ts";
import { planTable } from "./plan-table.ts";
import { beginTx, guard, guardSetup } from "./sqltext.ts";

export interface CatchUpTable {
  table: string;
  key: string;
  ulidColumn: string;
  uniqueIndex: string;
  rows: number;
  /** Rows without a ULID whose key is one: written by the migrated code, filled by the catch-up. */
  newRows: number;
  /** Rows without a ULID whose key is not one (written by code that is not migrated): not filled. */
  legacyRows: number;
  children: { table: string; column: string; ulidColumn: string; rows: number }[];
}

/**
 * Per add-column table whose ULID column exists: how many rows (and child rows) lack a ULID.
 * Tables not expanded yet are left out.
 */
export async function catchUpPlan(db: Db, cfg: DatabaseConfig): Promise<CatchUpTable[]> {
  const schema = await readSchema(db);
  const out: CatchUpTable[] = [];
  for (const t of cfg.tables) {
    if (t.strategy !== "add-column") continue;
    const info = findTable(schema, t.table);
    if (!info || !findColumn(info, t.key)) continue;
    const { plan } = planTable(t, schema, cfg, { nnnn: "0000", undo: "0000" }, [], {
      expanded: true,
    });
    if (!findColumn(info, plan.ulidColumn)) continue;
    const p = ident(plan.table);
    const u = ident(plan.ulidColumn);
    const k = ident(plan.key);
    const rows = await scalar(db, `SELECT COUNT(*) FROM ${p}`);
    const newRows = await scalar(
      db,
      `SELECT COUNT(*) FROM ${p} WHERE ${u} IS NULL AND ${isUlidSql(db.engine, k)}`,
    );
    const nulls = await scalar(db, `SELECT COUNT(*) FROM ${p} WHERE ${u} IS NULL`);
    const children: CatchUpTable["children"] = [];
    for (const c of plan.children) {
      const ct = findTable(schema, c.table);
      if (!ct || !findColumn(ct, c.ulidColumn)) continue;
      const n = await scalar(
        db,
        `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${p} AS p ON p.${k} = c.${ident(c.column)} WHERE c.${ident(c.ulidColumn)} IS NULL`,
      );
      children.push({ table: c.table, column: c.column, ulidColumn: c.ulidColumn, rows: n });
    }
    out.push({
      table: plan.table,
      key: plan.key,
      ulidColumn: plan.ulidColumn,
      uniqueIndex: plan.uniqueIndex as string,
      rows,
      newRows,
      legacyRows: nulls - newRows,
      children,
    });
  }
  return out;
}

/** Rows the catch-up fills, over all tables (parents and children). */
export function catchUpRows(tables: CatchUpTable[]): number {
  return tables.reduce((n, t) => n + t.newRows + t.children.reduce((m, c) => m + c.rows, 0), 0);
}

/** One file, guarded on the counts it was written for; DuckDB's index in its own transaction. */
export function catchUpSql(
  engine: Engine,
  system: string,
  toolVersion: string,
  tables: CatchUpTable[],
): string {
  const e = engine;
  const lines = [
    `ulid-codemod ${toolVersion}: catch-up backfill for ${system} (add-column)`,
    "Rows written since the migration carry a ULID in the legacy column and none in the new one: the new column takes that ULID, child rows their parent's. No mapping rows are added (these rows never had a legacy ID).",
    ...tables.map(
      (t) =>
        `${t.table}.${t.ulidColumn}: ${t.newRows} of ${t.rows} rows${t.children.map((c) => `; ${c.table}.${c.ulidColumn}: ${c.rows} rows`).join("")}`,
    ),
  ];
  let sql = `${lines.map((l) => `-- ${commentText(l)}`).join("\n")}\n\n`;
  for (const t of tables) {
    const p = ident(t.table);
    const u = ident(t.ulidColumn);
    const k = ident(t.key);
    const counts =
      guard(e, `row count of ${t.table}`, p, t.rows) +
      guard(e, `rows of ${t.table} without a ULID`, `${p} WHERE ${u} IS NULL`, t.newRows) +
      guard(
        e,
        `rows of ${t.table} without a ULID whose ${t.key} is not one`,
        `${p} WHERE ${u} IS NULL AND NOT ${isUlidSql(e, k)}`,
        0,
      );
    sql += beginTx(e) + guardSetup(e) + counts;
    if (e === "duckdb") {
      // DuckDB turns an update of an indexed column into delete+insert, which a foreign key to
      // the row refuses: the unique index goes first and comes back after, each in its own
      // transaction (it cannot index a column with uncommitted updates).
      sql += `DROP INDEX IF EXISTS ${ident(t.uniqueIndex)};\nCOMMIT;\n${beginTx(e)}${counts}`;
    }
    sql += `UPDATE ${p} SET ${u} = ${k} WHERE ${u} IS NULL;\n`;
    for (const c of t.children) {
      const ct = ident(c.table);
      sql += `UPDATE ${ct} SET ${ident(c.ulidColumn)} = p.${u} FROM ${p} AS p WHERE p.${k} = ${ct}.${ident(c.column)} AND ${ct}.${ident(c.ulidColumn)} IS NULL;\n`;
    }
    sql += guard(
      e,
      `rows of ${t.table} without a ULID after the catch-up`,
      `${p} WHERE ${u} IS NULL`,
      0,
    );
    if (e === "duckdb") {
      sql += guard(
        e,
        `duplicate ULIDs in ${t.table}`,
        `(SELECT 1 FROM ${p} GROUP BY ${u} HAVING COUNT(*) > 1)`,
        0,
      );
      sql += `COMMIT;\n${beginTx(e)}CREATE UNIQUE INDEX ${ident(t.uniqueIndex)} ON ${p} (${u});\n`;
    }
    sql += "COMMIT;\n";
  }
  return sql;
}
