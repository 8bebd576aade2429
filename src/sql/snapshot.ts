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
 * the rowid. DuckDB may move rows on update, and sorting and converting every row to JS took
 * 11 s for 300k Session-Buddy rows (lists, structs, maps): there the digest is the SHA-256 of the
 * row count and the sum of DuckDB's own 64-bit row hashes, order-free and computed in the engine
 * (0.2 s). Digests are compared within one run (same engine version), never stored.
 */
export async function snapshotTable(db: Db, table: string): Promise<TableSnapshot> {
  const columns = await columnNames(db, table);
  return { columns, ...(await hashRows(db, table, "*")) };
}

/**
 * Row count and hash of `SELECT <select> FROM table`, ordered as `snapshotTable` orders (so a
 * select list that rebuilds a table's columns gives the same hash as its snapshot: DuckDB's
 * hash of a row ignores the column names).
 */
export async function hashRows(
  db: Db,
  table: string,
  select: string,
): Promise<{ rows: number; sha256: string }> {
  const t = ident(table);
  const hash = createHash("sha256");
  if (db.engine === "duckdb") {
    const [r] = await db.all(
      `SELECT count(*) AS n, COALESCE(sum(hash(s)::HUGEINT), 0)::VARCHAR AS h FROM (SELECT ${select} FROM ${t}) AS s`,
    );
    const rows = Number(r?.n ?? 0);
    return { rows, sha256: hash.update(`${rows}|${String(r?.h)}`).digest("hex") };
  }
  let rows = 0;
  // Keyset pages, one hash update per page: the same bytes as a row-by-row, cell-by-cell
  // update, at a fraction of the calls (the four tables of 200k jobs + 600k children: 4.5 -> 2.6 s).
  for await (const page of db.scan(t, [select])) {
    let text = "";
    for (const row of page) {
      for (const v of row) text += `${hashCell(v)}|`;
      text += "\n";
    }
    rows += page.length;
    hash.update(text);
  }
  return { rows, sha256: hash.digest("hex") };
}

/**
 * The schema as the catalog states it, one line per object: tables (with their columns in
 * order), indexes, sequences (DuckDB), triggers and views (SQLite). Equal before and after a
 * rollback means nothing of ours (table, column, index) was left behind and nothing was lost.
 */
export async function schemaSnapshot(db: Db): Promise<string[]> {
  if (db.engine === "sqlite") {
    const rows = await db.all(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name",
    );
    return rows.map((r) => `${r.type} ${r.name} on ${r.tbl_name}: ${r.sql ?? "(automatic)"}`);
  }
  const here = "database_name = current_database() AND schema_name = current_schema()";
  const out: string[] = [];
  for (const r of await db.all(
    `SELECT table_name, sql FROM duckdb_tables() WHERE ${here} AND NOT temporary ORDER BY table_name`,
  ))
    out.push(`table ${r.table_name}: ${r.sql}`);
  for (const r of await db.all(
    `SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE ${here} ORDER BY table_name, index_name`,
  ))
    out.push(`index ${r.index_name} on ${r.table_name}: ${r.sql}`);
  for (const r of await db.all(
    `SELECT sequence_name, start_value, increment_by, last_value FROM duckdb_sequences() WHERE ${here} ORDER BY sequence_name`,
  ))
    out.push(
      `sequence ${r.sequence_name}: start ${r.start_value}, increment ${r.increment_by}, last ${r.last_value ?? "-"}`,
    );
  for (const r of await db.all(
    `SELECT view_name, sql FROM duckdb_views() WHERE ${here} AND NOT internal ORDER BY view_name`,
  ))
    out.push(`view ${r.view_name}: ${r.sql}`);
  return out;
}

/**
 * A table's rows, kept to compare with later on the same connection (see `sameAsKept`). SQLite:
 * a TEMP copy of every row under its own rowid, compared in the engine; for the four tables of
 * 200k jobs + 600k children that is 0.7 s to copy and 0.6 s to compare, against 2.4 s to hash
 * them in JavaScript each time (and the references' check looks rows up in it by rowid).
 * DuckDB: its engine-side digest (`hashRows`). `rowsOnly`: the count alone.
 */
export interface KeptTable {
  columns: string[];
  rows: number;
  /** DuckDB: the digest. */
  sha256?: string;
  /** SQLite: the TEMP table holding the rows. */
  copy?: string;
}

let kept = 0;

export async function keepTable(db: Db, table: string, rowsOnly = false): Promise<KeptTable> {
  const columns = await columnNames(db, table);
  const t = ident(table);
  if (rowsOnly) return { columns, rows: await countRows(db, t) };
  if (db.engine === "duckdb") return { columns, ...(await hashRows(db, table, "*")) };
  const copy = ident(`ulid_kept_${++kept}`);
  const list = columns.map(ident).join(", ");
  await db.execScript(
    `DROP TABLE IF EXISTS temp.${copy}; CREATE TEMP TABLE ${copy} AS SELECT * FROM ${t} WHERE 0; INSERT INTO temp.${copy} (rowid, ${list}) SELECT rowid, ${list} FROM ${t};`,
  );
  return { columns, rows: await countRows(db, `temp.${copy}`), copy: `temp.${copy}` };
}

async function countRows(db: Db, from: string): Promise<number> {
  const [r] = await db.all(`SELECT count(*) AS n FROM ${from}`);
  return Number(r?.n ?? 0);
}

/**
 * Whether the table holds exactly the kept rows: same columns, same count, and (SQLite) no row,
 * rowid included, that is not among the kept ones; rowids are unique on both sides, so with
 * equal counts the two sets are equal. Values compare as SQLite compares them (so does the hash
 * of `snapshotTable`: the integer 1 and the real 1.0 are one number in JavaScript).
 */
export async function sameAsKept(
  db: Db,
  table: string,
  was: KeptTable,
): Promise<{ same: boolean; columns: string[]; rows: number; content: boolean }> {
  const columns = await columnNames(db, table);
  const sameColumns = columns.join("\0") === was.columns.join("\0");
  const t = ident(table);
  if (db.engine === "duckdb") {
    const now = await hashRows(db, table, "*");
    const content = now.sha256 === was.sha256;
    return { same: sameColumns && content, columns, rows: now.rows, content };
  }
  const rows = await countRows(db, t);
  const content =
    sameColumns &&
    rows === was.rows &&
    (await countRows(db, `(SELECT rowid, * FROM ${t} EXCEPT SELECT rowid, * FROM ${was.copy})`)) ===
      0;
  return { same: content, columns, rows, content };
}
