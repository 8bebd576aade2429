// The backfill on databases built the way the services build theirs (sql-fixtures.ts): DuckDB
// sessions with secondary indexes, a PRIMARY KEY, list/struct/map columns, defaults, a sequence and
// a child table; Crackerjack's SQLite with orphaned and NULL child rows; the SQL folder run the way
// a DBA runs one, file by file in name order.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseDatabaseConfig } from "../src/plan/database.ts";
import { copyDatabase, type Db } from "../src/sql/db.ts";
import { exportSql } from "../src/sql/export.ts";
import { generateSql } from "../src/sql/generate.ts";
import { readManifest } from "../src/sql/manifest.ts";
import { applySqlFiles, openForApply } from "../src/sql/run-files.ts";
import { schemaSnapshot, snapshotTable } from "../src/sql/snapshot.ts";
import { verifySql } from "../src/sql/verify.ts";
import { scratch } from "./helpers.ts";
import {
  crackerjackRealConfig,
  fileOf,
  makeCrackerjackReal,
  makeSessionBuddyReal,
  sessionBuddyRealConfig,
} from "./sql-fixtures.ts";

const { fresh } = scratch("ulid-sql-test-");

const failed = (checks: { name: string; ok: boolean }[]) =>
  checks.filter((c) => !c.ok).map((c) => c.name);

/** Schema and every table's rows: what "exactly as before" means. */
async function whole(db: Db): Promise<{ schema: string[]; tables: Record<string, unknown> }> {
  const schema = await schemaSnapshot(db);
  const tables: Record<string, unknown> = {};
  const names = schema.filter((l) => l.startsWith("table ")).map((l) => l.split(/[ :]/)[1] ?? "");
  for (const t of names) tables[t] = await snapshotTable(db, t);
  return { schema, tables };
}

async function duck(file: string, sql: string): Promise<unknown[][]> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

describe("DuckDB: Session-Buddy's sessions with secondary indexes, a PRIMARY KEY, TEXT[]/STRUCT/MAP columns, defaults, a sequence and a child table", () => {
  test("expand, backfill, rollback: the indexes are dropped and recreated around the column drop; afterwards everything is exactly as before", async () => {
    const file = `${fresh("sb")}.duckdb`;
    await makeSessionBuddyReal(file, 500);
    const cfg = sessionBuddyRealConfig(file);
    const outDir = fresh("out");
    const r = await generateSql({ system: "session-buddy", database: cfg, outDir });
    const plan = r.tables[0];
    expect(plan?.children.map((c) => `${c.table}.${c.column}:${c.source}`)).toEqual([
      "session_events.session_id:foreign-key",
      "reflections.session_id:config",
    ]);
    expect(plan?.recreatedIndexes.map((ix) => ix.name)).toEqual([
      "idx_sessions_project",
      "idx_sessions_started",
      "idx_session_events_kind",
    ]);
    const rollback = fs.readFileSync(fileOf(r, "rollback"), "utf8");
    // The header says what happens to each index; the file does it in two transactions.
    expect(rollback).toMatch(
      /^-- indexes and constraints: the first transaction drops UNIQUE INDEX sessions_session_ulid_key ON sessions\(session_ulid\) and idx_sessions_project \(sessions\), idx_sessions_started \(sessions\), idx_session_events_kind \(session_events\) .*recreates .* from their catalog SQL exactly as they were/m,
    );
    const [first, second] = rollback.split(
      "-- next transaction: the columns, and the indexes back",
    );
    expect(first).toContain('DROP INDEX IF EXISTS "idx_sessions_started";');
    expect(first).not.toContain("DROP COLUMN");
    expect(second).toMatch(/DROP COLUMN "session_ulid";\nCREATE INDEX idx_sessions_project/);
    expect(second).toContain("CREATE INDEX idx_sessions_started ON sessions(started_at);");

    const v = await verifySql({ system: "session-buddy", database: cfg, outDir });
    expect(failed(v.checks)).toEqual([]);
    expect(v.checks.map((c) => c.name)).toContain(
      "schema restored: tables, columns, indexes, sequences; nothing of ours left",
    );

    // By hand, file by file: after the rollback, columns (in order), indexes, the sequence, rows.
    const copy = `${fresh("copy")}.duckdb`;
    await copyDatabase("duckdb", file, copy);
    const db = await openForApply("duckdb", copy);
    const before = await whole(db);
    await applySqlFiles(db, r.files);
    const migrated = await whole(db);
    expect(migrated.schema).toContain(
      "index sessions_session_ulid_key on sessions: CREATE UNIQUE INDEX sessions_session_ulid_key ON sessions(session_ulid);",
    );
    await applySqlFiles(db, r.rollbackFiles);
    expect(await whole(db)).toEqual(before);
    db.close();
    // The sequence is part of the comparison (DuckDB persists its position as its start).
    expect(before.schema.filter((l) => l.startsWith("sequence"))).toEqual([
      "sequence session_events_seq: start 502, increment 1, last 502",
    ]);
  });

  test("the contract keeps the indexes that do not cover legacy columns, and recreates them", async () => {
    const file = `${fresh("contract")}.duckdb`;
    const inst = await DuckDBInstance.create(file);
    const conn = await inst.connect();
    // No PRIMARY KEY or FOREIGN KEY on the legacy columns, so the contract can run.
    await conn.run(`
      CREATE TABLE sessions (session_id TEXT, project TEXT NOT NULL, started_at TIMESTAMP NOT NULL, tags TEXT[]);
      CREATE INDEX idx_sessions_project ON sessions(project);
      CREATE INDEX idx_sessions_started ON sessions(started_at DESC);
      CREATE INDEX idx_sessions_id ON sessions(session_id);
      CREATE TABLE reflections (id TEXT, session_id TEXT, content TEXT NOT NULL);
      CREATE INDEX idx_reflections_content ON reflections(content);
      INSERT INTO sessions SELECT 'p-' || i, 'p', TIMESTAMP '2024-03-01' + INTERVAL (i) SECOND, ['x'] FROM range(20) t(i);
      INSERT INTO reflections SELECT 'r' || i, 'p-' || i, 'c' FROM range(10) t(i);
    `);
    conn.closeSync();
    inst.closeSync();
    const cfg = sessionBuddyRealConfig(file);
    const r = await generateSql({ system: "sb", database: cfg, outDir: fresh("out") });
    expect(r.tables[0]?.contractBlockedBy).toEqual([]);
    const copy = `${fresh("copy")}.duckdb`;
    await copyDatabase("duckdb", file, copy);
    const db = await openForApply("duckdb", copy);
    await applySqlFiles(db, r.files);
    await applySqlFiles(db, r.contractFiles);
    const schema = await schemaSnapshot(db);
    db.close();
    expect(schema.filter((l) => l.startsWith("index"))).toEqual([
      'index idx_reflections_content on reflections: CREATE INDEX idx_reflections_content ON reflections("content");',
      "index idx_sessions_project on sessions: CREATE INDEX idx_sessions_project ON sessions(project);",
      "index idx_sessions_started on sessions: CREATE INDEX idx_sessions_started ON sessions(started_at);",
      "index sessions_session_ulid_key on sessions: CREATE UNIQUE INDEX sessions_session_ulid_key ON sessions(session_ulid);",
      "index ulid_migration_map_legacy_id on ulid_migration_map: CREATE INDEX ulid_migration_map_legacy_id ON ulid_migration_map(legacy_id);",
      "index ulid_migration_map_ulid on ulid_migration_map: CREATE INDEX ulid_migration_map_ulid ON ulid_migration_map(ulid);",
    ]);
    expect(schema.find((l) => l.startsWith("table sessions"))).toBe(
      "table sessions: CREATE TABLE sessions(project VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, tags VARCHAR[], session_ulid VARCHAR);",
    );
  });
});

describe("SQLite: Crackerjack's database with what unenforced foreign keys collect", () => {
  test("orphans and NULL children are found and named (table, rowid, value; count and the first few), left exactly as they were; only new violations would fail", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 300, { orphans: 7, nulls: 2 });
    for (const strategy of ["rewrite-in-place", "add-column"] as const) {
      const cfg = crackerjackRealConfig(file, strategy);
      const outDir = fresh("out");
      const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
      const plan = r.tables[0];
      expect(plan?.children).toHaveLength(7);
      const errors = plan?.children.find((c) => c.table === "errors")?.orphans;
      expect(errors?.count).toBe(7);
      expect(errors?.nulls).toBe(2);
      expect(errors?.first).toHaveLength(5);
      const line = r.report.find((l) => l.startsWith("errors.job_id -> jobs.job_id: "));
      expect(line).toMatch(
        /^errors\.job_id -> jobs\.job_id: 7 rows point at no jobs\.job_id \(rowid \d+ "[0-9a-f-]{36}", (rowid \d+ "[0-9a-f-]{36}", ){4}… 2 more\); 2 NULL; left exactly as they are$/,
      );
      expect(fs.readFileSync(fileOf(r, "backfill"), "utf8")).toContain(
        `-- before the migration: ${line}`,
      );
      const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
      expect(failed(v.checks)).toEqual([]);
      expect(
        v.checks.find((c) => c.name === "sqlite foreign_key_check: no new violations"),
      ).toEqual({
        name: "sqlite foreign_key_check: no new violations",
        ok: true,
        detail: "none new; 14 there before the migration, left as they were",
      });
      expect(
        v.checks.find((c) => c.name.startsWith("errors.job_id -> jobs.job_id: rows that pointed")),
      ).toMatchObject({ ok: true, detail: "7 before, 7 after" });

      const copy = `${fresh("copy")}.db`;
      fs.copyFileSync(file, copy);
      const db = await openForApply("sqlite", copy);
      const orphaned = () =>
        db.all(
          "SELECT rowid, job_id FROM errors WHERE job_id IS NULL OR job_id NOT IN (SELECT job_id FROM jobs) ORDER BY rowid",
        );
      const orphansBefore = await orphaned();
      await applySqlFiles(db, r.files);
      expect(await orphaned()).toEqual(orphansBefore);
      db.close();
    }
  });

  test("the references' indexes are dropped around their rewrite and recreated exactly as they were, before the parent's keys change", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 60, { orphans: 2 });
    const cfg = crackerjackRealConfig(file);
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    const rebuilt = (readManifest(r.outDir).tables[0]?.rebuiltIndexes ?? []).map((ix) => ix.name);
    expect(rebuilt).toEqual(
      expect.arrayContaining([
        "idx_errors_job_id",
        "idx_hook_executions_job_id",
        "idx_test_executions_job_id",
      ]),
    );
    // Not the parent's own (its UNIQUE constraint) nor one that does not cover a reference.
    expect(rebuilt).not.toContain("idx_jobs_start_time");
    const backfill = fs.readFileSync(fileOf(r, "backfill"), "utf8");
    expect(backfill).toMatch(
      /^-- indexes and constraints: .*drops idx_errors_job_id \(errors\).* before rewriting the references and recreates them from their own SQL before the parent's keys change/m,
    );
    // Order: dropped, the children rewritten, recreated, then the parent.
    const at = (needle: string) => backfill.indexOf(needle);
    expect(at('DROP INDEX "idx_errors_job_id";')).toBeGreaterThan(-1);
    expect(at('DROP INDEX "idx_errors_job_id";')).toBeLessThan(at('UPDATE "errors"'));
    expect(at('UPDATE "errors"')).toBeLessThan(at("CREATE INDEX idx_errors_job_id"));
    expect(at("CREATE INDEX idx_errors_job_id")).toBeLessThan(at('UPDATE "jobs"'));

    const copy = `${fresh("copy")}.db`;
    fs.copyFileSync(file, copy);
    const db = await openForApply("sqlite", copy);
    const userIndexes = async () =>
      (await schemaSnapshot(db)).filter(
        (l) => l.startsWith("index") && !l.includes(" on ulid_migration_map:"),
      );
    const before = await userIndexes();
    await applySqlFiles(db, r.files);
    expect(await userIndexes()).toEqual(before);
    // Still used for lookups by the (now ULID) references.
    const plan = await db.all(
      "EXPLAIN QUERY PLAN SELECT * FROM errors WHERE job_id = '01ARZ3NDEKTSV4RRFFQ69G5FAV'",
    );
    expect(plan.map((p) => String(p.detail)).join("; ")).toContain("USING INDEX idx_errors_job_id");
    await applySqlFiles(db, r.rollbackFiles);
    expect(await userIndexes()).toEqual(before);
    db.close();
  });

  test("a new violation fails validation, naming the row", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 40, { orphans: 1 });
    const cfg = crackerjackRealConfig(file);
    const outDir = fresh("out");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
    // A backfill that forgets one child table leaves its rows pointing at legacy IDs.
    const bf = fileOf(r, "backfill");
    fs.writeFileSync(
      bf,
      fs.readFileSync(bf, "utf8").replace(/^UPDATE "agent_executions" .*$/m, ""),
    );
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    // Foreign keys are not enforced while the files run; validation compares foreign_key_check.
    expect(failed(v.checks)).toEqual([
      "agent_executions.job_id -> jobs.job_id: child ULID equals parent's",
      "sqlite foreign_key_check: no new violations",
    ]);
    expect(
      v.checks.find((c) => c.name === "sqlite foreign_key_check: no new violations")?.detail,
    ).toMatch(/^8 new: agent_executions rowid 1 -> jobs \(fk 0\), agent_executions rowid 2 /);
  });

  test("orphans: refuse stops generate before anything is written, naming the database, table, column, rows and values", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 20, { orphans: 1 });
    const outDir = fresh("out");
    await generateSql({
      system: "crackerjack",
      database: crackerjackRealConfig(file),
      outDir,
    });
    const before = fs.readdirSync(outDir, { recursive: true }).sort();
    const manifest = fs.readFileSync(path.join(outDir, "manifest.json"));
    await expect(
      generateSql({
        system: "crackerjack",
        database: crackerjackRealConfig(file, "rewrite-in-place", { orphans: "refuse" }),
        outDir,
      }),
    ).rejects.toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(sqlite\\): jobs\\.job_id has references that already point at no jobs row, and the plan says orphans: refuse: errors\\.job_id -> jobs\\.job_id: 1 row points at no jobs\\.job_id \\(rowid \\d+ "[0-9a-f-]{36}"\\); hook_executions\\.job_id -> jobs\\.job_id: 1 row points at no jobs\\.job_id \\(rowid \\d+ "[0-9a-f-]{36}"\\)\\. Nothing was written\\.`,
      ),
    );
    expect(fs.readdirSync(outDir, { recursive: true }).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(outDir, "manifest.json"))).toEqual(manifest);
    // A NULL reference is no orphan: refuse lets it through.
    const nulls = `${fresh("cj")}.db`;
    makeCrackerjackReal(nulls, 20, { nulls: 3 });
    const ok = await generateSql({
      system: "crackerjack",
      database: crackerjackRealConfig(nulls, "rewrite-in-place", { orphans: "refuse" }),
      outDir: fresh("out"),
    });
    expect(ok.tables[0]?.children.find((c) => c.table === "errors")?.orphans?.nulls).toBe(3);
  });

  test("the rollback leaves nothing of ours: no mapping table, no index", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 50, { orphans: 2, nulls: 1 });
    for (const strategy of ["rewrite-in-place", "add-column"] as const) {
      const r = await generateSql({
        system: "crackerjack",
        database: crackerjackRealConfig(file, strategy),
        outDir: fresh("out"),
      });
      const copy = `${fresh("copy")}.db`;
      fs.copyFileSync(file, copy);
      const db = await openForApply("sqlite", copy);
      const before = await whole(db);
      await applySqlFiles(db, r.files);
      expect((await schemaSnapshot(db)).filter((l) => l.includes("ulid"))).not.toEqual([]);
      await applySqlFiles(db, r.rollbackFiles);
      expect(await whole(db)).toEqual(before);
      expect(await db.all("SELECT name FROM sqlite_schema WHERE name LIKE '%ulid%'")).toEqual([]);
      db.close();
    }
  });
});

/**
 * The DBA's habit (Flyway, golang-migrate, dbmate): `for f in DIR/*.sql; do sqlite3 -bail db <
 * "$f" || break; done`, with Python's sqlite3 standing in for the shell (`executescript` stops at
 * the first error; closing without COMMIT rolls the file back). The shell expands the glob.
 */
function dbaLoop(db: string, dir: string): { code: number; stderr: string } {
  const py =
    "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\ntry:\n c.executescript(open(sys.argv[2],encoding='utf-8').read())\nexcept Exception as e:\n sys.exit(sys.argv[2]+': '+str(e))";
  const r = spawnSync(
    "bash",
    ["-c", `for f in "$2"/*.sql; do python3 -c "$1" "$3" "$f" || exit 1; done`, "-", py, dir, db],
    { encoding: "utf8" },
  );
  return { code: r.status ?? -1, stderr: r.stderr };
}

describe("the SQL folder in name order", () => {
  test("apply/ holds exactly the apply sequence in name order, rollback/ the undo sequence; other folders hold nothing a forward glob picks up (property)", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 60, { orphans: 1 });
    const db = new Database(file);
    db.exec(`
      CREATE TABLE runs (id INTEGER PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, created_at INTEGER);
      CREATE TABLE run_steps (id INTEGER PRIMARY KEY, run_id TEXT REFERENCES runs(run_id));
      CREATE TABLE "Audit Log" (id INTEGER PRIMARY KEY, entry_id TEXT, at TEXT);
      WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 25)
        INSERT INTO runs (run_id, created_at) SELECT 'run-' || value, 1710000000 + value FROM n;
      INSERT INTO run_steps (run_id) SELECT run_id FROM runs;
      WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 30)
        INSERT INTO "Audit Log" (entry_id, at) SELECT 'e' || value, '2024-01-01 00:00:0' || (value % 10) FROM n;
    `);
    db.close();
    const tables = [
      { table: "jobs", key: "job_id", time: { column: "start_time" } },
      { table: "runs", key: "run_id", time: { column: "created_at" } },
      { table: "Audit Log", key: "entry_id", time: { column: "at" } },
    ];
    const ls = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).sort() : []);
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(tables, { minLength: 1 }),
        fc.constantFrom(0, 7, 25, 1000),
        fc.constantFrom("rewrite-in-place" as const, "add-column" as const),
        async (chosen, partRows, strategy) => {
          const cfg = parseDatabaseConfig({
            engine: "sqlite",
            path: file,
            salt: "order",
            batchSize: 10,
            partRows,
            tables: chosen.map((t) => ({ ...t, strategy })),
          });
          const outDir = fresh("out");
          await generateSql({ system: "s", database: cfg, outDir });
          const m = readManifest(outDir);
          const names = (files: string[], dir: string) =>
            files.map((f) => {
              expect(path.dirname(f)).toBe(dir);
              return path.basename(f);
            });
          // Byte order (C locale) and the shell's own order agree on these names.
          expect(ls(path.join(outDir, "apply"))).toEqual(names(m.apply, "apply"));
          expect([...names(m.apply, "apply")].sort((a, b) => a.localeCompare(b))).toEqual(
            names(m.apply, "apply"),
          );
          expect(ls(path.join(outDir, "rollback"))).toEqual(names(m.rollback, "rollback"));
          expect(ls(path.join(outDir, "contract"))).toEqual(names(m.contract, "contract"));
          expect(ls(outDir).filter((f) => f.endsWith(".sql"))).toEqual([]);
          // Per table: its data, expand, backfill; tables in plan order.
          const steps = m.apply.map((f) => /_(\d)_(map|expand|backfill)/.exec(f)?.[2]);
          expect(steps.join(" ")).toBe(
            m.tables
              .map((t) => [...t.files.map.map(() => "map"), "expand", "backfill"].join(" "))
              .join(" "),
          );
          expect(m.rollback).toEqual(m.tables.map((t) => t.files.rollback).reverse());
        },
      ),
      { numRuns: 12 },
    );
  });

  test("a DBA's loop over apply/*.sql migrates, over rollback/*.sql undoes exactly; without the mapping data the first expand stops before any change", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 120, { orphans: 2, nulls: 1 });
    const cfg = crackerjackRealConfig(file, "rewrite-in-place", {}, { partRows: 50 });
    const outDir = fresh("out");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
    expect(r.dataFiles).toHaveLength(3);
    const copy = `${fresh("copy")}.db`;
    fs.copyFileSync(file, copy);
    const state = async () => {
      const db = await openForApply("sqlite", copy);
      try {
        return await whole(db);
      } finally {
        db.close();
      }
    };
    const before = await state();
    expect(dbaLoop(copy, path.join(outDir, "apply"))).toEqual({ code: 0, stderr: "" });
    const c = new Database(copy, { readonly: true });
    expect(c.prepare("SELECT COUNT(*) FROM jobs WHERE length(job_id) = 26").pluck().get()).toBe(
      120,
    );
    c.close();
    expect(dbaLoop(copy, path.join(outDir, "rollback"))).toEqual({ code: 0, stderr: "" });
    expect(await state()).toEqual(before);

    // The committed folder (no data files): the loop stops at the first expand, nothing changed.
    for (const d of r.dataFiles) fs.rmSync(d);
    const res = dbaLoop(copy, path.join(outDir, "apply"));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /0001_jobs_2_expand\.sql: CHECK constraint failed: ulid-codemod guard failed/,
    );
    expect(await state()).toEqual(before);
  });
});

describe("sql export: the mapping data regenerated from the database, checked against the committed manifest", () => {
  test("writes the data next to the reviewed files (same bytes as generate) or a whole runnable folder; refuses when the database changed", async () => {
    const file = `${fresh("sb")}.duckdb`;
    await makeSessionBuddyReal(file, 300);
    const cfg = sessionBuddyRealConfig(file, { partRows: 120 });
    const sqlDir = fresh("committed");
    const r = await generateSql({ system: "session-buddy", database: cfg, outDir: sqlDir });
    const data = r.dataFiles.map((f) => fs.readFileSync(f));
    // What a clone of the branch has: everything but the data.
    for (const f of r.dataFiles) fs.rmSync(f);
    expect((await verifySql({ system: "session-buddy", database: cfg, outDir: sqlDir })).ok).toBe(
      false,
    );
    const e = await exportSql({ system: "session-buddy", database: cfg, sqlDir });
    expect(e.written).toEqual(r.dataFiles);
    expect(r.dataFiles.map((f) => fs.readFileSync(f))).toEqual(data);
    expect(e.rows).toBe(300);
    expect((await verifySql({ system: "session-buddy", database: cfg, outDir: sqlDir })).ok).toBe(
      true,
    );

    const elsewhere = fresh("runnable");
    const full = await exportSql({
      system: "session-buddy",
      database: cfg,
      sqlDir,
      outDir: elsewhere,
    });
    expect(full.written.map((f) => path.relative(elsewhere, f)).sort()).toEqual(
      [
        ".gitignore",
        "README.md",
        "manifest.json",
        ...readManifest(sqlDir).apply,
        ...readManifest(sqlDir).rollback,
        ...readManifest(sqlDir).contract,
      ].sort(),
    );

    // The service wrote a session since: the mapping would differ from the reviewed one.
    await duck(
      file,
      "INSERT INTO sessions (session_id, project, started_at) VALUES ('late-20240401-000000', 'late', TIMESTAMP '2024-04-01')",
    );
    const out = fresh("refused");
    await expect(
      exportSql({ system: "session-buddy", database: cfg, sqlDir, outDir: out }),
    ).rejects.toThrow(
      /the mapping data this database gives now is not what .* was generated and reviewed with: sessions: 300 rows then, 301 now; sessions: mapping sha256 [0-9a-f]{64} then, [0-9a-f]{64} now\. Nothing was written\./,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test("refuses reviewed files that differ from what the database generates (edited by hand)", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 30);
    const cfg = crackerjackRealConfig(file);
    const sqlDir = fresh("committed");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: sqlDir });
    fs.appendFileSync(fileOf(r, "backfill"), "-- reviewed and tweaked\n");
    await expect(exportSql({ system: "crackerjack", database: cfg, sqlDir })).rejects.toThrow(
      /reviewed files differ from what it generates: apply\/0001_jobs_3_backfill\.sql\. Nothing was written/,
    );
  });
});
