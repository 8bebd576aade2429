// `sql generate`: reads the real database (read-only) and writes the reviewable SQL files. Per
// configured table, four stages: plan it (plan-table.ts), read its rows and derive the mapping
// (read-rows.ts, on a worker thread for large tables), write its files (write-files.ts); then
// the manifest, and only then the old generation is replaced, so a failure leaves it intact.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatabaseConfig } from "../plan/database.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { TOOL_VERSION } from "../version.ts";
import { explainDbError, openDb } from "./db.ts";
import { readSchema } from "./introspect.ts";
import { MANIFEST, type Manifest, type TablePlan } from "./manifest.ts";
import { planTable } from "./plan-table.ts";
import { mapTable, SMALL_CACHE, type TablePass } from "./read-rows.ts";
import { writeTableFiles } from "./write-files.ts";

export type { TablePass } from "./read-rows.ts";

export interface GenerateOptions {
  system: string;
  /** Database section with absolute paths. */
  database: DatabaseConfig;
  /** Absolute output directory. */
  outDir: string;
  /** Recorded in headers; defaults to package.json's version. */
  toolVersion?: string;
  /**
   * Tables with at least this many rows derive and write their mapping rows on a worker
   * thread, in parallel with reading (default 100,000; the thread costs some 50 ms to start).
   */
  threadRows?: number;
}

export interface GenerateResult {
  system: string;
  outDir: string;
  manifestPath: string;
  /** Absolute paths in apply order (expand, parts, backfill per table). */
  files: string[];
  rollbackFiles: string[];
  contractFiles: string[];
  tables: TablePlan[];
  /** Rows without a usable time, skipped configured references, contract caveats. */
  report: string[];
  /** How each table was read and written (for benchmarks and tests; the files do not depend on it). */
  passes: TablePass[];
}

/** Reads the database (read-only) and writes the reviewable SQL files for every configured table. */
export async function generateSql(opts: GenerateOptions): Promise<GenerateResult> {
  const { database: cfg, system } = opts;
  const toolVersion = opts.toolVersion ?? TOOL_VERSION;
  const threadRows = opts.threadRows ?? 100_000;
  const report: string[] = [];
  const db = await openDb(cfg.engine, cfg.path, { readOnly: true });
  // The source is read once, in rowid order: no use for better-sqlite3's 16 MB default cache.
  if (cfg.engine === "sqlite") await db.execScript(`PRAGMA cache_size = ${SMALL_CACHE}`);
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-sql-gen-"));
  // The first directory this run created, if any: a failed run removes it again.
  const createdDir = fs.mkdirSync(opts.outDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(opts.outDir, ".staging-"));
  let ok = false;
  try {
    const schema = await readSchema(db);
    const plans: TablePlan[] = [];
    const passes: TablePass[] = [];
    for (const [i, t] of cfg.tables.entries()) {
      checkInterrupted("sql generate");
      const nnnn = String(i + 1).padStart(4, "0");
      const plan = planTable(t, schema, cfg, nnnn, report);
      plans.push(plan);
      const dir = fs.mkdtempSync(path.join(scratchDir, `${nnnn}-`));
      const { bodies, pass } = await mapTable(db, cfg, t, plan, schema, dir, report, threadRows);
      passes.push(pass);
      writeTableFiles({ staging, cfg, system, toolVersion, plan, time: t.time, bodies });
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const manifest: Manifest = {
      system,
      engine: cfg.engine,
      toolVersion,
      salt: cfg.salt,
      tables: plans,
      apply: plans.flatMap((p) => [p.files.expand, ...p.files.parts, p.files.backfill]),
      rollback: plans.map((p) => p.files.rollback).reverse(),
      contract: plans.map((p) => p.files.contract),
    };
    fs.writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // Only now replace the previous generation, so a failed run leaves the old files intact.
    for (const f of fs.readdirSync(opts.outDir)) {
      if (/^\d{4}_.+\.sql$/.test(f) || f === MANIFEST) fs.rmSync(path.join(opts.outDir, f));
    }
    for (const f of fs.readdirSync(staging)) {
      fs.renameSync(path.join(staging, f), path.join(opts.outDir, f));
    }
    const abs = (f: string) => path.join(opts.outDir, f);
    ok = true;
    return {
      system,
      outDir: opts.outDir,
      manifestPath: abs(MANIFEST),
      files: manifest.apply.map(abs),
      rollbackFiles: manifest.rollback.map(abs),
      contractFiles: manifest.contract.map(abs),
      tables: plans,
      report,
      passes,
    };
  } catch (e) {
    throw explainDbError(cfg.engine, cfg.path, e);
  } finally {
    db.close();
    fs.rmSync(scratchDir, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    if (!ok && createdDir) fs.rmSync(createdDir, { recursive: true, force: true });
  }
}
