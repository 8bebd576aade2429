// Faults during apply: a killed process, a locked database, an unwritable backup folder, a
// validation failure. Each must leave the database exactly as it was (or fully migrated).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runCli } from "../src/cli/main.ts";
import { ApplyFailure } from "../src/errors.ts";
import { applyDatabase } from "../src/live/apply.ts";
import { listBackups } from "../src/live/backup.ts";
import { parseConfig } from "../src/plan/load.ts";
import type { SystemConfig } from "../src/plan/schema.ts";
import { openDb } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { snapshotTable } from "../src/sql/snapshot.ts";
import { verifySql } from "../src/sql/verify.ts";
import { crackerjackFiles, git, makeRepo, tempDir } from "./helpers/repos.ts";
import { makeCrackerjack, makeSessionBuddy, sessionBuddyConfig } from "./sql-fixtures.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let configPath: string;
let system: SystemConfig;

function writeConfig(backupDir = "./backups"): void {
  configPath = path.join(tmp.dir, "ulid-migration.yaml");
  fs.writeFileSync(
    configPath,
    `version: 1
systems:
  crackerjack:
    repo: ./crackerjack
    transforms: [uuid4-to-ulid]
    database:
      engine: sqlite
      path: ./data/cj.db
      backupDir: ${backupDir}
      salt: fault-salt
      tables:
        - table: jobs
          key: job_id
          strategy: rewrite-in-place
          time: { column: start_time }
          references: [{ table: job_notes, column: job_id }]
`,
  );
  system = parseConfig(fs.readFileSync(configPath, "utf8"), configPath).systems[0] as SystemConfig;
}

beforeEach(() => {
  tmp = tempDir("ulid-faults-");
  makeRepo(path.join(tmp.dir, "crackerjack"), crackerjackFiles);
  fs.mkdirSync(path.join(tmp.dir, "data"));
  dbPath = path.join(tmp.dir, "data", "cj.db");
  makeCrackerjack(dbPath, 1500);
  writeConfig();
});
afterEach(() => tmp.cleanup());

/** Every table, row for row (SQLite: with rowids). Opened read-write so a hot journal is recovered. */
async function dbState(file = dbPath, engine: "sqlite" | "duckdb" = "sqlite") {
  const db = await openDb(engine, file, { readOnly: false });
  try {
    const names = (
      engine === "sqlite"
        ? await db.all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        : await db.all("SELECT table_name AS name FROM duckdb_tables() ORDER BY table_name")
    ).map((r) => String(r.name));
    const out: Record<string, unknown> = {};
    for (const t of names) out[t] = await snapshotTable(db, t);
    return out;
  } finally {
    db.close();
  }
}

async function generated(): Promise<string> {
  const sqlDir = path.join(tmp.dir, "sql");
  const database = system.database as NonNullable<SystemConfig["database"]>;
  await generateSql({ system: "crackerjack", database, outDir: sqlDir });
  return sqlDir;
}

const database = () => system.database as NonNullable<SystemConfig["database"]>;

test("apply reports progress per file (bytes of SQL) and ends at the total; a rerun is already applied", async () => {
  const db = { ...database(), batchSize: 20 };
  const sqlDir = path.join(tmp.dir, "sql");
  await generateSql({ system: "crackerjack", database: db, outDir: sqlDir });
  const seen: { file: string; done: number; bytes: number; fileStart: boolean }[] = [];
  const sizeBefore = fs.statSync(dbPath).size;
  const r = await applyDatabase({
    system: "crackerjack",
    database: db,
    sqlDir,
    onProgress: (p) => seen.push(p),
  });
  expect(r).toMatchObject({ status: "applied", rows: 1500 });
  expect(seen.filter((p) => p.fileStart).map((p) => p.file)).toEqual([
    "apply/0001_jobs_1_map.sql",
    "apply/0001_jobs_2_expand.sql",
    "apply/0001_jobs_3_backfill.sql",
  ]);
  // 75 map INSERTs of 20 rows: the mapping data reports more than once.
  expect(seen.filter((p) => p.file === "apply/0001_jobs_1_map.sql").length).toBeGreaterThan(2);
  // The file size before and after: the mapping table is kept for rollback, so it grew.
  expect(r.size).toEqual({ before: sizeBefore, after: fs.statSync(dbPath).size });
  expect(r.size?.after).toBeGreaterThan(sizeBefore);
  expect(r.reclaimed).toBe("nothing to reclaim: no WAL (database.vacuum: true runs VACUUM)");
  const last = seen.at(-1);
  expect(last?.done).toBe(last?.bytes);
  const files = ["1_map", "2_expand", "3_backfill"].map((f) => `apply/0001_jobs_${f}.sql`);
  expect(last?.bytes).toBe(files.reduce((n, f) => n + fs.statSync(path.join(sqlDir, f)).size, 0));
  expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
  const again = await applyDatabase({ system: "crackerjack", database: db, sqlDir });
  expect(again).toMatchObject({ status: "already-applied", backup: null });
  expect(listBackups(db)).toHaveLength(1);
});

describe("apply faults", () => {
  test("SIGKILL mid-transaction: the database is exactly as before; rollback finds nothing to restore and removes the branch", async () => {
    const original = await dbState();
    const marker = path.join(tmp.dir, "paused");
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin/ulid-codemod.js"),
        "migrate",
        "--system",
        "crackerjack",
        "--apply",
        "--yes",
        "--config",
        configPath,
      ],
      {
        cwd: tmp.dir,
        stdio: "ignore",
        env: {
          ...process.env,
          // A killed process cannot remove its scratch folders: keep them in the test's own.
          TMPDIR: tmp.dir,
          ULID_CODEMOD_TEST_PAUSE: "apply:after-file:2",
          ULID_CODEMOD_TEST_PAUSE_MARKER: marker,
        },
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, s) => res(s)));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(marker) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fs.existsSync(marker)).toBe(true);
    // Both files ran inside the open transaction: the journal holds the undo.
    expect(fs.existsSync(`${dbPath}-journal`)).toBe(true);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    expect(await dbState()).toEqual(original);
    expect(listBackups(database())).toHaveLength(1);
    const repo = path.join(tmp.dir, "crackerjack");
    expect(git(repo, "branch", "--list", "ulid-migration")).toContain("ulid-migration");

    let out = "";
    const code = await runCli(
      [
        "node",
        "ulid-codemod",
        "rollback",
        "--config",
        configPath,
        "--system",
        "crackerjack",
        "--yes",
      ],
      { out: (t) => (out += t), err: () => {}, env: {}, isTTY: false },
    );
    expect(code).toBe(0);
    // The transaction never committed: there is no migration to undo, and the backup stays unused.
    expect(out).toContain(
      `crackerjack: database: ${dbPath} is not migrated (legacy keys, no mapping): nothing to restore`,
    );
    expect(await dbState()).toEqual(original);
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
  }, 120_000);

  test("a database locked by another connection: clear error naming the file, no change, no backup", async () => {
    const sqlDir = await generated();
    const original = await dbState();
    const other = new Database(dbPath);
    other.exec("BEGIN EXCLUSIVE");
    try {
      await expect(
        applyDatabase({ system: "crackerjack", database: database(), sqlDir, busyTimeoutMs: 50 }),
      ).rejects.toThrow(`${dbPath}: database is locked by another connection`);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(await dbState()).toEqual(original);
    expect(listBackups(database())).toEqual([]);
  });

  test("the backup cannot be written: the phase stops before any change", async () => {
    // root ignores folder permissions, so there the folder sits below a regular file instead.
    const ro = path.join(tmp.dir, "ro");
    let backupDir: string;
    if (process.getuid?.() === 0) {
      fs.writeFileSync(ro, "not a folder\n");
      backupDir = path.join(ro, "backups");
    } else {
      fs.mkdirSync(ro, { mode: 0o555 });
      backupDir = ro;
    }
    writeConfig(backupDir);
    const sqlDir = await generated();
    const original = await dbState();
    await expect(
      applyDatabase({ system: "crackerjack", database: database(), sqlDir }),
    ).rejects.toThrow(
      new RegExp(`cannot write a backup of ${dbPath} into .*; nothing was changed`),
    );
    expect(await dbState()).toEqual(original);
    fs.chmodSync(fs.statSync(ro).isDirectory() ? ro : tmp.dir, 0o755);
  });

  test("validation fails (one ULID corrupted after verify): rolled back, database as before, backup kept", async () => {
    const sqlDir = await generated();
    expect(
      (await verifySql({ system: "crackerjack", database: database(), outDir: sqlDir })).ok,
    ).toBe(true);
    const backfill = path.join(sqlDir, "apply", "0001_jobs_1_map.sql");
    const sql = fs.readFileSync(backfill, "utf8");
    const first = /'(0[0-9A-HJKMNP-TV-Z]{25})'\)/.exec(sql);
    expect(first).not.toBeNull();
    const good = first?.[1] as string;
    // U is not in Crockford's alphabet; the map row still joins, so only validation can catch it.
    fs.writeFileSync(backfill, sql.replace(`'${good}')`, `'${good.slice(0, 25)}U')`));
    const original = await dbState();
    const err = await applyDatabase({ system: "crackerjack", database: database(), sqlDir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplyFailure);
    const failure = err as ApplyFailure;
    expect(failure.message).toContain("jobs.job_id: 26-char Crockford base32 (1 malformed)");
    expect(failure.message).toContain("backup kept at");
    expect(fs.existsSync(failure.backup as string)).toBe(true);
    expect(failure.checks.some((c) => !c.ok)).toBe(true);
    expect(await dbState()).toEqual(original);
  });

  test("DuckDB: a validation failure discards the working copy; the database is unchanged", async () => {
    const duck = path.join(tmp.dir, "data", "sb.duckdb");
    await makeSessionBuddy(duck, 60);
    const cfg = sessionBuddyConfig(duck);
    const sqlDir = path.join(tmp.dir, "sqlsb");
    await generateSql({ system: "session-buddy", database: cfg, outDir: sqlDir });
    const data = path.join(sqlDir, "apply", "0001_sessions_1_map.sql");
    const text = fs.readFileSync(data, "utf8");
    const m = /\t(0[0-9A-HJKMNP-TV-Z]{25})\n/.exec(text);
    expect(m).not.toBeNull();
    fs.writeFileSync(data, text.replace(`\t${m?.[1]}\n`, `\t${m?.[1]?.slice(0, 25)}U\n`));
    const original = await dbState(duck, "duckdb");
    await expect(applyDatabase({ system: "session-buddy", database: cfg, sqlDir })).rejects.toThrow(
      /26-char Crockford base32 \(1 malformed\).*working copy, now discarded; the database was not changed; backup kept/,
    );
    expect(await dbState(duck, "duckdb")).toEqual(original);
    expect(fs.existsSync(`${duck}.ulid-apply-tmp`)).toBe(false);
  });
});
