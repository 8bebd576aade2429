import fs from "node:fs";
import { DuckDBInstance, type DuckDBValue, listValue } from "@duckdb/node-api";
import Database from "better-sqlite3";
import type { Engine } from "./escape.ts";

/**
 * One open database, SQLite or DuckDB, behind the few operations this module needs.
 * One operation at a time: DuckDB mixes up results streamed concurrently on one connection.
 */
export interface Db {
  readonly engine: Engine;
  readonly path: string;
  /** Rows as arrays, in batches, so callers can stream without one await per row. */
  batches(sql: string, batchRows?: number): AsyncGenerator<unknown[][]>;
  /**
   * `SELECT rowid, ...exprs FROM table` in rowid order, in batches, from one snapshot.
   * `table` and `exprs` are SQL text (quote identifiers first).
   */
  scan(table: string, exprs: string[]): AsyncGenerator<unknown[][]>;
  /** All rows as objects (small results only); `params` bind `?` / `$1` (arrays: DuckDB lists). */
  all(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a script of several statements; stops at and throws the first error. */
  execScript(sql: string): Promise<void>;
  /** Rolls back an open transaction, if any (after a failed script). */
  rollbackIfOpen(): Promise<void>;
  close(): void;
}

export async function openDb(
  engine: Engine,
  path: string,
  opts: { readOnly: boolean },
): Promise<Db> {
  if (!fs.existsSync(path)) throw new Error(`${engine} database not found: ${path}`);
  return engine === "sqlite" ? openSqlite(path, opts.readOnly) : openDuck(path, opts.readOnly);
}

/**
 * Names lock conflicts: the engines' own messages do not say which file, or that nothing was
 * written. Anything else is returned as is.
 */
export function explainDbError(engine: Engine, path: string, e: unknown): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (
    engine === "sqlite" &&
    (String(code).startsWith("SQLITE_BUSY") || /database is locked/i.test(msg))
  ) {
    return new Error(
      `sqlite database ${path} is locked by another connection (a write transaction is open); nothing was written. Retry when it ends.`,
    );
  }
  if (engine === "duckdb" && /Could not set lock on file/i.test(msg)) {
    return new Error(
      `duckdb database ${path} is in use by another process (DuckDB lets one process at a time open a file for writing); nothing was written. Close it and retry. ${msg}`,
    );
  }
  return e;
}

/**
 * SQLite page cache for applying files, in KiB: key rewrites touch index pages all over (legacy
 * IDs are random), and 64 MB instead of the default 2 MB took a 100k-job backfill from 6.9 s to
 * 4.7 s and its rollback from 7.6 s to 3.0 s.
 */
export const APPLY_CACHE = -65536;

/**
 * The TEMP database's page cache there, in KiB: it holds the validation's copies of the tables
 * (see keepTable), read once in order, so the default 16 MB bought nothing but peak RSS (200k
 * jobs + 600k children: 310 -> 279 MB, same wall time).
 */
export const APPLY_TEMP_CACHE = -2048;

/** Rows per page of a SQLite scan. */
const PAGE = 2000;

function openSqlite(path: string, readOnly: boolean): Db {
  const db = new Database(path, { readonly: readOnly, fileMustExist: true });
  try {
    // Touch the schema now, so a lock held by another connection is reported at open.
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (e) {
    db.close();
    throw explainDbError("sqlite", path, e);
  }
  return sqliteDb(db, path);
}

/** A Db over a handle the caller opened (e.g. with its own busy timeout and transaction). */
export function sqliteDb(db: Database.Database, path: string): Db {
  return {
    engine: "sqlite",
    path,
    async *batches(sql, batchRows = 2000) {
      const stmt = db.prepare(sql).raw(true);
      let batch: unknown[][] = [];
      for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
        batch.push(row);
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    async *scan(table, exprs) {
      const cols = ["rowid", ...exprs].join(", ");
      const [min, max] = db
        .prepare(`SELECT min(rowid), max(rowid) FROM ${table}`)
        .raw(true)
        .get() as [unknown, unknown];
      // Keyset pages (one native call per page) read about a third faster than a row iterator;
      // rowids past 2^53 would come back rounded and could repeat a page, so those iterate.
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
        yield* this.batches(`SELECT ${cols} FROM ${table} ORDER BY rowid`);
        return;
      }
      const first = db.prepare(`SELECT ${cols} FROM ${table} ORDER BY rowid LIMIT ${PAGE}`);
      const next = db.prepare(
        `SELECT ${cols} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
      );
      // Pages are separate statements: one read transaction keeps them on one snapshot.
      const own = !db.inTransaction;
      if (own) db.exec("BEGIN");
      try {
        let page = first.raw(true).all() as unknown[][];
        while (page.length > 0) {
          yield page;
          if (page.length < PAGE) break;
          page = next.raw(true).all((page[page.length - 1] as unknown[])[0]) as unknown[][];
        }
      } finally {
        if (own && db.inTransaction) db.exec("COMMIT");
      }
    },
    async all(sql, params = []) {
      return db.prepare(sql).all(...params) as Record<string, unknown>[];
    },
    async execScript(sql) {
      db.exec(sql);
    },
    async rollbackIfOpen() {
      if (db.inTransaction) db.exec("ROLLBACK");
    },
    close() {
      db.close();
    },
  };
}

async function openDuck(path: string, readOnly: boolean): Promise<Db> {
  const instance = await DuckDBInstance.create(
    path,
    readOnly ? { access_mode: "READ_ONLY" } : { access_mode: "READ_WRITE" },
  ).catch((e: unknown) => {
    throw explainDbError("duckdb", path, e);
  });
  const conn = await instance.connect();
  async function* batches(sql: string) {
    const result = await conn.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      yield chunk.getRows() as unknown[][];
    }
  }
  return {
    engine: "duckdb",
    path,
    batches,
    // One query: DuckDB streams it from one snapshot.
    scan: (table, exprs) =>
      batches(`SELECT ${["rowid", ...exprs].join(", ")} FROM ${table} ORDER BY rowid`),
    async all(sql, params) {
      const values = params?.map((p) => (Array.isArray(p) ? listValue(p) : p)) as
        | DuckDBValue[]
        | undefined;
      const r = values ? await conn.runAndReadAll(sql, values) : await conn.runAndReadAll(sql);
      return r.getRowObjectsJS() as Record<string, unknown>[];
    },
    async execScript(sql) {
      const stmts = await conn.extractStatements(sql);
      for (let i = 0; i < stmts.count; i++) {
        const stmt = await stmts.prepare(i);
        await stmt.run();
        stmt.destroySync();
      }
    },
    async rollbackIfOpen() {
      try {
        await conn.run("ROLLBACK");
      } catch {
        // no transaction was open
      }
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Copies a database file (and its WAL/journal side files) so the copy holds what a reader of
 * the original sees.
 */
export async function copyDatabase(engine: Engine, src: string, dest: string): Promise<void> {
  if (!fs.existsSync(src)) throw new Error(`${engine} database not found: ${src}`);
  if (engine === "sqlite") {
    // The online backup copies pages as they are (rowids included, unlike VACUUM INTO) and
    // takes a consistent snapshot even with a WAL next to the file.
    const db = new Database(src, { readonly: true, fileMustExist: true });
    try {
      // The backup API gives up silently on a locked source: ask for the lock first.
      db.prepare("SELECT count(*) FROM sqlite_master").get();
      await db.backup(dest);
      if (!fs.existsSync(dest)) throw new Error(`copying ${src} to ${dest} produced no file`);
    } catch (e) {
      throw explainDbError("sqlite", src, e);
    } finally {
      db.close();
    }
    return;
  }
  // Held open read-only while copying: DuckDB's file lock keeps writers (other processes)
  // out, so the copy is never torn, and a file busy elsewhere is a named error.
  const held = await openDuck(src, true);
  try {
    fs.copyFileSync(src, dest);
    if (fs.existsSync(`${src}.wal`)) fs.copyFileSync(`${src}.wal`, `${dest}.wal`);
  } finally {
    held.close();
  }
}
