// Builders for real SQLite / DuckDB databases shaped like Crackerjack and Session-Buddy.
import { createHash } from "node:crypto";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import type { DatabaseConfig } from "../src/plan/database.ts";
import { parseDatabaseConfig } from "../src/plan/database.ts";

/** Deterministic UUID-shaped legacy ID for row i. */
export function uuidFor(i: number): string {
  const h = createHash("md5").update(`job-${i}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Three rows share each second, so same-millisecond ordering is exercised. */
export function startTimeFor(i: number): string {
  const d = new Date(Date.UTC(2024, 0, 1, 10, 0, 0) + Math.floor(i / 3) * 1000);
  return d.toISOString().replace("T", " ").replace("Z", "");
}

export interface CrackerjackOptions {
  ids?: (i: number) => string;
  times?: (i: number) => unknown;
}

export function makeCrackerjack(file: string, n: number, opts: CrackerjackOptions = {}): void {
  const ids = opts.ids ?? uuidFor;
  const times = opts.times ?? startTimeFor;
  const db = new Database(file);
  db.exec(`
    CREATE TABLE jobs (id INTEGER PRIMARY KEY, job_id TEXT UNIQUE NOT NULL, start_time TIMESTAMP, status TEXT);
    CREATE TABLE errors (id INTEGER PRIMARY KEY, job_id TEXT REFERENCES jobs(job_id), message TEXT);
    CREATE TABLE hook_executions (id INTEGER PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(job_id) ON UPDATE RESTRICT, hook TEXT);
    CREATE TABLE test_executions (id INTEGER PRIMARY KEY, job_id TEXT REFERENCES jobs(job_id) ON DELETE CASCADE, name TEXT);
    CREATE INDEX test_executions_job ON test_executions(job_id);
    CREATE TABLE job_notes (id INTEGER PRIMARY KEY, job_id TEXT, note TEXT);
  `);
  const job = db.prepare("INSERT INTO jobs (job_id, start_time, status) VALUES (?, ?, ?)");
  const err = db.prepare("INSERT INTO errors (job_id, message) VALUES (?, ?)");
  const hook = db.prepare("INSERT INTO hook_executions (job_id, hook) VALUES (?, ?)");
  const test = db.prepare("INSERT INTO test_executions (job_id, name) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = ids(i);
      job.run(id, times(i) as string | null, i % 2 ? "ok" : "failed");
      if (i % 2 === 0) err.run(id, `error ${i}`);
      hook.run(id, "ruff");
      if (i % 5 === 0) test.run(id, `test_${i}`);
    }
    err.run(null, "error without a job");
  })();
  db.close();
}

export function crackerjackConfig(
  dbPath: string,
  strategy: "rewrite-in-place" | "add-column" = "rewrite-in-place",
  extra: Record<string, unknown> = {},
): DatabaseConfig {
  return parseDatabaseConfig({
    engine: "sqlite",
    path: dbPath,
    salt: "test-salt-crackerjack",
    batchSize: 100,
    ...extra,
    tables: [
      {
        table: "jobs",
        key: "job_id",
        strategy,
        time: { column: "start_time" },
      },
    ],
  });
}

export async function makeSessionBuddy(
  file: string,
  n: number,
  extraSql: string[] = [],
): Promise<void> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    // The legacy ID is `{project}-{YYYYmmdd-HHMMSS}`; project names contain `-` too.
    await conn.run(`
      CREATE TABLE sessions (session_id VARCHAR PRIMARY KEY, project VARCHAR, start_time TIMESTAMP);
      CREATE TABLE reflections (id INTEGER, session_id VARCHAR, content VARCHAR);
      CREATE TABLE conversations (id INTEGER, session_id VARCHAR, content VARCHAR);
      INSERT INTO sessions
        SELECT p || '-' || strftime(TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i // 2) SECOND, '%Y%m%d-%H%M%S'),
               p, TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i // 2) SECOND
        FROM (SELECT i, CASE WHEN i % 2 = 0 THEN 'session-buddy' ELSE 'crackerjack' END AS p FROM range(${n}) t(i));
      INSERT INTO reflections SELECT row_number() OVER (ORDER BY session_id), session_id, 'r' FROM sessions WHERE hash(session_id) % 3 = 0;
      INSERT INTO conversations SELECT row_number() OVER (ORDER BY session_id), session_id, 'c' FROM sessions;
      INSERT INTO conversations VALUES (-1, 'deleted-20200101-000000', 'orphan');
    `);
    for (const s of extraSql) await conn.run(s);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

export function sessionBuddyConfig(
  dbPath: string,
  extra: Record<string, unknown> = {},
): DatabaseConfig {
  return parseDatabaseConfig({
    engine: "duckdb",
    path: dbPath,
    salt: "test-salt-session-buddy",
    batchSize: 100,
    ...extra,
    tables: [
      {
        table: "sessions",
        key: "session_id",
        strategy: "add-column",
        time: { fromKey: "{name}-{YYYYmmdd-HHMMSS}" },
        references: [
          { table: "reflections", column: "session_id" },
          { table: "conversations", column: "session_id" },
        ],
      },
    ],
  });
}
