import fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { decodeTime } from "ulid";
import { describe, expect, test } from "vitest";
import { copyDatabase } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { applySqlFiles, applyToScratchCopy, openForApply } from "../src/sql/run-files.ts";
import { snapshotTable } from "../src/sql/snapshot.ts";
import { verifySql } from "../src/sql/verify.ts";
import { scratch } from "./helpers.ts";
import { fileOf, makeSessionBuddy, sessionBuddyConfig } from "./sql-fixtures.ts";

const { fresh } = scratch("ulid-sql-test-");

async function buildDb(n: number, extraSql: string[] = []): Promise<string> {
  const file = `${fresh("sb")}.duckdb`;
  await makeSessionBuddy(file, n, extraSql);
  return file;
}

/** Runs queries against a DuckDB file and closes it again. */
async function query(file: string, sql: string): Promise<unknown[][]> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

const failed = (checks: { name: string; ok: boolean }[]) =>
  checks.filter((c) => !c.ok).map((c) => c.name);

describe("Session-Buddy shape (DuckDB, add-column)", () => {
  test.each([0, 1, 10_000])("%i rows: generate, then verify passes", async (n) => {
    const dbPath = await buildDb(n);
    const cfg = sessionBuddyConfig(dbPath, { batchSize: 500 });
    const outDir = fresh("out");
    const r = await generateSql({ system: "session-buddy", database: cfg, outDir });
    expect(r.tables[0]?.rowCount).toBe(n);
    expect(r.tables[0]?.children.map((c) => `${c.table}.${c.ulidColumn}:${c.source}`)).toEqual([
      "reflections.session_ulid:config",
      "conversations.session_ulid:config",
    ]);
    const backfill = fs.readFileSync(fileOf(r, "backfill"), "utf8");
    expect(backfill).toMatch(/^BEGIN TRANSACTION;$/m);
    expect(backfill).toContain(`error('ulid-codemod guard failed: '`);
    const v = await verifySql({ system: "session-buddy", database: cfg, outDir });
    expect(failed(v.checks)).toEqual([]);
    expect(v.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "sessions: original rows restored",
        "conversations: original rows restored",
      ]),
    );
  });

  test("ULID time comes from the legacy ID; children carry their parent's ULID; orphans stay NULL", async () => {
    const dbPath = await buildDb(200);
    const cfg = sessionBuddyConfig(dbPath);
    const r = await generateSql({ system: "session-buddy", database: cfg, outDir: fresh("out") });
    const copy = await applyToScratchCopy({
      engine: "duckdb",
      dbPath,
      scratchDir: fresh("scratch"),
      files: [],
    });
    const db = await openForApply("duckdb", copy);
    await applySqlFiles(db, r.files);
    db.close();
    const rows = (await query(
      copy,
      "SELECT session_id, start_time, session_ulid FROM sessions ORDER BY start_time, rowid",
    )) as [string, Date, string][];
    for (const [id, start, ulid] of rows) {
      expect(decodeTime(ulid), id).toBe(
        Date.parse(`${String(start).replace(" ", "T")}Z`) || (start as Date).getTime(),
      );
    }
    expect(rows.map((r) => r[2])).toEqual(rows.map((r) => r[2]).sort());
    const mismatched = await query(
      copy,
      "SELECT COUNT(*) FROM conversations c JOIN sessions s ON s.session_id = c.session_id WHERE c.session_ulid IS DISTINCT FROM s.session_ulid",
    );
    expect(Number(mismatched[0]?.[0])).toBe(0);
    const orphan = await query(copy, "SELECT session_ulid FROM conversations WHERE id = -1");
    expect(orphan).toEqual([[null]]);
    // The unique index is real: a duplicate ULID is refused.
    await expect(
      query(
        copy,
        "UPDATE sessions SET session_ulid = (SELECT MIN(session_ulid) FROM sessions) WHERE session_id = (SELECT MAX(session_id) FROM sessions)",
      ),
    ).rejects.toThrow(/[Dd]uplicate key|constraint/);
  });

  test("a TIMESTAMP time column gives the same ULIDs as the legacy-ID pattern", async () => {
    const dbPath = await buildDb(50);
    const fromKey = sessionBuddyConfig(dbPath);
    const fromColumn = sessionBuddyConfig(dbPath);
    (fromColumn.tables[0] as (typeof fromColumn.tables)[number]).time = {
      column: "start_time",
      zone: "UTC",
    };
    const a = await generateSql({ system: "sb", database: fromKey, outDir: fresh("a") });
    const b = await generateSql({ system: "sb", database: fromColumn, outDir: fresh("b") });
    const ulids = (f: string) => fs.readFileSync(f, "utf8").match(/\t0[0-7][0-9A-Z]{24}/g);
    expect(ulids(fileOf(b, "map"))).toEqual(ulids(fileOf(a, "map")));
  });

  test("TIMESTAMPTZ and naive TIMESTAMP columns: zones are honoured", async () => {
    const dbPath = `${fresh("tz")}.duckdb`;
    const inst = await DuckDBInstance.create(dbPath);
    const conn = await inst.connect();
    await conn.run(`
      CREATE TABLE sessions (session_id VARCHAR, at_tz TIMESTAMPTZ, at_naive TIMESTAMP);
      CREATE TABLE reflections (session_id VARCHAR);
      CREATE TABLE conversations (session_id VARCHAR);
      INSERT INTO sessions VALUES ('a', '2024-03-01 08:00:00.250+02', '2024-03-01 08:00:00.250'), ('b', NULL, NULL);
    `);
    conn.closeSync();
    inst.closeSync();
    const times = async (column: string, zone: string) => {
      const cfg = sessionBuddyConfig(dbPath);
      (cfg.tables[0] as (typeof cfg.tables)[number]).time = { column, zone };
      const r = await generateSql({ system: "sb", database: cfg, outDir: fresh("out") });
      const ids = fs
        .readFileSync(fileOf(r, "map"), "utf8")
        .match(/\t0[0-7][0-9A-Z]{24}\b/g) as string[];
      return { ms: ids.map((u) => decodeTime(u.slice(1))), report: r.report };
    };
    const t = Date.UTC(2024, 2, 1, 6, 0, 0, 250);
    const tz = await times("at_tz", "UTC");
    // 'b' has no time: it takes the nearest earlier row's.
    expect(tz.ms).toEqual([t, t]);
    expect(tz.report).toContainEqual(
      expect.stringMatching(
        /rowid 1 .*time is NULL; using the time of the nearest earlier row \(rowid 0\)/,
      ),
    );
    expect((await times("at_naive", "Europe/Berlin")).ms[0]).toBe(
      Date.UTC(2024, 2, 1, 7, 0, 0, 250),
    );
  });

  test("generation is byte-identical twice", async () => {
    const dbPath = await buildDb(300);
    const cfg = sessionBuddyConfig(dbPath);
    const a = await generateSql({
      system: "sb",
      database: cfg,
      outDir: fresh("a"),
      toolVersion: "1",
    });
    const b = await generateSql({
      system: "sb",
      database: cfg,
      outDir: fresh("b"),
      toolVersion: "1",
    });
    for (const [i, f] of a.files.entries()) {
      expect(fs.readFileSync(f)).toEqual(fs.readFileSync(b.files[i] as string));
    }
    expect(fs.readFileSync(a.rollbackFiles[0] as string)).toEqual(
      fs.readFileSync(b.rollbackFiles[0] as string),
    );
  });

  test("the guard aborts on a changed row count and nothing changes", async () => {
    const dbPath = await buildDb(10);
    const cfg = sessionBuddyConfig(dbPath);
    const r = await generateSql({ system: "sb", database: cfg, outDir: fresh("out") });
    const copy = `${fresh("copy")}.duckdb`;
    await copyDatabase("duckdb", dbPath, copy);
    await query(copy, "DELETE FROM sessions WHERE rowid = 3");
    const db = await openForApply("duckdb", copy);
    const before = await snapshotTable(db, "sessions");
    await expect(applySqlFiles(db, r.files)).rejects.toThrow(
      /0001_sessions_1_map\.sql: .*guard failed: row count of sessions is 9, expected 10/,
    );
    expect(await snapshotTable(db, "sessions")).toEqual(before);
    expect((await snapshotTable(db, "reflections")).columns).toEqual([
      "id",
      "session_id",
      "content",
    ]);
    db.close();
  });

  test("verify catches a corrupted ULID", async () => {
    const dbPath = await buildDb(30);
    const cfg = sessionBuddyConfig(dbPath);
    const outDir = fresh("out");
    const r = await generateSql({ system: "sb", database: cfg, outDir });
    const f = fileOf(r, "map");
    fs.writeFileSync(
      f,
      fs.readFileSync(f, "utf8").replace(/\t(0[0-7][0-9A-Z]{23})[0-9A-Z]\n/, "\t$1U\n"),
    );
    const v = await verifySql({ system: "sb", database: cfg, outDir });
    expect(failed(v.checks)).toEqual(["sessions.session_ulid: 26-char Crockford base32"]);
  });
});

describe("DuckDB schemas", () => {
  test("declared foreign keys are found; same-name columns are reported as likely references", async () => {
    const dbPath = `${fresh("fk")}.duckdb`;
    const inst = await DuckDBInstance.create(dbPath);
    const conn = await inst.connect();
    await conn.run(`
      CREATE TABLE sessions (session_id VARCHAR PRIMARY KEY, start_time TIMESTAMP);
      CREATE TABLE reflections (id INTEGER, session_id VARCHAR REFERENCES sessions(session_id));
      CREATE TABLE events (id INTEGER, session_id VARCHAR);
      INSERT INTO sessions VALUES ('p-20240101-000000', '2024-01-01'), ('p-20240101-000001', '2024-01-01 00:00:01');
      INSERT INTO reflections VALUES (1, 'p-20240101-000001');
    `);
    conn.closeSync();
    inst.closeSync();
    const cfg = sessionBuddyConfig(dbPath);
    (cfg.tables[0] as (typeof cfg.tables)[number]).references = [
      { table: "conversations", column: "session_id" },
    ];
    const outDir = fresh("out");
    const r = await generateSql({ system: "sb", database: cfg, outDir });
    expect(r.tables[0]?.children.map((c) => `${c.table}:${c.source}`)).toEqual([
      "reflections:foreign-key",
    ]);
    expect(r.tables[0]?.undeclaredReferences).toEqual([
      { table: "events", column: "session_id", by: ["name"], sampled: 0, matched: 0 },
    ]);
    expect(r.report).toContainEqual(
      expect.stringMatching(/configured reference conversations\.session_id does not exist/),
    );
    const v = await verifySql({ system: "sb", database: cfg, outDir });
    expect(v.checks.filter((c) => !c.ok)).toEqual([]);
  });

  test("legacy IDs with quotes, newlines, NUL, a BOM and unicode round-trip", async () => {
    const ids = [
      "it's-20240101-000000",
      "new\nline-20240101-000001",
      "nul\u0000x-20240101-000002",
      "\ufeffbom-20240101-000003",
      "back\\slash-20240101-000004",
      "ünï 😀-20240101-000005",
      "'); DROP TABLE sessions; ---20240101-000006",
    ];
    const dbPath = `${fresh("esc")}.duckdb`;
    const inst = await DuckDBInstance.create(dbPath);
    const conn = await inst.connect();
    await conn.run(
      "CREATE TABLE sessions (session_id VARCHAR PRIMARY KEY); CREATE TABLE reflections (session_id VARCHAR); CREATE TABLE conversations (session_id VARCHAR)",
    );
    for (const id of ids) {
      await conn.run("INSERT INTO sessions VALUES ($1)", [id]);
      await conn.run("INSERT INTO conversations VALUES ($1)", [id]);
    }
    conn.closeSync();
    inst.closeSync();
    const cfg = sessionBuddyConfig(dbPath);
    const outDir = fresh("out");
    const r = await generateSql({ system: "sb", database: cfg, outDir });
    expect(r.report.filter((l) => l.includes("no usable time"))).toEqual([]);
    const v = await verifySql({ system: "sb", database: cfg, outDir });
    expect(failed(v.checks)).toEqual([]);
    expect(v.checks.find((c) => c.name.startsWith("conversations.session_id"))?.detail).toMatch(
      /^7 of 7/,
    );
    const copy = await applyToScratchCopy({
      engine: "duckdb",
      dbPath,
      scratchDir: fresh("s"),
      files: r.files,
    });
    const lens = await query(
      copy,
      "SELECT length(legacy_id) FROM ulid_migration_map ORDER BY ulid",
    );
    expect(lens.map((x) => Number(x[0]))).toEqual(ids.map((s) => [...s].length));
  });

  test("the contract drops the legacy columns when nothing constrains them, as one step", async () => {
    const dbPath = `${fresh("contract")}.duckdb`;
    const inst = await DuckDBInstance.create(dbPath);
    const conn = await inst.connect();
    await conn.run(`
      CREATE TABLE sessions (session_id VARCHAR, note VARCHAR);
      CREATE TABLE reflections (session_id VARCHAR);
      CREATE TABLE conversations (session_id VARCHAR);
      CREATE INDEX conversations_sid ON conversations (session_id);
      INSERT INTO sessions VALUES ('a-20240101-000000', 'x'), ('b-20240101-000001', 'y');
      INSERT INTO conversations VALUES ('a-20240101-000000');
    `);
    conn.closeSync();
    inst.closeSync();
    const cfg = sessionBuddyConfig(dbPath);
    const r = await generateSql({ system: "sb", database: cfg, outDir: fresh("out") });
    expect(r.report.filter((l) => l.includes("contract"))).toEqual([]);
    const copy = await applyToScratchCopy({
      engine: "duckdb",
      dbPath,
      scratchDir: fresh("s"),
      files: r.files,
    });
    const db = await openForApply("duckdb", copy);
    await applySqlFiles(db, r.contractFiles);
    expect((await snapshotTable(db, "sessions")).columns).toEqual(["note", "session_ulid"]);
    expect((await snapshotTable(db, "conversations")).columns).toEqual(["session_ulid"]);
    db.close();
  });

  test("a contract blocked by a PRIMARY KEY is reported and fails whole", async () => {
    const dbPath = await buildDb(5);
    const cfg = sessionBuddyConfig(dbPath);
    const r = await generateSql({ system: "sb", database: cfg, outDir: fresh("out") });
    expect(r.report).toContainEqual(
      expect.stringMatching(/contract step cannot .*sessions\.session_id is UNIQUE/),
    );
    const copy = await applyToScratchCopy({
      engine: "duckdb",
      dbPath,
      scratchDir: fresh("s"),
      files: r.files,
    });
    const db = await openForApply("duckdb", copy);
    // One query at a time: a DuckDB connection does not interleave streamed results.
    const snap = async () => {
      const out = [];
      for (const t of ["sessions", "reflections", "conversations"])
        out.push(await snapshotTable(db, t));
      return out;
    };
    const before = await snap();
    await expect(applySqlFiles(db, r.contractFiles)).rejects.toThrow(
      /0001_sessions_contract\.sql: .*contract blocked: sessions\.session_id is UNIQUE or a PRIMARY KEY/,
    );
    const after = await snap();
    expect(after).toEqual(before);
    db.close();
  });
});
