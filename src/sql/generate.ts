// `sql generate`: reads the real database (read-only) and writes the reviewable SQL files. Per
// configured table, four stages: plan it (plan-table.ts), look at what its references hold
// (references.ts), read its rows and derive the mapping (read-rows.ts, on a worker thread for
// large tables), write its files (write-files.ts); then the manifest, and only then the old
// generation is replaced, so a failure leaves it intact.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatabaseConfig } from "../plan/database.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { TOOL_VERSION } from "../version.ts";
import { scalar } from "./catalog.ts";
import { explainDbError, openDb } from "./db.ts";
import { ident } from "./escape.ts";
import { readSchema } from "./introspect.ts";
import {
  APPLY_DIR,
  CONTRACT_DIR,
  LAYOUT,
  MANIFEST,
  type Manifest,
  ROLLBACK_DIR,
  type TablePlan,
} from "./manifest.ts";
import { planTable } from "./plan-table.ts";
import { mapTable, type TablePass } from "./read-rows.ts";
import {
  findOrphans,
  findOrphansOnThread,
  orphanLine,
  orphanSearches,
  sampleProbes,
  undeclaredLine,
} from "./references.ts";
import { folderReadme, GITIGNORE, gitignoreText, README } from "./sql-folder.ts";
import { SMALL_CACHE } from "./sqltext.ts";
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
  /** Absolute paths in apply order (mapping data, expand, backfill per table). */
  files: string[];
  /** The data files among `files`: derived from the database, never committed. */
  dataFiles: string[];
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
    for (const d of [APPLY_DIR, ROLLBACK_DIR, CONTRACT_DIR]) fs.mkdirSync(path.join(staging, d));
    const n = cfg.tables.length;
    for (const [i, t] of cfg.tables.entries()) {
      checkInterrupted("sql generate");
      const pos = { nnnn: pad(i + 1), undo: pad(n - i) };
      const { plan, probes } = planTable(t, schema, cfg, pos, report);
      plans.push(plan);
      // Large SQLite tables: the orphan searches run on their own thread while the key is read.
      const searches = orphanSearches(plan);
      const big =
        cfg.engine === "sqlite" &&
        searches.length > 0 &&
        (await scalar(db, `SELECT COUNT(*) FROM ${ident(plan.table)}`)) >= threadRows;
      const onThread = big ? findOrphansOnThread(cfg.path, searches) : null;
      // Not rejected unhandled while the key is read; awaited below.
      onThread?.catch(() => {});
      if (!onThread) {
        for (const [k, c] of plan.children.entries()) {
          c.orphans = await findOrphans(db, searches[k] as (typeof searches)[number]);
        }
      }
      const probe = await sampleProbes(db, probes);
      await probe.lookUp(db, plan.table, plan.key);
      const dir = fs.mkdtempSync(path.join(scratchDir, `${pos.nnnn}-`));
      const { bodies, pass } = await mapTable(db, cfg, t, plan, schema, dir, report, threadRows);
      if (onThread) {
        const found = await onThread;
        plan.children.forEach((c, k) => {
          c.orphans = found[k];
        });
      }
      for (const c of plan.children) {
        const line = orphanLine(plan, c);
        if (line) report.push(line);
      }
      if (t.orphans === "refuse") refuseOrphans(cfg, plan);
      plan.undeclaredReferences = probe.results();
      for (const u of plan.undeclaredReferences) {
        report.push(
          `${plan.table}.${plan.key}: ${undeclaredLine(plan, u)} looks like a reference but is not in the plan: list it under references (rewritten with the key) or ignoreReferences (with a reason); migrate --apply refuses until then`,
        );
      }
      passes.push(pass);
      writeTableFiles({
        staging,
        cfg,
        system,
        toolVersion,
        plan,
        time: t.time,
        bodies,
        lastUndo: i === 0,
      });
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const manifest: Manifest = {
      layout: LAYOUT,
      system,
      engine: cfg.engine,
      toolVersion,
      salt: cfg.salt,
      tables: plans,
      apply: plans.flatMap((p) => [...p.files.map, p.files.expand, p.files.backfill]),
      rollback: plans.map((p) => p.files.rollback).reverse(),
      contract: plans.map((p) => p.files.contract),
      data: plans.flatMap((p) =>
        p.files.map.map((file, i) => ({
          file,
          table: p.table,
          rows:
            p.files.map.length === 1
              ? p.rowCount
              : Math.min(cfg.partRows, p.rowCount - i * cfg.partRows),
        })),
      ),
    };
    fs.writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(staging, README), folderReadme(manifest));
    fs.writeFileSync(path.join(staging, GITIGNORE), gitignoreText());
    // Only now replace the previous generation, so a failed run leaves the old files intact.
    replaceGeneration(staging, opts.outDir);
    const abs = (f: string) => path.join(opts.outDir, f);
    ok = true;
    return {
      system,
      outDir: opts.outDir,
      manifestPath: abs(MANIFEST),
      files: manifest.apply.map(abs),
      dataFiles: manifest.data.map((d) => abs(d.file)),
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

const pad = (i: number) => String(i).padStart(4, "0");

/** `orphans: refuse`: a clear error, before anything is written. */
function refuseOrphans(cfg: DatabaseConfig, plan: TablePlan): void {
  const bad = plan.children.filter((c) => (c.orphans?.count ?? 0) > 0);
  if (bad.length === 0) return;
  const lines = bad.map((c) => orphanLine(plan, c)?.replace(/; left exactly as they are$/, ""));
  throw new Error(
    `${cfg.path} (${cfg.engine}): ${plan.table}.${plan.key} has references that already point at no ${plan.table} row, and the plan says orphans: refuse: ${lines.join("; ")}. Nothing was written. Fix or delete those rows, or set orphans: keep (they are then left exactly as they are and reported).`,
  );
}

/** Files of ours in an SQL folder: this layout's and the one-folder layout before it. */
const OURS = /^\d{4}_.+\.sql$/;

/** Moves the staged generation into `outDir`, removing the previous one (any layout) first. */
function replaceGeneration(staging: string, outDir: string): void {
  for (const f of fs.readdirSync(outDir)) {
    if (OURS.test(f) || f === MANIFEST || f === README || f === GITIGNORE)
      fs.rmSync(path.join(outDir, f));
  }
  for (const d of [APPLY_DIR, ROLLBACK_DIR, CONTRACT_DIR]) {
    const dir = path.join(outDir, d);
    if (fs.existsSync(dir)) {
      for (const f of fs.readdirSync(dir)) if (OURS.test(f)) fs.rmSync(path.join(dir, f));
    }
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(path.join(staging, d))) {
      fs.renameSync(path.join(staging, d, f), path.join(dir, f));
    }
  }
  for (const f of fs.readdirSync(staging)) {
    const from = path.join(staging, f);
    if (fs.statSync(from).isFile()) fs.renameSync(from, path.join(outDir, f));
  }
}
