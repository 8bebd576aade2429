// `sql verify`: the generated files applied to a scratch copy of the database, validated, rolled
// back, and the copy compared with the original. The real database is only read (copied).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { InterruptedError, SqlFileError } from "../errors.ts";
import type { DatabaseConfig } from "../plan/database.ts";
import { testPause } from "../util/test-pause.ts";
import { type BeforeState, captureBefore, type VerifyCheck, validateApplied } from "./checks.ts";
import { copyDatabase, type Db } from "./db.ts";
import { type Manifest, readManifest } from "./manifest.ts";
import type { SqlProgress } from "./progress.ts";
import { applyRollback, applySqlFiles, openForApply } from "./run-files.ts";
import { type KeptTable, sameAsKept, schemaSnapshot } from "./snapshot.ts";
import { inFolder } from "./sql-folder.ts";

export type { VerifyCheck } from "./checks.ts";

/**
 * After the rollback files ran: every affected table holds its original rows again (same columns,
 * same rows, same content) and the schema is as it was. On verify's scratch copy, and inside the
 * real apply's transaction (`migrate --apply` on SQLite), where the rollback is then undone.
 */
export async function restoredChecks(
  db: Db,
  state: BeforeState,
  schemaBefore: string[],
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  for (const t of state.tables) {
    const a = state.before.get(t) as KeptTable;
    const b = await sameAsKept(db, t, a);
    checks.push({
      name: `${t}: original rows restored`,
      ok: b.same,
      detail: b.same
        ? `${b.rows} rows identical`
        : `columns [${a.columns.join(", ")}] -> [${b.columns.join(", ")}], rows ${a.rows} -> ${b.rows}, content ${b.content ? "same" : "differs"}`,
    });
  }
  const schemaAfter = await schemaSnapshot(db);
  const gone = schemaBefore.filter((l) => !schemaAfter.includes(l));
  const left = schemaAfter.filter((l) => !schemaBefore.includes(l));
  const same = gone.length === 0 && left.length === 0;
  checks.push({
    name: "schema restored: tables, columns, indexes, sequences; nothing of ours left",
    ok: same,
    detail: same
      ? `${schemaAfter.length} objects as before`
      : [
          ...left.map((l) => `left behind: ${l}`),
          ...gone.map((l) => `missing or changed: ${l}`),
        ].join("; "),
  });
  return checks;
}

export interface VerifyResult {
  system: string;
  ok: boolean;
  checks: VerifyCheck[];
}

export interface VerifyOptions {
  system: string;
  database: DatabaseConfig;
  outDir: string;
  /** Each file applied to the copy, the validation, the rollback. */
  onProgress?: (p: SqlProgress) => void;
}

/**
 * Applies the generated files to a scratch copy of the database, validates the result,
 * applies the rollback files and checks the copy holds the original rows again.
 * The real database is only read (copied).
 */
export async function verifySql(opts: VerifyOptions): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const check = (name: string, ok: boolean, detail = "") => {
    checks.push({ name, ok, detail });
    return ok;
  };
  const done = () => ({ system: opts.system, ok: checks.every((c) => c.ok), checks });
  const engine = opts.database.engine;

  let manifest: Manifest;
  try {
    manifest = readManifest(opts.outDir);
  } catch (e) {
    check("files", false, (e as Error).message);
    return done();
  }
  const abs = (f: string) => inFolder(opts.outDir, f);
  const data = new Set(manifest.data.map((d) => d.file));
  const missingAll = [...manifest.apply, ...manifest.rollback, ...manifest.contract].filter(
    (f) => !fs.existsSync(abs(f)),
  );
  const missingData = missingAll.filter((f) => data.has(f));
  const missing = missingAll.filter((f) => !data.has(f));
  const cfgTables = opts.database.tables.map((t) => t.table.toLowerCase()).join(",");
  const fileTables = manifest.tables.map((t) => t.table.toLowerCase()).join(",");
  const problem =
    missing.length > 0
      ? `missing: ${missing.join(", ")}`
      : missingData.length > 0
        ? `mapping data not here (it is not committed): ${missingData.join(", ")}; \`ulid-codemod sql export --system ${opts.system}\` writes it`
        : manifest.engine !== engine
          ? `files are for ${manifest.engine}, database is ${engine}`
          : manifest.salt !== opts.database.salt || fileTables !== cfgTables
            ? "files were generated from another config (salt or tables differ); run generate again"
            : undefined;
  const filesOk = check(
    "files",
    problem === undefined,
    problem ??
      `${manifest.apply.length} to apply, ${manifest.rollback.length} rollback, ${manifest.contract.length} contract`,
  );
  if (!filesOk) return done();

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-sql-verify-"));
  const copy = path.join(scratch, `copy${path.extname(opts.database.path) || ".db"}`);
  let db: Db | undefined;
  try {
    await copyDatabase(engine, opts.database.path, copy);
    await testPause("verify:copied");
    db = await openForApply(engine, copy);
    const schemaBefore = await schemaSnapshot(db);
    const state = await captureBefore(db, manifest);
    const total = manifest.tables.reduce((n, t) => n + t.rowCount, 0);
    let since = Date.now();
    const report = (step: SqlProgress["step"], what: string, done: boolean) => {
      // A file by its name in the folder (`apply/0001_jobs_2_expand.sql`); a step as it is said.
      const name = path.isAbsolute(what)
        ? path.relative(opts.outDir, what).split(path.sep).join("/")
        : what;
      const owner = manifest.tables.find((t) =>
        [...t.files.map, t.files.expand, t.files.backfill, t.files.rollback].includes(name),
      );
      const rows = owner?.rowCount ?? total;
      opts.onProgress?.({ step, what: name, rows, total, elapsedMs: Date.now() - since, done });
      since = Date.now();
    };

    try {
      await applySqlFiles(db, manifest.apply.map(abs), (f) => report("apply", f, false));
      check("apply", true, `${manifest.apply.length} files applied to a scratch copy`);
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      check("apply", false, e instanceof SqlFileError ? e.message : String(e));
      // A failed file must have rolled back whole; earlier files are complete on their own.
      return done();
    }

    // Kept whole: the checks' figures feed the metrics.
    checks.push(...(await validateApplied(db, manifest, state)));
    report("validate", "the applied copy", false);

    try {
      await applyRollback(db, manifest.rollback.map(abs), (f) => report("rollback", f, false));
      check("rollback", true, `${manifest.rollback.length} files applied`);
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      check("rollback", false, e instanceof SqlFileError ? e.message : String(e));
      return done();
    }
    checks.push(...(await restoredChecks(db, state, schemaBefore)));
  } catch (e) {
    // Stopped by a signal: the scratch copy goes (finally) and the run stops, not a failed check.
    if (e instanceof InterruptedError) throw e;
    check("verify", false, e instanceof Error ? e.message : String(e));
  } finally {
    db?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return done();
}
