// A table's content as one hash: what backups, validation and the demo compare.
import { createHash } from "node:crypto";
import { columnNames } from "./catalog.ts";
import type { Db } from "./db.ts";
import { ident } from "./escape.ts";

export interface TableSnapshot {
  columns: string[];
  rows: number;
  sha256: string;
}

function hashCell(v: unknown): string {
  if (v === null || v === undefined) return "N";
  if (typeof v === "string") return `s${v.length}:${v}`;
  if (Buffer.isBuffer(v)) return `b${v.toString("hex")}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString("hex")}`;
  return `${typeof v}:${String(v)}`;
}

/**
 * Column names, row count and a hash of every row. SQLite rows are hashed in rowid order with
 * the rowid; DuckDB may move rows on update, so its rows are hashed sorted by all columns.
 */
export async function snapshotTable(db: Db, table: string): Promise<TableSnapshot> {
  const columns = await columnNames(db, table);
  return { columns, ...(await hashRows(db, table, "*")) };
}

/**
 * Row count and hash of `SELECT <select> FROM table`, ordered as `snapshotTable` orders (so a
 * select list that rebuilds a table's columns gives the same hash as its snapshot).
 */
export async function hashRows(
  db: Db,
  table: string,
  select: string,
): Promise<{ rows: number; sha256: string }> {
  const t = ident(table);
  const sql =
    db.engine === "sqlite"
      ? `SELECT rowid, ${select} FROM ${t} ORDER BY rowid`
      : `SELECT ${select} FROM ${t} ORDER BY ALL`;
  const hash = createHash("sha256");
  let rows = 0;
  for await (const batch of db.batches(sql)) {
    for (const row of batch) {
      rows++;
      for (const v of row) hash.update(`${hashCell(v)}|`);
      hash.update("\n");
    }
  }
  return { rows, sha256: hash.digest("hex") };
}
