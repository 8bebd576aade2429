import type { Engine } from "./escape.ts";
import { ident, sqlString } from "./escape.ts";

export const MAP_TABLE = "ulid_migration_map";

/** SQLite page cache for generation, in KiB (negative = size, not pages): memory stays flat. */
export const SMALL_CACHE = -2000;

/** Engine-specific snippets shared by the generated files. */
export function beginTx(engine: Engine): string {
  // IMMEDIATE takes the write lock up front so the guard's count cannot go stale.
  return engine === "sqlite" ? "BEGIN IMMEDIATE;\n" : "BEGIN TRANSACTION;\n";
}

/** The text every guard failure carries (SQLite: the CHECK constraint's name). */
export const GUARD_FAILED = "ulid-codemod guard failed";

export function guardSetup(engine: Engine): string {
  if (engine === "duckdb") return "";
  // SQLite has no IF, and RAISE only in triggers with a fixed message (an expression there needs
  // SQLite 3.47): a failing CHECK stops the script, and the count it failed on is in the log
  // row written just before, which the tool reads back (see explainGuardFailure).
  return `CREATE TEMP TABLE IF NOT EXISTS "ulid_guard_log" ("what" TEXT NOT NULL, "actual" INTEGER NOT NULL, "expected" INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS "ulid_guard" ("what" TEXT NOT NULL, "actual" INTEGER NOT NULL, "expected" INTEGER NOT NULL, CONSTRAINT "${GUARD_FAILED}: a count differs from the one this file was generated against (the statement before this one names it)" CHECK ("actual" = "expected"));\n`;
}

/** A statement that fails (aborting the script) unless `SELECT COUNT(*) FROM <fromWhere>` = expected. */
export function guard(engine: Engine, what: string, fromWhere: string, expected: number): string {
  const label = sqlString(what, engine);
  if (engine === "sqlite") {
    return `INSERT INTO temp."ulid_guard_log" ("what", "actual", "expected") SELECT ${label}, COUNT(*), ${expected} FROM ${fromWhere};
INSERT INTO temp."ulid_guard" SELECT "what", "actual", "expected" FROM temp."ulid_guard_log" ORDER BY rowid DESC LIMIT 1;\n`;
  }
  return `SELECT CASE WHEN n <> ${expected} THEN error('${GUARD_FAILED}: ' || ${label} || ' is ' || n || ', expected ${expected}') END FROM (SELECT COUNT(*) AS n FROM ${fromWhere});\n`;
}

/**
 * A SQLite guard failure with what it counted (DuckDB's message says so already): "guard failed: row count of jobs is 49, expected
 * 50". Read from the guard log, so call it before rolling back; other errors are returned as is.
 */
export async function explainGuardFailure(
  read: (sql: string) => Promise<Record<string, unknown>[]> | Record<string, unknown>[],
  e: unknown,
): Promise<unknown> {
  const msg = e instanceof Error ? e.message : String(e);
  if (!msg.includes(`${GUARD_FAILED}: a count differs`)) return e;
  try {
    const [row] = await read(
      `SELECT "what", "actual", "expected" FROM temp."ulid_guard_log" ORDER BY rowid DESC LIMIT 1`,
    );
    if (!row) return e;
    return new Error(
      `${GUARD_FAILED}: ${String(row.what)} is ${String(row.actual)}, expected ${String(row.expected)}`,
    );
  } catch {
    return e;
  }
}

export function mapDdl(engine: Engine): string {
  if (engine === "duckdb") {
    // No PRIMARY KEY: DuckDB joins by hash, so a multi-column ART index only costs space and load
    // time, and DuckDB does not use one for a lookup; the guards on its row counts catch a file
    // loaded twice instead. These single-column indexes make `trace` an index lookup both ways
    // (a scan of a 1M-row map: 45 ms median, 72 ms p95, against the 100 ms target; the indexes
    // cost about 1.2 s and 39 MB per 300k rows).
    return `CREATE TABLE IF NOT EXISTS ${ident(MAP_TABLE)} ("table_name" VARCHAR NOT NULL, "legacy_id" VARCHAR NOT NULL, "ulid" VARCHAR NOT NULL);
CREATE INDEX IF NOT EXISTS "ulid_migration_map_ulid" ON ${ident(MAP_TABLE)} ("ulid");
CREATE INDEX IF NOT EXISTS "ulid_migration_map_legacy_id" ON ${ident(MAP_TABLE)} ("legacy_id");\n`;
  }
  // The primary key serves the backfill's lookups by legacy ID; rollback looks rows up by ULID.
  return `CREATE TABLE IF NOT EXISTS ${ident(MAP_TABLE)} ("table_name" TEXT NOT NULL, "legacy_id" TEXT NOT NULL, "ulid" TEXT NOT NULL, PRIMARY KEY ("table_name", "legacy_id"));
CREATE UNIQUE INDEX IF NOT EXISTS "ulid_migration_map_ulid" ON ${ident(MAP_TABLE)} ("table_name", "ulid");\n`;
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
