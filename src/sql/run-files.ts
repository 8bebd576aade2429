import fs from "node:fs";
import path from "node:path";
import { SqlFileError } from "../errors.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { APPLY_CACHE, copyDatabase, type Db, openDb } from "./db.ts";
import type { Engine } from "./escape.ts";
import { explainGuardFailure } from "./sqltext.ts";

/**
 * Opens a database for applying generated files. SQLite: foreign keys not enforced, as in the
 * apply (see live/apply.ts); validation's foreign_key_check before/after finds new violations.
 */
export async function openForApply(engine: Engine, dbPath: string): Promise<Db> {
  const db = await openDb(engine, dbPath, { readOnly: false });
  if (engine === "sqlite")
    await db.execScript(`PRAGMA foreign_keys = OFF; PRAGMA cache_size = ${APPLY_CACHE};`);
  return db;
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
    const sql = fs.readFileSync(file, "utf8");
    try {
      await db.execScript(sql);
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
