// What a database holds, asked the same way everywhere: the user tables, their columns, a count,
// and the one definition of "this value is a ULID" that every check and generated file uses.
import type { Db } from "./db.ts";
import { type Engine, sqlString } from "./escape.ts";

/** User tables (no SQLite internals, no DuckDB temporary or internal tables), by name. */
export async function tableNames(db: Db): Promise<string[]> {
  const rows =
    db.engine === "sqlite"
      ? await db.all(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
      : await db.all(
          "SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = current_schema() AND NOT temporary AND NOT internal ORDER BY table_name",
        );
  return rows.map((r) => String(r.name));
}

/** A table's column names in table order. */
export async function columnNames(db: Db, table: string): Promise<string[]> {
  const rows =
    db.engine === "sqlite"
      ? await db.all(
          `SELECT name FROM pragma_table_info(${sqlString(table, "sqlite")}) ORDER BY cid`,
        )
      : await db.all(
          `SELECT column_name AS name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = ${sqlString(table, "duckdb")} ORDER BY column_index`,
        );
  return rows.map((r) => String(r.name));
}

/** The first column of the first row of a query, as a number (a COUNT). */
export async function scalar(db: Db, sql: string): Promise<number> {
  const rows = await db.all(sql);
  return Number(rows[0] ? Object.values(rows[0])[0] : Number.NaN);
}

/**
 * SQL that is true when `column` (an SQL expression) holds a ULID: 26 Crockford base32 characters,
 * the first at most 7 (a larger one overflows the 48-bit time). NULL is not a ULID.
 */
export function isUlidSql(engine: Engine, column: string): string {
  return engine === "sqlite"
    ? `(length(${column}) = 26 AND ${column} NOT GLOB '*[^0-9A-HJKMNP-TV-Z]*' AND substr(${column}, 1, 1) <= '7')`
    : `regexp_full_match(${column}, '[0-7][0-9A-HJKMNP-TV-Z]{25}')`;
}
