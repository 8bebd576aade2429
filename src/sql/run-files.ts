import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SqlFileError } from "../errors.ts";
import { copyDatabase, type Db, openDb } from "./db.ts";
import type { Engine } from "./escape.ts";
import { ident, sqlString } from "./escape.ts";
import { MANIFEST, type Manifest } from "./generate.ts";

export function readManifest(outDir: string): Manifest {
  const file = path.join(outDir, MANIFEST);
  if (!fs.existsSync(file)) {
    throw new Error(`no ${MANIFEST} in ${outDir}: run \`ulid-codemod sql generate\` first`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

/** Opens a database for applying generated files (SQLite with foreign keys enforced). */
export async function openForApply(engine: Engine, dbPath: string): Promise<Db> {
  const db = await openDb(engine, dbPath, { readOnly: false });
  if (engine === "sqlite") await db.execScript("PRAGMA foreign_keys = ON;");
  return db;
}

/**
 * Applies SQL files in order. Each file is its own transaction; on the first error the open
 * transaction is rolled back and an SqlFileError names the file. Files already applied stay
 * applied (each is complete on its own).
 */
export async function applySqlFiles(db: Db, files: string[]): Promise<void> {
  for (const file of files) {
    const sql = fs.readFileSync(file, "utf8");
    try {
      await db.execScript(sql);
    } catch (e) {
      await db.rollbackIfOpen();
      throw new SqlFileError(file, e);
    }
  }
}

/** Copies the database into `scratchDir` and applies `files` to the copy; returns the copy's path. */
export async function applyToScratchCopy(opts: {
  engine: Engine;
  dbPath: string;
  scratchDir: string;
  files: string[];
}): Promise<string> {
  fs.mkdirSync(opts.scratchDir, { recursive: true });
  const copy = path.join(opts.scratchDir, `copy${path.extname(opts.dbPath) || ".db"}`);
  await copyDatabase(opts.engine, opts.dbPath, copy);
  const db = await openForApply(opts.engine, copy);
  try {
    await applySqlFiles(db, opts.files);
  } finally {
    db.close();
  }
  return copy;
}

/** Applies rollback files (already in undo order) to an open database. */
export async function applyRollback(db: Db, rollbackFiles: string[]): Promise<void> {
  await applySqlFiles(db, rollbackFiles);
}

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
  const t = ident(table);
  const columns =
    db.engine === "sqlite"
      ? (
          (await db.all(
            `SELECT name FROM pragma_table_info(${sqlString(table, "sqlite")}) ORDER BY cid`,
          )) as {
            name: string;
          }[]
        ).map((r) => r.name)
      : (
          (await db.all(
            `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = ${sqlString(table, "duckdb")} ORDER BY column_index`,
          )) as { column_name: string }[]
        ).map((r) => r.column_name);
  const sql =
    db.engine === "sqlite"
      ? `SELECT rowid, * FROM ${t} ORDER BY rowid`
      : `SELECT * FROM ${t} ORDER BY ALL`;
  const hash = createHash("sha256");
  let rows = 0;
  for await (const batch of db.batches(sql)) {
    for (const row of batch) {
      rows++;
      for (const v of row) hash.update(`${hashCell(v)}|`);
      hash.update("\n");
    }
  }
  return { columns, rows, sha256: hash.digest("hex") };
}

export async function scalar(db: Db, sql: string): Promise<number> {
  const rows = await db.all(sql);
  const v = rows[0] ? Object.values(rows[0])[0] : undefined;
  return Number(v);
}
