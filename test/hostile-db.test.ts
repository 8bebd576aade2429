// Hostile databases: `sql generate` / `sql verify` give correct SQL or a clear error naming the
// table, column or file; the database bytes never change and a failed run writes no file.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { decodeTime } from "ulid";
import { beforeAll, describe, expect, test } from "vitest";
import type { DatabaseConfig } from "../src/plan/database.ts";
import { copyDatabase } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { applySqlFiles, openForApply } from "../src/sql/run-files.ts";
import { verifySql } from "../src/sql/verify.ts";
import { REPO_ROOT, scratch } from "./helpers.ts";
import {
  crackerjackConfig,
  makeCrackerjack,
  makeSessionBuddy,
  sessionBuddyConfig,
} from "./sql-fixtures.ts";

const { fresh } = scratch("ulid-sql-test-");

/** Names and bytes of every file under `root` (missing root: null). */
function files(root: string): Record<string, string> | null {
  if (!fs.existsSync(root)) return null;
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(root, { recursive: true }) as string[]) {
    const abs = path.join(root, f);
    if (fs.statSync(abs).isFile()) out[f] = sha(abs);
  }
  return out;
}

const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** A SQLite `jobs` table from literal rows (no constraints unless given). */
function sqliteJobs(rows: [unknown, unknown][], keyDecl = "TEXT"): string {
  const file = `${fresh("jobs")}.db`;
  const db = new Database(file);
  db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, job_id ${keyDecl}, start_time)`);
  const ins = db.prepare("INSERT INTO jobs (job_id, start_time) VALUES (?, ?)");
  for (const r of rows) ins.run(...r);
  db.close();
  return file;
}

function jobsConfig(file: string, patch: Record<string, unknown> = {}): DatabaseConfig {
  const cfg = crackerjackConfig(file);
  return { ...cfg, tables: [{ ...(cfg.tables[0] as DatabaseConfig["tables"][0]), ...patch }] };
}

const T = "2024-01-01 10:00:00";

describe("refusals: named, and no file written or replaced", () => {
  // A previous good generation in `outDir` must survive every refusal byte for byte.
  let good: DatabaseConfig;
  beforeAll(() => {
    const file = `${fresh("good")}.db`;
    makeCrackerjack(file, 3);
    good = crackerjackConfig(file);
  });

  test.each([
    [
      "missing table",
      () => jobsConfig(sqliteJobs([["a", T]]), { table: "nope" }),
      /table nope not found in .*\.db \(sqlite\)/,
    ],
    [
      "missing key column",
      () => jobsConfig(sqliteJobs([["a", T]]), { key: "uuid" }),
      /column jobs\.uuid not found in .*\.db/,
    ],
    [
      "missing time column",
      () => jobsConfig(sqliteJobs([["a", T]]), { time: { column: "created", zone: "UTC" } }),
      /time column jobs\.created not found in .*\.db/,
    ],
    [
      "a NULL legacy ID",
      () =>
        jobsConfig(
          sqliteJobs([
            ["a", T],
            [null, T],
            ["c", T],
          ]),
        ),
      /jobs\.job_id at rowid 2 is NULL; every row needs a legacy ID to map/,
    ],
    [
      "a legacy ID that is not text",
      () =>
        jobsConfig(
          sqliteJobs(
            [
              ["a", T],
              [42, T],
            ],
            "",
          ),
        ),
      /jobs\.job_id at rowid 2 is not text \(number\)/,
    ],
    [
      "duplicate legacy IDs",
      () =>
        jobsConfig(
          sqliteJobs([
            ["a", T],
            ["b", T],
            ["a", T],
          ]),
        ),
      /jobs\.job_id holds "a" more than once; legacy IDs must be unique/,
    ],
  ])("%s", async (_name, makeCfg, message) => {
    const cfg = makeCfg();
    const dbBefore = sha(cfg.path);
    const outDir = fresh("out");
    await generateSql({ system: "crackerjack", database: good, outDir });
    const before = files(outDir);
    await expect(generateSql({ system: "crackerjack", database: cfg, outDir })).rejects.toThrow(
      message,
    );
    expect(files(outDir)).toEqual(before);
    // Into a directory that does not exist yet: it is not left behind, nor its parents.
    const nested = fresh("new");
    await expect(
      generateSql({ system: "crackerjack", database: cfg, outDir: path.join(nested, "a/sql") }),
    ).rejects.toThrow(message);
    expect(fs.existsSync(nested)).toBe(false);
    expect(sha(cfg.path)).toBe(dbBefore);
  });
});

test("NULL, mixed-format and future times: reported, fallback to the earlier row, ULIDs valid and ordered", async () => {
  const t0 = Date.UTC(2024, 0, 1, 10);
  const times: unknown[] = [
    "2024-01-01T10:00:00Z",
    null,
    "2024-01-01 10:00:01",
    1_704_103_202, // epoch seconds
    "1704103203000", // epoch ms as text
    "2999-01-01 00:00:00",
    "2024-01-01T11:00:04+01:00",
    "soon",
  ];
  const file = sqliteJobs(
    times.map((t, i) => [`job-${i}`, t]),
    "TEXT UNIQUE NOT NULL",
  );
  const cfg = jobsConfig(file);
  const outDir = fresh("out");
  const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
  const notes = r.report.filter((l) => l.includes("no usable time"));
  expect(notes).toEqual([
    expect.stringMatching(
      /rowid 2 .*"job-1".*time is NULL; using the time of the nearest earlier row \(rowid 1\)/,
    ),
    expect.stringMatching(
      /rowid 6 .*time in the future: 2999-01-01T00:00:00\.000Z; using .*\(rowid 5\)/,
    ),
    expect.stringMatching(/rowid 8 .*unrecognised time text: "soon"; using .*\(rowid 7\)/),
  ]);
  expect(r.tables[0]?.rowsWithoutTime).toBe(3);
  expect((await verifySql({ system: "crackerjack", database: cfg, outDir })).ok).toBe(true);

  const copy = `${fresh("copy")}.db`;
  await copyDatabase("sqlite", file, copy);
  const db = await openForApply("sqlite", copy);
  await applySqlFiles(db, r.files);
  db.close();
  const check = new Database(copy, { readonly: true });
  const ids = check.prepare("SELECT job_id FROM jobs ORDER BY id").pluck().all() as string[];
  check.close();
  for (const id of ids) expect(id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
  const s = 1000;
  expect(ids.map(decodeTime)).toEqual([
    t0,
    t0,
    t0 + s,
    t0 + 2 * s,
    t0 + 3 * s,
    t0 + 3 * s,
    t0 + 4 * s,
    t0 + 4 * s,
  ]);
});

describe.each(["sqlite", "duckdb"] as const)("a read-only %s database file", (engine) => {
  test("generate and verify only read it: bytes, mtime and directory unchanged", async () => {
    const roDir = fresh("ro");
    fs.mkdirSync(roDir);
    const file = path.join(roDir, engine === "sqlite" ? "cj.db" : "sb.duckdb");
    if (engine === "sqlite") makeCrackerjack(file, 20);
    else await makeSessionBuddy(file, 20);
    const cfg = engine === "sqlite" ? crackerjackConfig(file) : sessionBuddyConfig(file);
    fs.chmodSync(file, 0o444);
    fs.chmodSync(roDir, 0o555);
    try {
      const before = {
        bytes: sha(file),
        mtime: fs.statSync(file).mtimeMs,
        list: fs.readdirSync(roDir),
      };
      const outDir = fresh("out");
      const r = await generateSql({ system: "s", database: cfg, outDir });
      expect(r.tables[0]?.rowCount).toBe(20);
      const v = await verifySql({ system: "s", database: cfg, outDir });
      expect(v.checks.filter((c) => !c.ok)).toEqual([]);
      expect({
        bytes: sha(file),
        mtime: fs.statSync(file).mtimeMs,
        list: fs.readdirSync(roDir),
      }).toEqual(before);
    } finally {
      fs.chmodSync(roDir, 0o755);
    }
  });
});

describe("a SQLite database locked by another connection", () => {
  test("an open exclusive write transaction: a clear error, nothing written, bytes unchanged", async () => {
    const file = `${fresh("locked")}.db`;
    makeCrackerjack(file, 5);
    const cfg = crackerjackConfig(file);
    const outDir = fresh("out");
    await generateSql({ system: "crackerjack", database: cfg, outDir });
    const generated = files(outDir);
    const bytes = sha(file);
    const holder = new Database(file);
    try {
      holder.exec("BEGIN EXCLUSIVE; UPDATE jobs SET status = 'changed'");
      const locked = new RegExp(
        `sqlite database ${file} is locked by another connection .*nothing was written`,
      );
      await expect(generateSql({ system: "crackerjack", database: cfg, outDir })).rejects.toThrow(
        locked,
      );
      // verify reports it as its failed step.
      const v = await verifySql({ system: "crackerjack", database: cfg, outDir });
      expect(v.ok).toBe(false);
      expect(v.checks.find((c) => c.name === "verify")?.detail).toMatch(locked);
      expect(files(outDir)).toEqual(generated);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expect(sha(file)).toBe(bytes);
  });

  test("WAL mode: readers are not blocked; the SQL covers the committed rows only", async () => {
    const file = `${fresh("wal")}.db`;
    makeCrackerjack(file, 5);
    const holder = new Database(file);
    holder.pragma("journal_mode = WAL");
    const bytes = sha(file);
    try {
      holder.exec(
        "BEGIN IMMEDIATE; INSERT INTO jobs (job_id, start_time) VALUES ('uncommitted', '2024-02-01 00:00:00')",
      );
      const cfg = crackerjackConfig(file);
      const outDir = fresh("out");
      const r = await generateSql({ system: "crackerjack", database: cfg, outDir });
      expect(r.tables[0]?.rowCount).toBe(5);
      expect(fs.readFileSync(r.files[1] as string, "utf8")).not.toContain("uncommitted");
      expect((await verifySql({ system: "crackerjack", database: cfg, outDir })).ok).toBe(true);
      expect(sha(file)).toBe(bytes);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });
});

test("a DuckDB file held open by another process: a clear error, nothing written, bytes unchanged", async () => {
  const file = `${fresh("held")}.duckdb`;
  await makeSessionBuddy(file, 5);
  const cfg = sessionBuddyConfig(file);
  const outDir = fresh("out");
  await generateSql({ system: "session-buddy", database: cfg, outDir });
  const generated = files(outDir);
  const bytes = sha(file);
  // DuckDB takes an OS file lock: a process with the file open read-write excludes all others.
  const holder: ChildProcess = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { DuckDBInstance } from "@duckdb/node-api";
       const i = await DuckDBInstance.create(${JSON.stringify(file)});
       await i.connect();
       console.log("holding");
       process.stdin.on("end", () => process.exit(0)).resume();`,
    ],
    { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "inherit"] },
  );
  try {
    await new Promise((resolve, reject) => {
      holder.stdout?.once("data", resolve);
      holder.once("exit", reject);
    });
    const busy = new RegExp(
      `duckdb database ${file} is in use by another process.*nothing was written`,
    );
    await expect(generateSql({ system: "session-buddy", database: cfg, outDir })).rejects.toThrow(
      busy,
    );
    // verify reports it as its failed step.
    const v = await verifySql({ system: "session-buddy", database: cfg, outDir });
    expect(v.ok).toBe(false);
    expect(v.checks.find((c) => c.name === "verify")?.detail).toMatch(busy);
    expect(files(outDir)).toEqual(generated);
  } finally {
    holder.stdin?.end();
    await new Promise((resolve) => holder.once("exit", resolve));
  }
  expect(sha(file)).toBe(bytes);
});
