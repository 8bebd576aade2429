// `migrate --apply` on SQLite verifies inside the apply's transaction: the rollback files run in
// a SAVEPOINT after validation, the tables and schema are compared with their state before, and
// ROLLBACK TO puts the applied state back before COMMIT. On Crackerjack's real schema (seven
// children, never-enforced foreign keys with orphans and NULLs), in WAL mode as the service runs it.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { ApplyFailure } from "../src/errors.ts";
import { type ApplyOutcome, applyDatabase } from "../src/live/apply.ts";
import type { DatabaseConfig } from "../src/plan/database.ts";
import { copyDatabase, type Db, openDb } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { readManifest } from "../src/sql/manifest.ts";
import { schemaSnapshot, snapshotTable } from "../src/sql/snapshot.ts";
import { scratch } from "./helpers.ts";
import {
  crackerjackRealConfig,
  makeCrackerjackReal,
  makeSessionBuddyReal,
  sessionBuddyRealConfig,
} from "./sql-fixtures.ts";

const { fresh } = scratch("ulid-in-place-");

/** Schema and every table's rows (with rowids): what "exactly as before" means. */
async function whole(file: string): Promise<{ schema: string[]; tables: Record<string, unknown> }> {
  const db: Db = await openDb("sqlite", file, { readOnly: false });
  try {
    const schema = await schemaSnapshot(db);
    const tables: Record<string, unknown> = {};
    for (const l of schema.filter((x) => x.startsWith("table "))) {
      const t = l.split(" ")[1] as string;
      tables[t] = await snapshotTable(db, t);
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}

/** A Crackerjack database in WAL mode, its plan, and the generated files. */
async function setUp(): Promise<{ file: string; cfg: DatabaseConfig; sqlDir: string }> {
  const file = `${fresh("cj")}.db`;
  makeCrackerjackReal(file, 300, { orphans: 7, nulls: 2 });
  const h = new Database(file);
  h.pragma("journal_mode = WAL");
  h.close();
  const cfg = crackerjackRealConfig(file, "rewrite-in-place", {}, { backupDir: fresh("backups") });
  const sqlDir = fresh("sql");
  await generateSql({ system: "crackerjack", database: cfg, outDir: sqlDir });
  return { file, cfg, sqlDir };
}

const byName = (checks: readonly { name: string; ok: boolean; detail: string }[], name: string) =>
  checks.find((c) => c.name === name);

/** The apply with the rollback check, which must pass every check. */
async function passedApply(
  cfg: DatabaseConfig,
  sqlDir: string,
  system = "crackerjack",
): Promise<ApplyOutcome> {
  const r = await applyDatabase({ system, database: cfg, sqlDir, verifyRollback: true });
  expect(r.status).toBe("applied");
  expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  return r;
}

/** The apply with the rollback check, which must fail as an ApplyFailure. */
async function failedApply(
  cfg: DatabaseConfig,
  sqlDir: string,
  system = "crackerjack",
): Promise<ApplyFailure> {
  const err = await applyDatabase({
    system,
    database: cfg,
    sqlDir,
    verifyRollback: true,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplyFailure);
  return err as ApplyFailure;
}

describe("the rollback check inside the apply's transaction (SQLite)", () => {
  test("passes, and leaves exactly what an apply without it leaves; the violations there before are read from the backup", async () => {
    const { file, cfg, sqlDir } = await setUp();
    const plain = `${fresh("plain")}.db`;
    await copyDatabase("sqlite", file, plain);

    const r = await passedApply(cfg, sqlDir);
    expect(byName(r.checks, "rollback")?.detail).toBe(
      "1 files applied inside the transaction, then undone",
    );
    const restored = r.checks.filter((c) => c.name.endsWith(": original rows restored"));
    // jobs and its seven children.
    expect(restored.map((c) => c.name.split(":")[0]).sort()).toEqual(
      [
        "agent_executions",
        "errors",
        "hook_executions",
        "individual_test_executions",
        "jobs",
        "orchestration_executions",
        "strategy_decisions",
        "test_executions",
      ].sort(),
    );
    expect(byName(r.checks, "jobs: original rows restored")?.detail).toBe("300 rows identical");
    expect(
      byName(r.checks, "schema restored: tables, columns, indexes, sequences; nothing of ours left")
        ?.ok,
    ).toBe(true);
    expect(byName(r.checks, "applied state back after the rollback check")?.detail).toBe(
      "300 of 300 mapping rows",
    );
    // 7 orphans in each of errors and hook_executions: not new, so not the migration's.
    expect(byName(r.checks, "sqlite foreign_key_check: no new violations")?.detail).toBe(
      "none new; 14 there before the migration, left as they were",
    );
    expect(r.timings?.["rollback check"]).toBeGreaterThan(0);

    // ROLLBACK TO put back the applied state: the same rows and schema as a plain apply.
    const p = await applyDatabase({
      system: "crackerjack",
      database: { ...cfg, path: plain },
      sqlDir,
    });
    expect(p.status).toBe("applied");
    expect(p.checks.some((c) => c.name === "rollback")).toBe(false);
    const [a, b] = [await whole(file), await whole(plain)];
    expect(a.schema).toEqual(b.schema);
    expect(a.tables).toEqual(b.tables);
    expect(Object.keys(a.tables)).toContain("ulid_migration_map");
  }, 60_000);

  test("a rollback file that leaves a table rewritten fails the apply: rolled back, the database exactly as before", async () => {
    const { file, cfg, sqlDir } = await setUp();
    const rollback = `${sqlDir}/rollback/0001_jobs_rollback.sql`;
    const sql = fs.readFileSync(rollback, "utf8");
    const line = sql.split("\n").find((l) => l.startsWith('UPDATE "errors" SET "job_id"'));
    expect(line).toBeDefined();
    fs.writeFileSync(rollback, sql.replace(`${line}\n`, ""));
    const before = await whole(file);
    const failure = await failedApply(cfg, sqlDir);
    expect(failure.message).toContain(`the rollback files do not restore the database on ${file}`);
    expect(failure.message).toMatch(
      /errors: original rows restored \(columns \[[^\]]+\] -> \[[^\]]+\], rows 84 -> 84, content differs\)/,
    );
    // Only that table: the others came back.
    expect(failure.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      "errors: original rows restored",
    ]);
    expect(failure.message).toContain("The transaction was rolled back");
    expect(fs.existsSync(failure.backup as string)).toBe(true);
    expect(await whole(file)).toEqual(before);
  }, 60_000);

  test("a rollback file that does not run is named, and nothing is changed", async () => {
    const { file, cfg, sqlDir } = await setUp();
    const rollback = `${sqlDir}/rollback/0001_jobs_rollback.sql`;
    fs.writeFileSync(
      rollback,
      fs
        .readFileSync(rollback, "utf8")
        .replace('DROP TABLE "ulid_migration_map";', 'DROP TABLE "no_such_table";'),
    );
    const before = await whole(file);
    const failure = await failedApply(cfg, sqlDir);
    expect(byName(failure.checks, "rollback")).toMatchObject({
      ok: false,
      detail: expect.stringContaining(
        "rollback/0001_jobs_rollback.sql: no such table: no_such_table",
      ),
    });
    expect(await whole(file)).toEqual(before);
  }, 60_000);
});

describe("the rollback check before the DuckDB working copy is renamed over the database", () => {
  test("passes on Session-Buddy's schema (DESC index, PK, lists, structs, maps, a sequence, a FK child); a rollback that leaves a column fails, the database unchanged", async () => {
    const file = `${fresh("sb")}.duckdb`;
    await makeSessionBuddyReal(file, 120);
    const cfg = sessionBuddyRealConfig(file, { backupDir: fresh("backups") });
    const sqlDir = fresh("sql");
    await generateSql({ system: "session-buddy", database: cfg, outDir: sqlDir });
    const pristine = `${fresh("pristine")}.duckdb`;
    fs.copyFileSync(file, pristine);
    const rollback = `${sqlDir}/${readManifest(sqlDir).rollback[0]}`;
    const good = fs.readFileSync(rollback, "utf8");
    // A rollback that forgets the child's new column.
    const line = good.split("\n").find((l) => /^ALTER TABLE "reflections" DROP COLUMN/.test(l));
    expect(line).toBeDefined();
    fs.writeFileSync(rollback, good.replace(`${line}\n`, ""));
    const failure = await failedApply(cfg, sqlDir, "session-buddy");
    expect(failure.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      "reflections: original rows restored",
      "schema restored: tables, columns, indexes, sequences; nothing of ours left",
    ]);
    expect(failure.message).toContain("the rollback files do not restore the database");
    expect(failure.message).toContain("The changes were made on a working copy, now discarded");
    expect(fs.readFileSync(file).equals(fs.readFileSync(pristine))).toBe(true);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes("ulid-apply-tmp"))).toEqual(
      [],
    );

    fs.writeFileSync(rollback, good);
    const r = await passedApply(cfg, sqlDir, "session-buddy");
    expect(byName(r.checks, "rollback")?.detail).toBe(
      "1 files applied to a copy of the applied working copy",
    );
    expect(byName(r.checks, "sessions: original rows restored")?.detail).toBe("120 rows identical");
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.includes("ulid-apply-tmp"))).toEqual(
      [],
    );
  }, 60_000);
});
