import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { decodeTime } from "ulid";
import { describe, expect, test } from "vitest";
import { SqlFileError } from "../src/errors.ts";
import { copyDatabase } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { applySqlFiles, openForApply } from "../src/sql/run-files.ts";
import { snapshotTable } from "../src/sql/snapshot.ts";
import { verifySql } from "../src/sql/verify.ts";
import { scratch } from "./helpers.ts";
import { crackerjackConfig, fileOf, makeCrackerjack } from "./sql-fixtures.ts";

const { dir, fresh } = scratch("ulid-sql-test-");

function buildDb(n: number, opts: Parameters<typeof makeCrackerjack>[2] = {}): string {
  const file = `${fresh("cj")}.db`;
  makeCrackerjack(file, n, opts);
  return file;
}

async function applyToCopy(dbPath: string, files: string[]): Promise<string> {
  const copy = `${fresh("copy")}.db`;
  await copyDatabase("sqlite", dbPath, copy);
  const db = await openForApply("sqlite", copy);
  try {
    await applySqlFiles(db, files);
  } finally {
    db.close();
  }
  return copy;
}

function failed(checks: { name: string; ok: boolean }[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.name);
}

describe.each(["rewrite-in-place", "add-column"] as const)("Crackerjack shape, %s", (strategy) => {
  test.each([0, 1, 10_000])("%i rows: generate, then verify passes", async (n) => {
    const dbPath = buildDb(n);
    const cfg = crackerjackConfig(dbPath, strategy, { batchSize: 500 });
    const outDir = fresh("out");
    const r = await generateSql({
      system: "crackerjack",
      database: cfg,
      outDir,
      toolVersion: "9.9.9",
    });
    expect(r.tables[0]?.rowCount).toBe(n);
    expect(r.tables[0]?.children.map((c) => c.table).sort()).toEqual([
      "errors",
      "hook_executions",
      "test_executions",
    ]);
    expect(r.files.map((f) => path.relative(outDir, f))).toEqual([
      "apply/0001_jobs_1_map.sql",
      "apply/0001_jobs_2_expand.sql",
      "apply/0001_jobs_3_backfill.sql",
    ]);
    expect(r.dataFiles).toEqual([r.files[0]]);
    const backfill = fs.readFileSync(fileOf(r, "backfill"), "utf8");
    expect(backfill).toContain(`rows: ${n}`);
    expect(backfill).toContain("salt: test-salt-crackerjack");
    expect(backfill).toMatch(/sha256 of .*: [0-9a-f]{64}/);
    expect(backfill).toContain("ulid-codemod 9.9.9");
    expect(backfill).toMatch(/^BEGIN IMMEDIATE;$/m);
    expect(backfill).toMatch(/^COMMIT;$/m);
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(failed(v.checks)).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checks.map((c) => c.name)).toContain("jobs: original rows restored");
    // Generation only read the database.
    expect(
      fs.readdirSync(path.dirname(dbPath)).filter((f) => f.startsWith(path.basename(dbPath))),
    ).toEqual([path.basename(dbPath)]);
  });
});

describe("rewrite-in-place result", () => {
  test("every job_id becomes a ULID whose time is start_time and whose order follows history; children follow", async () => {
    const dbPath = buildDb(300);
    const cfg = crackerjackConfig(dbPath);
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    const before = new Database(dbPath, { readonly: true });
    const legacy = before.prepare("SELECT id, job_id, start_time FROM jobs ORDER BY id").all() as {
      id: number;
      job_id: string;
      start_time: string;
    }[];
    const errorsBefore = before
      .prepare("SELECT e.id, j.id AS job FROM errors e JOIN jobs j USING (job_id) ORDER BY e.id")
      .all();
    before.close();
    const copy = await applyToCopy(dbPath, r.files);
    const db = new Database(copy);
    db.pragma("foreign_keys = ON");
    // The seed's own check.
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE LENGTH(job_id) != 26").pluck().get()).toBe(
      0,
    );
    expect(db.pragma("foreign_key_check")).toEqual([]);
    const after = db.prepare("SELECT id, job_id FROM jobs ORDER BY id").all() as {
      id: number;
      job_id: string;
    }[];
    for (const [i, row] of after.entries()) {
      expect(decodeTime(row.job_id)).toBe(
        Date.parse(`${legacy[i]?.start_time.replace(" ", "T")}Z`),
      );
    }
    // Sorted by ULID = sorted by (start_time, id): the fixture has 3 jobs per second, inserted in order.
    expect([...after].sort((a, b) => (a.job_id < b.job_id ? -1 : 1)).map((r) => r.id)).toEqual(
      after.map((r) => r.id),
    );
    expect(new Set(after.map((r) => r.job_id)).size).toBe(300);
    expect(
      db
        .prepare("SELECT e.id, j.id AS job FROM errors e JOIN jobs j USING (job_id) ORDER BY e.id")
        .all(),
    ).toEqual(errorsBefore);
    const map = db
      .prepare("SELECT legacy_id, ulid FROM ulid_migration_map WHERE table_name = 'jobs'")
      .all() as {
      legacy_id: string;
      ulid: string;
    }[];
    expect(new Map(map.map((m) => [m.legacy_id, m.ulid])).get(legacy[0]?.job_id as string)).toBe(
      after[0]?.job_id,
    );
    db.close();
  });
});

describe("determinism", () => {
  test("generating twice gives byte-identical files; another salt changes the ULIDs", async () => {
    const dbPath = buildDb(500);
    const cfg = crackerjackConfig(dbPath, "add-column");
    const a = await generateSql({
      system: "crackerjack",
      database: cfg,
      outDir: fresh("a"),
      toolVersion: "1",
    });
    const b = await generateSql({
      system: "crackerjack",
      database: cfg,
      outDir: fresh("b"),
      toolVersion: "1",
    });
    const all = (r: typeof a) => [
      ...r.files,
      ...r.rollbackFiles,
      ...r.contractFiles,
      r.manifestPath,
    ];
    expect(all(a).map((f) => fs.readFileSync(f, "utf8"))).toEqual(
      all(b).map((f) => fs.readFileSync(f, "utf8")),
    );
    const c = await generateSql({
      system: "crackerjack",
      database: { ...cfg, salt: "other" },
      outDir: fresh("c"),
      toolVersion: "1",
    });
    const ulids = (f: string) => fs.readFileSync(f, "utf8").match(/'0[0-7][0-9A-Z]{24}'/g);
    expect(ulids(fileOf(c, "map"))).not.toEqual(ulids(fileOf(a, "map")));
    expect(ulids(fileOf(c, "map"))?.length).toBe(500);
  });
});

describe("guards and failures leave the database unchanged", () => {
  test("a row count that differs from generation aborts the backfill; nothing changes", async () => {
    const dbPath = buildDb(50);
    const cfg = crackerjackConfig(dbPath);
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    const copy = `${fresh("copy")}.db`;
    await copyDatabase("sqlite", dbPath, copy);
    const raw = new Database(copy);
    raw
      .prepare(
        "INSERT INTO jobs (job_id, start_time) VALUES ('late-arrival', '2025-01-01 00:00:00')",
      )
      .run();
    raw.close();
    const db = await openForApply("sqlite", copy);
    const jobsBefore = await snapshotTable(db, "jobs");
    const errorsBefore = await snapshotTable(db, "errors");
    // The first file's first guard, with what it counted.
    await expect(applySqlFiles(db, r.files)).rejects.toThrow(
      /0001_jobs_1_map\.sql: ulid-codemod guard failed: row count of jobs is 51, expected 50$/,
    );
    expect(await snapshotTable(db, "jobs")).toEqual(jobsBefore);
    expect(await snapshotTable(db, "errors")).toEqual(errorsBefore);
    const tables = await db.all("SELECT name FROM sqlite_schema WHERE name = 'ulid_migration_map'");
    expect(tables).toEqual([]);
    db.close();
  });

  test("a failing statement mid-file rolls the whole file back", async () => {
    const dbPath = buildDb(20);
    const cfg = crackerjackConfig(dbPath);
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    const backfill = fileOf(r, "backfill");
    // A statement after the child updates that fails: the children must not stay rewritten.
    fs.writeFileSync(
      backfill,
      fs
        .readFileSync(backfill, "utf8")
        .replace(/^COMMIT;$/m, "SELECT * FROM no_such_table;\nCOMMIT;"),
    );
    const copy = `${fresh("copy")}.db`;
    await copyDatabase("sqlite", dbPath, copy);
    const db = await openForApply("sqlite", copy);
    await applySqlFiles(db, r.files.slice(0, 2));
    const before = await snapshotTable(db, "hook_executions");
    const err = await applySqlFiles(db, [backfill]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlFileError);
    expect(String(err)).toMatch(/no_such_table/);
    expect(await snapshotTable(db, "hook_executions")).toEqual(before);
    expect(await db.all("SELECT COUNT(*) AS n FROM jobs WHERE length(job_id) = 26")).toEqual([
      { n: 0 },
    ]);
    db.close();
  });

  test("the add-column contract cannot drop constrained legacy columns on SQLite: reported, and it fails whole", async () => {
    const dbPath = buildDb(30);
    const cfg = crackerjackConfig(dbPath, "add-column");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    expect(r.report.join("\n")).toMatch(/contract step cannot .*jobs\.job_id is UNIQUE/);
    const copy = await applyToCopy(dbPath, r.files);
    const db = await openForApply("sqlite", copy);
    const jobs = await snapshotTable(db, "jobs");
    const tests = await snapshotTable(db, "test_executions");
    await expect(applySqlFiles(db, r.contractFiles)).rejects.toThrow(
      /0001_jobs_contract\.sql: no such table: contract blocked: errors\.job_id has a FOREIGN KEY/,
    );
    expect(await snapshotTable(db, "jobs")).toEqual(jobs);
    expect(await snapshotTable(db, "test_executions")).toEqual(tests);
    db.close();
  });
});

describe("verify catches corrupted files", () => {
  const setup = async () => {
    const dbPath = buildDb(40);
    const cfg = crackerjackConfig(dbPath);
    const outDir = fresh("out");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
    return { cfg, outDir, r };
  };

  test("a malformed ULID", async () => {
    const { cfg, outDir, r } = await setup();
    const f = fileOf(r, "map");
    fs.writeFileSync(
      f,
      fs.readFileSync(f, "utf8").replace(/'(0[0-7][0-9A-Z]{23})[0-9A-Z]'\)/, "'$1')"),
    );
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(v.ok).toBe(false);
    expect(failed(v.checks)).toContain("jobs.job_id: 26-char Crockford base32");
  });

  test("a duplicated ULID", async () => {
    const { cfg, outDir, r } = await setup();
    const f = fileOf(r, "map");
    const text = fs.readFileSync(f, "utf8");
    const ids = text.match(/'0[0-7][0-9A-Z]{24}'/g) as string[];
    fs.writeFileSync(f, text.replace(ids[1] as string, ids[0] as string));
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(v.ok).toBe(false);
    expect(failed(v.checks)).toEqual(["apply"]);
    expect(v.checks.find((c) => c.name === "apply")?.detail).toMatch(
      /0001_jobs_1_map\.sql: UNIQUE constraint failed: ulid_migration_map\.table_name, ulid_migration_map\.ulid/,
    );
  });

  test("a rollback that forgets a child table", async () => {
    const { cfg, outDir, r } = await setup();
    const f = r.rollbackFiles[0] as string;
    fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(/^UPDATE "errors" .*$/m, ""));
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    // The children left with ULIDs are not the rows the database had.
    expect(failed(v.checks)).toEqual(["errors: original rows restored"]);
  });

  test("a rollback that leaves an added column behind", async () => {
    const dbPath = buildDb(40);
    const cfg = crackerjackConfig(dbPath, "add-column");
    const outDir = fresh("out");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
    const f = r.rollbackFiles[0] as string;
    fs.writeFileSync(
      f,
      fs.readFileSync(f, "utf8").replace(/^ALTER TABLE "errors" DROP COLUMN .*$/m, ""),
    );
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(failed(v.checks)).toEqual([
      "errors: original rows restored",
      "schema restored: tables, columns, indexes, sequences; nothing of ours left",
    ]);
    expect(v.checks.find((c) => !c.ok)?.detail).toMatch(
      /\[id, job_id, message\] -> \[id, job_id, message, job_ulid\]/,
    );
    expect(v.checks.find((c) => c.name.startsWith("schema"))?.detail).toMatch(
      /left behind: table errors on errors: CREATE TABLE errors .*"job_ulid" TEXT\)/,
    );
  });

  test("files generated from another config", async () => {
    const { cfg, outDir } = await setup();
    const v = await verifySql({
      system: "crackerjack",
      database: { ...cfg, salt: "rotated" },
      outDir,
    });
    expect(v.checks).toEqual([
      {
        name: "files",
        ok: false,
        detail:
          "files were generated from another config (salt or tables differ); run generate again",
      },
    ]);
  });

  test("files generated against another database", async () => {
    const { cfg, outDir } = await setup();
    const v = await verifySql({
      system: "crackerjack",
      database: { ...cfg, path: buildDb(41) },
      outDir,
    });
    expect(failed(v.checks)).toEqual(["apply"]);
    expect(v.checks.find((c) => c.name === "apply")?.detail).toMatch(/guard failed/);
  });

  test("missing files", async () => {
    const { cfg, outDir, r } = await setup();
    fs.rmSync(r.rollbackFiles[0] as string);
    const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(v.checks).toEqual([
      { name: "files", ok: false, detail: "missing: rollback/0001_jobs_rollback.sql" },
    ]);
    fs.rmSync(fileOf(r, "map"));
    fs.writeFileSync(fileOf(r, "rollback"), "");
    const noData = await verifySql({ system: "crackerjack", database: cfg, outDir });
    expect(noData.checks[0]?.detail).toBe(
      "mapping data not here (it is not committed): apply/0001_jobs_1_map.sql; `ulid-codemod sql export --system crackerjack` writes it",
    );
    const salted = await verifySql({
      system: "crackerjack",
      database: { ...cfg, salt: "new" },
      outDir,
    });
    expect(salted.checks[0]?.detail).toMatch(/missing|another config|mapping data/);
    const none = await verifySql({ system: "crackerjack", database: cfg, outDir: fresh("empty") });
    expect(none.checks[0]?.detail).toMatch(/run `ulid-codemod sql generate` first/);
  });
});

describe("legacy values and times", () => {
  const nasty = [
    "it's",
    "'); DROP TABLE jobs; --",
    "back\\slash",
    "new\nline",
    "nul\u0000byte",
    "ünïcödé-😀",
    "\ufeffbom",
    "\\x00",
  ];

  test.each(["rewrite-in-place", "add-column"] as const)(
    "IDs with quotes, backslashes, newlines, NUL and unicode round-trip (%s)",
    async (strategy) => {
      const dbPath = buildDb(nasty.length, { ids: (i) => nasty[i] as string });
      const cfg = crackerjackConfig(dbPath, strategy);
      const outDir = fresh("out");
      const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
      const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
      expect(failed(v.checks)).toEqual([]);
      const copy = await applyToCopy(dbPath, r.files);
      const db = new Database(copy, { readonly: true });
      const map = db
        .prepare("SELECT legacy_id FROM ulid_migration_map ORDER BY ulid")
        .pluck()
        .all();
      expect(map).toEqual(nasty);
      expect(db.prepare("SELECT COUNT(*) FROM jobs").pluck().get()).toBe(nasty.length);
      db.close();
    },
  );

  test("rows without a usable time are reported and take the nearest earlier row's time", async () => {
    const times: unknown[] = [
      null,
      "2024-01-01 10:00:00",
      "garbage",
      1_704_103_260,
      "2024-01-01T11:02:00+01:00",
      0,
    ];
    const dbPath = buildDb(times.length, { times: (i) => times[i] });
    const cfg = crackerjackConfig(dbPath);
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    const report = r.report.filter((l) => l.includes("no usable time"));
    expect(report).toHaveLength(3);
    expect(report[0]).toMatch(/rowid 1 .*time is NULL; using the time of the nearest later row/);
    expect(report[1]).toMatch(
      /rowid 3 .*unrecognised time text: "garbage"; using the time of the nearest earlier row \(rowid 2\)/,
    );
    expect(report[2]).toMatch(/rowid 6 .*1970.*nearest earlier row \(rowid 5\)/);
    expect(r.tables[0]?.rowsWithoutTime).toBe(3);
    const copy = await applyToCopy(dbPath, r.files);
    const db = new Database(copy, { readonly: true });
    const got = (db.prepare("SELECT job_id FROM jobs ORDER BY id").pluck().all() as string[]).map(
      decodeTime,
    );
    const t10 = Date.UTC(2024, 0, 1, 10);
    expect(got).toEqual([t10, t10, t10, t10 + 60_000, t10 + 120_000, t10 + 120_000]);
    db.close();
  });

  test("rows out of time order get ULIDs in time order (ties keep rowid order)", async () => {
    // Descending times, with a tie: rowid order is not time order, so the work table is sorted.
    const times = [
      "2024-01-03 00:00:00",
      "2024-01-02 00:00:00",
      "2024-01-02 00:00:00",
      "2024-01-01 00:00:00",
    ];
    const dbPath = buildDb(times.length, { times: (i) => times[i] });
    const r = await generateSql({
      system: "crackerjack",
      database: crackerjackConfig(dbPath),
      outDir: fresh("out"),
    });
    const copy = await applyToCopy(dbPath, r.files);
    const db = new Database(copy, { readonly: true });
    const ids = db.prepare("SELECT job_id FROM jobs ORDER BY id").pluck().all() as string[];
    db.close();
    expect(ids.map(decodeTime)).toEqual(times.map((t) => Date.parse(`${t.replace(" ", "T")}Z`)));
    // Sorting the ULIDs gives time order; within the tie, rowid 2 before rowid 3.
    expect([...ids].sort()).toEqual([ids[3], ids[1], ids[2], ids[0]]);
  });

  test("a table with no usable time at all is refused, and earlier output stays", async () => {
    const good = buildDb(3);
    const outDir = fresh("out");
    await generateSql({ system: "crackerjack", database: crackerjackConfig(good), outDir });
    const before = fs.readdirSync(outDir).sort();
    const dbPath = buildDb(3, { times: () => "n/a" });
    await expect(
      generateSql({ system: "crackerjack", database: crackerjackConfig(dbPath), outDir }),
    ).rejects.toThrow(/jobs: none of its 3 rows has a usable time from column start_time/);
    expect(fs.readdirSync(outDir).sort()).toEqual(before);
  });
});

describe("references and configuration errors", () => {
  test("declared FKs, configured references, missing ones and likely ones", async () => {
    const dbPath = buildDb(10);
    const cfg = crackerjackConfig(dbPath);
    const t = cfg.tables[0] as (typeof cfg.tables)[number];
    t.references = [
      { table: "job_notes", column: "job_id" },
      { table: "gone", column: "job_id" },
    ];
    const outDir = fresh("out");
    const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
    expect(r.tables[0]?.children.map((c) => `${c.table}:${c.source}`)).toEqual([
      "errors:foreign-key",
      "hook_executions:foreign-key",
      "test_executions:foreign-key",
      "job_notes:config",
    ]);
    expect(r.report).toContainEqual(
      expect.stringMatching(/configured reference gone\.job_id does not exist .*; skipped/),
    );
    expect(r.tables[0]?.undeclaredReferences).toEqual([]);
    expect((await verifySql({ system: "crackerjack", database: cfg, outDir })).ok).toBe(true);

    t.references = [];
    const r2 = await generateSql({ system: "crackerjack", database: cfg, outDir: fresh("out") });
    expect(r2.tables[0]?.undeclaredReferences).toEqual([
      { table: "job_notes", column: "job_id", by: ["name"], sampled: 0, matched: 0 },
    ]);
    expect(r2.report).toContainEqual(
      expect.stringMatching(
        /job_notes\.job_id \(named like jobs\.job_id, no values to sample\) looks like a reference but is not in the plan/,
      ),
    );
  });

  test("missing tables and columns are named", async () => {
    const dbPath = buildDb(1);
    const cfg = crackerjackConfig(dbPath);
    const with_ = (patch: object) =>
      ({ ...cfg, tables: [{ ...(cfg.tables[0] as object), ...patch }] }) as typeof cfg;
    const run = (c: typeof cfg) =>
      generateSql({ system: "crackerjack", database: c, outDir: fresh("out") });
    await expect(run(with_({ table: "nope" }))).rejects.toThrow(
      /table nope not found in .*cj-\d+\.db \(sqlite\)/,
    );
    await expect(run(with_({ key: "uuid" }))).rejects.toThrow(/column jobs\.uuid not found/);
    await expect(run(with_({ time: { column: "created", zone: "UTC" } }))).rejects.toThrow(
      /time column jobs\.created not found/,
    );
    await expect(run({ ...cfg, path: path.join(dir, "absent.db") })).rejects.toThrow(
      /sqlite database not found: .*absent\.db/,
    );
  });

  test("duplicate legacy IDs in a column without a UNIQUE constraint are refused by name", async () => {
    const dbPath = `${fresh("dup")}.db`;
    const db = new Database(dbPath);
    db.exec(
      "CREATE TABLE jobs (id INTEGER PRIMARY KEY, job_id TEXT, start_time TEXT); INSERT INTO jobs (job_id, start_time) VALUES ('a', '2024-01-01 00:00:00'), ('b', '2024-01-01 00:00:00'), ('a', '2024-01-02 00:00:00');",
    );
    db.close();
    await expect(
      generateSql({
        system: "crackerjack",
        database: crackerjackConfig(dbPath),
        outDir: fresh("out"),
      }),
    ).rejects.toThrow(/jobs\.job_id holds "a" more than once/);
  });
});

test("large tables split into numbered part files that load the map; the backfill comes last", async () => {
  const dbPath = buildDb(1000);
  const cfg = crackerjackConfig(dbPath, "rewrite-in-place", { partRows: 300, batchSize: 64 });
  const outDir = fresh("out");
  const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
  expect(r.files.map((f) => path.basename(f))).toEqual([
    "0001_jobs_1_map_part0001.sql",
    "0001_jobs_1_map_part0002.sql",
    "0001_jobs_1_map_part0003.sql",
    "0001_jobs_1_map_part0004.sql",
    "0001_jobs_2_expand.sql",
    "0001_jobs_3_backfill.sql",
  ]);
  expect(r.dataFiles).toEqual(r.files.slice(0, 4));
  const part = fs.readFileSync(r.files[1] as string, "utf8");
  expect(part.match(/^INSERT INTO "ulid_migration_map"/gm)).toHaveLength(Math.ceil(300 / 64));
  expect(part).not.toMatch(/^UPDATE/m);
  const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
  expect(failed(v.checks)).toEqual([]);
  // Regenerating without parts removes the stale part files.
  const r2 = await generateSql({
    system: "crackerjack",
    database: { ...cfg, partRows: 0 },
    outDir,
  });
  expect(fs.readdirSync(path.join(outDir, "apply"))).toEqual([
    "0001_jobs_1_map.sql",
    "0001_jobs_2_expand.sql",
    "0001_jobs_3_backfill.sql",
  ]);
  expect(r2.files).toHaveLength(3);
});

test("the scratch copy keeps rowids and what is still in the WAL", async () => {
  const file = `${fresh("wal")}.db`;
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec(
    "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE v = 'b';",
  );
  // Still open: the rows live in the -wal file, not yet checkpointed into the main file.
  const copy = `${fresh("copy")}.db`;
  await copyDatabase("sqlite", file, copy);
  db.close();
  const c = new Database(copy, { readonly: true });
  expect(c.prepare("SELECT rowid, v FROM t ORDER BY rowid").raw(true).all()).toEqual([
    [1, "a"],
    [3, "c"],
  ]);
  c.close();
});

// The reviewer's route: the sqlite3 shell. Skipped where the shell is not installed.
const hasShell = spawnSync("sqlite3", ["-version"]).status === 0;
test.skipIf(!hasShell)(
  "files apply with `sqlite3 -bail`, and its guard stops a changed database",
  async () => {
    const ids = (i: number) => (i === 3 ? "it's\nnul\u0000x" : `id-${i}`);
    const dbPath = buildDb(20, { ids });
    const r = await generateSql({
      system: "crackerjack",
      database: crackerjackConfig(dbPath),
      outDir: fresh("out"),
    });
    const shell = (db: string, file: string) =>
      spawnSync("sqlite3", ["-bail", "-cmd", "PRAGMA foreign_keys=ON", db], {
        input: fs.readFileSync(file),
      });
    const copy = `${fresh("copy")}.db`;
    fs.copyFileSync(dbPath, copy);
    for (const f of r.files) expect(shell(copy, f).status).toBe(0);
    const db = new Database(copy);
    expect(db.prepare("SELECT COUNT(*) FROM jobs WHERE LENGTH(job_id) != 26").pluck().get()).toBe(
      0,
    );
    expect(
      db
        .prepare("SELECT legacy_id FROM ulid_migration_map WHERE legacy_id LIKE 'it%'")
        .pluck()
        .get(),
    ).toBe(ids(3));
    db.close();
    expect(shell(copy, r.rollbackFiles[0] as string).status).toBe(0);
    const back = new Database(copy, { readonly: true });
    expect(back.prepare("SELECT job_id FROM jobs ORDER BY id").pluck().all()).toEqual(
      Array.from({ length: 20 }, (_, i) => ids(i)),
    );
    back.close();

    const changed = `${fresh("changed")}.db`;
    fs.copyFileSync(dbPath, changed);
    const w = new Database(changed);
    w.prepare("INSERT INTO jobs (job_id, start_time) VALUES ('new', '2025-01-01 00:00:00')").run();
    w.close();
    const res = shell(changed, r.files[0] as string);
    expect(res.status).not.toBe(0);
    expect(String(res.stderr)).toContain("ulid-codemod guard failed");
    // The shell stops at the CHECK; the statement before it, on that line, names the count.
    expect(String(res.stderr)).toMatch(/near line \d+/);
    const after = new Database(changed, { readonly: true });
    expect(
      after.prepare("SELECT name FROM sqlite_schema WHERE name = 'ulid_migration_map'").all(),
    ).toEqual([]);
    after.close();
  },
);

test("several tables in one system: shared map, apply in config order, roll back in reverse", async () => {
  const dbPath = buildDb(30);
  const db = new Database(dbPath);
  db.exec(`
    CREATE TABLE runs (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, created_at INTEGER);
    CREATE TABLE run_steps (id INTEGER PRIMARY KEY, run_id TEXT REFERENCES runs(run_id), step TEXT);
  `);
  const run = db.prepare("INSERT INTO runs (run_id, created_at) VALUES (?, ?)");
  const step = db.prepare("INSERT INTO run_steps (run_id, step) VALUES (?, ?)");
  for (let i = 0; i < 12; i++) {
    run.run(`run-${i}`, 1_710_000_000 + i);
    step.run(`run-${i}`, "lint");
  }
  db.close();
  const base = crackerjackConfig(dbPath);
  const cfg = {
    ...base,
    tables: [
      ...base.tables,
      {
        table: "runs",
        key: "run_id",
        strategy: "add-column" as const,
        time: { column: "created_at", zone: "UTC" },
        references: [],
        ignoreReferences: [],
        orphans: "keep" as const,
      },
    ],
  };
  const outDir = fresh("out");
  const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
  expect(r.files.map((f) => path.relative(outDir, f))).toEqual([
    "apply/0001_jobs_1_map.sql",
    "apply/0001_jobs_2_expand.sql",
    "apply/0001_jobs_3_backfill.sql",
    "apply/0002_runs_1_map.sql",
    "apply/0002_runs_2_expand.sql",
    "apply/0002_runs_3_backfill.sql",
  ]);
  // Each folder runs in name order: apply forwards, rollback tables in reverse.
  expect(r.rollbackFiles.map((f) => path.relative(outDir, f))).toEqual([
    "rollback/0001_runs_rollback.sql",
    "rollback/0002_jobs_rollback.sql",
  ]);
  expect(r.tables[1]?.children.map((c) => `${c.table}.${c.ulidColumn}`)).toEqual([
    "run_steps.run_ulid",
  ]);
  const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
  expect(failed(v.checks)).toEqual([]);
  expect(v.checks.map((c) => c.name)).toContain("run_steps: original rows restored");
  const copy = await applyToCopy(dbPath, r.files);
  const c = new Database(copy, { readonly: true });
  const ulids = c.prepare("SELECT run_ulid FROM runs ORDER BY id").pluck().all() as string[];
  expect(ulids.map(decodeTime)).toEqual(
    Array.from({ length: 12 }, (_, i) => (1_710_000_000 + i) * 1000),
  );
  // The last rollback file drops the map with its table's rows in it: run out of order, while
  // runs' rows are still there, its guard stops it whole.
  const state = (d: Database.Database) => ({
    map: d
      .prepare(`SELECT "table_name", COUNT(*) AS n FROM "ulid_migration_map" GROUP BY 1 ORDER BY 1`)
      .all(),
    jobs: d.prepare("SELECT * FROM jobs ORDER BY rowid").all(),
    runs: d.prepare("SELECT * FROM runs ORDER BY rowid").all(),
  });
  const applied = state(c);
  expect(applied.map).toEqual([
    { table_name: "jobs", n: 30 },
    { table_name: "runs", n: 12 },
  ]);
  c.close();
  const undo = await openForApply("sqlite", copy);
  try {
    await expect(applySqlFiles(undo, [r.rollbackFiles[1] as string])).rejects.toThrow(
      /0002_jobs_rollback\.sql.*rows of ulid_migration_map other tables still need .* is 12, expected 0/s,
    );
  } finally {
    undo.close();
  }
  const after = new Database(copy, { readonly: true });
  expect(state(after)).toEqual(applied);
  after.close();
});

test("applying the files twice stops at the first one's guard and changes nothing the second time", async () => {
  const dbPath = buildDb(15);
  const r = await generateSql({
    system: "crackerjack",
    database: crackerjackConfig(dbPath),
    outDir: fresh("out"),
  });
  const copy = await applyToCopy(dbPath, r.files);
  const db = await openForApply("sqlite", copy);
  const jobs = await snapshotTable(db, "jobs");
  const map = await snapshotTable(db, "ulid_migration_map");
  await expect(applySqlFiles(db, r.files)).rejects.toThrow(
    /0001_jobs_1_map\.sql: ulid-codemod guard failed: mapping rows for jobs before apply\/0001_jobs_1_map\.sql \(each data file loads once, in name order\) is 15, expected 0/,
  );
  expect(await snapshotTable(db, "jobs")).toEqual(jobs);
  expect(await snapshotTable(db, "ulid_migration_map")).toEqual(map);
  db.close();
});

test("a legacy ID longer than the write buffer round-trips", async () => {
  const long = `${"é".repeat(200_000)}'${"x".repeat(200_000)}`;
  const dbPath = buildDb(3, { ids: (i) => (i === 1 ? long : `id-${i}`) });
  const cfg = crackerjackConfig(dbPath);
  const outDir = fresh("out");
  const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
  expect(
    failed((await verifySql({ system: "crackerjack", database: cfg, outDir })).checks),
  ).toEqual([]);
  const copy = await applyToCopy(dbPath, r.files);
  const db = new Database(copy, { readonly: true });
  expect(
    db
      .prepare("SELECT legacy_id FROM ulid_migration_map WHERE length(legacy_id) > 100")
      .pluck()
      .get(),
  ).toBe(long);
  db.close();
});
