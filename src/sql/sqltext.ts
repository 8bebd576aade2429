import type { Engine } from "./escape.ts";
import { ident, sqlString } from "./escape.ts";

export const MAP_TABLE = "ulid_migration_map";

/** Engine-specific snippets shared by the generated files. */
export function beginTx(engine: Engine): string {
  // IMMEDIATE takes the write lock up front so the guard's count cannot go stale.
  return engine === "sqlite" ? "BEGIN IMMEDIATE;\n" : "BEGIN TRANSACTION;\n";
}

export function guardSetup(engine: Engine): string {
  if (engine === "duckdb") return "";
  // SQLite has no IF/RAISE outside triggers: a failing CHECK stops the script instead.
  return `CREATE TEMP TABLE IF NOT EXISTS "ulid_guard" ("what" TEXT NOT NULL, "actual" INTEGER NOT NULL, "expected" INTEGER NOT NULL, CONSTRAINT "ulid-codemod guard failed: a count differs from the one this file was generated against" CHECK ("actual" = "expected"));\n`;
}

/** A statement that fails (aborting the script) unless `SELECT COUNT(*) FROM <fromWhere>` = expected. */
export function guard(engine: Engine, what: string, fromWhere: string, expected: number): string {
  const label = sqlString(what, engine);
  if (engine === "sqlite") {
    return `INSERT INTO temp."ulid_guard" ("what", "actual", "expected") SELECT ${label}, COUNT(*), ${expected} FROM ${fromWhere};\n`;
  }
  return `SELECT CASE WHEN n <> ${expected} THEN error('ulid-codemod guard failed: ' || ${label} || ' is ' || n || ', expected ${expected}') END FROM (SELECT COUNT(*) AS n FROM ${fromWhere});\n`;
}

export function mapDdl(engine: Engine): string {
  const t = engine === "sqlite" ? "TEXT" : "VARCHAR";
  let s = `CREATE TABLE IF NOT EXISTS ${ident(MAP_TABLE)} ("table_name" ${t} NOT NULL, "legacy_id" ${t} NOT NULL, "ulid" ${t} NOT NULL, PRIMARY KEY ("table_name", "legacy_id"));\n`;
  if (engine === "sqlite") {
    // Rollback (and `trace`) look rows up by ULID.
    s += `CREATE UNIQUE INDEX IF NOT EXISTS "ulid_migration_map_ulid" ON ${ident(MAP_TABLE)} ("table_name", "ulid");\n`;
  } else {
    // DuckDB scans instead of using a multi-column index (the primary key included); these
    // single-column ones make `trace` an index lookup both ways.
    s += `CREATE INDEX IF NOT EXISTS "ulid_migration_map_ulid" ON ${ident(MAP_TABLE)} ("ulid");\n`;
    s += `CREATE INDEX IF NOT EXISTS "ulid_migration_map_legacy_id" ON ${ident(MAP_TABLE)} ("legacy_id");\n`;
  }
  return s;
}

export function textType(engine: Engine): string {
  return engine === "sqlite" ? "TEXT" : "VARCHAR";
}

/** `UPDATE t SET target = m.<to> FROM map m WHERE m.table_name = parent AND m.<from> = t.source`. */
export function updateFromMap(
  table: string,
  target: string,
  source: string,
  parentTable: string,
  from: "legacy_id" | "ulid",
  to: "legacy_id" | "ulid",
  engine: Engine,
): string {
  return `UPDATE ${ident(table)} SET ${ident(target)} = m.${ident(to)} FROM ${ident(MAP_TABLE)} AS m WHERE m."table_name" = ${sqlString(parentTable, engine)} AND m.${ident(from)} = ${ident(table)}.${ident(source)};\n`;
}
