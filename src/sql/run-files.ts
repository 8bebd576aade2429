import fs from "node:fs";
import path from "node:path";
import { SqlFileError } from "../errors.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { APPLY_CACHE, APPLY_TEMP_CACHE, copyDatabase, type Db, openDb } from "./db.ts";
import type { Engine } from "./escape.ts";
import { explainGuardFailure } from "./sqltext.ts";

/**
 * Opens a database for applying generated files. SQLite: foreign keys not enforced, as in the
 * apply (see live/apply.ts); validation's foreign_key_check before/after finds new violations.
 */
export async function openForApply(engine: Engine, dbPath: string): Promise<Db> {
  const db = await openDb(engine, dbPath, { readOnly: false });
  if (engine === "sqlite")
    await db.execScript(
      `PRAGMA foreign_keys = OFF; PRAGMA cache_size = ${APPLY_CACHE}; PRAGMA temp.cache_size = ${APPLY_TEMP_CACHE};`,
    );
  return db;
}

/**
 * A generated file's statements, read a slice at a time: a 1M-row mapping file is 80 MB, and held
 * whole (with its statements and their chunks) it was most of a 1M-row apply's peak RSS. Every
 * statement of a generated file ends at `;` + newline, which occurs nowhere else (a newline in a
 * legacy ID is spliced in as char(10); DuckDB's packed mapping rows put raw newlines only after a
 * ULID character), so the split is the same as over the whole text. Bytes are split, then
 * decoded: `;` and newline never occur inside a multi-byte UTF-8 character.
 */
export function* fileStatements(file: string, sliceBytes = 1 << 20): Generator<string> {
  const fd = fs.openSync(file, "r");
  try {
    const slice = Buffer.alloc(sliceBytes);
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = fs.readSync(fd, slice, 0, sliceBytes, null);
      if (n === 0) break;
      const data = carry.length
        ? Buffer.concat([carry, slice.subarray(0, n)])
        : slice.subarray(0, n);
      let start = 0;
      for (let end = data.indexOf(";\n", start); end >= 0; end = data.indexOf(";\n", start)) {
        const stmt = data.toString("utf8", start, end + 1);
        if (stmt.trim() !== "") yield stmt;
        start = end + 2;
      }
      // A copy: `slice` is read into again.
      carry = Buffer.from(data.subarray(start));
    }
    const last = carry.toString("utf8");
    if (last.trim() !== "") yield last;
  } finally {
    fs.closeSync(fd);
  }
}

/** Statements per engine call: few calls, and a chunk stays small. */
export const STATEMENT_CHUNK = 40;

/** `fileStatements` in chunks of `STATEMENT_CHUNK`, each joined into one script, with its size. */
export function* fileChunks(
  file: string,
): Generator<{ sql: string; statements: number; bytes: number }> {
  let chunk: string[] = [];
  const done = () => {
    const sql = chunk.join("\n");
    // Each statement's newline in the file, the last one's too.
    return { sql, statements: chunk.length, bytes: Buffer.byteLength(sql) + 1 };
  };
  for (const s of fileStatements(file)) {
    chunk.push(s);
    if (chunk.length === STATEMENT_CHUNK) {
      yield done();
      chunk = [];
    }
  }
  if (chunk.length > 0) yield done();
}

/**
 * Applies SQL files in order. Each file is its own transaction; on the first error the open
 * transaction is rolled back and an SqlFileError names the file. Files already applied stay
 * applied (each is complete on its own).
 */
export async function applySqlFiles(
  db: Db,
  files: string[],
  /** After each file, with its path. */
  afterFile?: (file: string) => void,
): Promise<void> {
  for (const file of files) {
    checkInterrupted(`the SQL file ${path.basename(file)}`);
    try {
      // A chunk at a time (see fileStatements); the file's own BEGIN/COMMIT span the chunks.
      for (const chunk of fileChunks(file)) await db.execScript(chunk.sql);
    } catch (e) {
      const why = db.engine === "sqlite" ? await explainGuardFailure((q) => db.all(q), e) : e;
      await db.rollbackIfOpen();
      throw new SqlFileError(file, why);
    }
    afterFile?.(file);
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
export async function applyRollback(
  db: Db,
  rollbackFiles: string[],
  afterFile?: (file: string) => void,
): Promise<void> {
  await applySqlFiles(db, rollbackFiles, afterFile);
}
