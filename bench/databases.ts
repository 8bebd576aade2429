/**
 * Databases for the backfill benchmarks: Crackerjack-shaped SQLite (N jobs, 3 child rows per job)
 * and Session-Buddy-shaped DuckDB (N sessions, 2 events per session, a reflection for about half).
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { rng } from "./corpus.ts";

const BASE_MS = Date.UTC(2024, 0, 1);

function uuid4(r: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Built once per size and reused (same seed, same rows); returns the file path. */
export function crackerjackDb(file: string, jobs: number): string {
  if (existsSync(file)) return file;
  const tmp = `${file}.building`;
  rmSync(tmp, { force: true });
  const db = new Database(tmp);
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.exec(`
    CREATE TABLE jobs (id INTEGER PRIMARY KEY, job_id TEXT UNIQUE NOT NULL, start_time TIMESTAMP, status TEXT);
    CREATE TABLE errors (id INTEGER PRIMARY KEY, job_id TEXT REFERENCES jobs(job_id), message TEXT);
    CREATE TABLE hook_executions (id INTEGER PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(job_id), hook TEXT);
    CREATE TABLE test_executions (id INTEGER PRIMARY KEY, job_id TEXT REFERENCES jobs(job_id), name TEXT);
    CREATE INDEX errors_job ON errors(job_id);
    CREATE INDEX hook_executions_job ON hook_executions(job_id);
    CREATE INDEX test_executions_job ON test_executions(job_id);
  `);
  const r = rng(jobs);
  const job = db.prepare("INSERT INTO jobs (job_id, start_time, status) VALUES (?, ?, ?)");
  const err = db.prepare("INSERT INTO errors (job_id, message) VALUES (?, ?)");
  const hook = db.prepare("INSERT INTO hook_executions (job_id, hook) VALUES (?, ?)");
  const test = db.prepare("INSERT INTO test_executions (job_id, name) VALUES (?, ?)");
  db.transaction(() => {
    let ms = BASE_MS;
    for (let i = 0; i < jobs; i++) {
      ms += 1 + Math.floor(r() * 5000);
      const id = uuid4(r);
      const at = new Date(ms).toISOString().replace("T", " ").replace("Z", "");
      job.run(id, at, i % 3 ? "ok" : "failed");
      err.run(id, `error ${i}`);
      hook.run(id, "ruff");
      test.run(id, `test_${i}`);
    }
  })();
  db.close();
  renameSync(tmp, file);
  return file;
}

/** The plan's `crackerjack` system over a database at `dbPath` (as written in the YAML). */
export function crackerjackSystem(dbPath: string, extra: string[] = []): string[] {
  return [
    "  crackerjack:",
    "    repo: .",
    "    transforms: [uuid4-to-ulid]",
    "    database:",
    "      engine: sqlite",
    `      path: ${dbPath}`,
    ...extra,
    "      salt: bench-salt",
    "      tables:",
    "        - { table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }",
  ];
}

/**
 * Session-Buddy's DuckDB database, the shape of `makeSessionBuddyReal` (test/sql-fixtures.ts):
 * `sessions` keyed by `{project}-{YYYYmmdd-HHMMSS}` (TIMESTAMP start, TEXT[], STRUCT, MAP,
 * defaults, secondary indexes one of them DESC), `session_events` with a FOREIGN KEY and a
 * sequence (2 per session, plus one without a session), `reflections` referencing sessions by
 * value (no constraint) for about half of them. Start times are 37 s apart plus 0-29 s of jitter,
 * so the second-resolution IDs never collide (200k sessions span about 3 months). Built once per
 * size and reused (same rows); returns the file path.
 */
export async function sessionBuddyDb(file: string, n: number): Promise<string> {
  if (existsSync(file)) return file;
  const tmp = `${file}.building`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const inst = await DuckDBInstance.create(tmp);
  const conn = await inst.connect();
  try {
    await conn.run(`
      CREATE SEQUENCE session_events_seq START 1;
      CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        started_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,
        tags TEXT[],
        stats STRUCT(tool_calls INTEGER, tokens BIGINT),
        settings MAP(TEXT, TEXT),
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX idx_sessions_project ON sessions(project);
      CREATE INDEX idx_sessions_started ON sessions(started_at DESC);
      CREATE TABLE session_events (
        id BIGINT PRIMARY KEY DEFAULT nextval('session_events_seq'),
        session_id TEXT REFERENCES sessions(session_id),
        kind TEXT NOT NULL,
        occurred_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX idx_session_events_kind ON session_events(kind);
      CREATE TABLE reflections (
        id TEXT PRIMARY KEY, session_id TEXT, content TEXT NOT NULL, tags TEXT[],
        created_at TIMESTAMP DEFAULT TIMESTAMP '2024-03-01 00:00:00'
      );
      CREATE TEMP TABLE spread AS
        SELECT i, ['session-buddy', 'crackerjack', 'akosha', 'mcp-common'][i % 4 + 1] AS p,
               TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 37 + hash(i) % 30) SECOND AS t
        FROM range(${n}) r(i);
      INSERT INTO sessions (session_id, project, started_at, ended_at, tags, stats, settings, created_at)
        SELECT p || '-' || strftime(t, '%Y%m%d-%H%M%S'), p, t,
               CASE WHEN i % 3 = 0 THEN NULL ELSE t + INTERVAL (600 + i % 3000) SECOND END,
               CASE WHEN i % 2 = 0 THEN ['python', 'refactor'] ELSE [] END,
               {'tool_calls': i % 17, 'tokens': i * 1000},
               MAP {'model': 'opus', 'mode': CASE WHEN i % 2 = 0 THEN 'plan' ELSE 'act' END},
               t
        FROM spread ORDER BY i;
      INSERT INTO session_events (session_id, kind, occurred_at)
        SELECT session_id, kind, started_at + INTERVAL (k * 60) SECOND
        FROM sessions, (VALUES (0, 'start'), (1, 'checkpoint')) e(k, kind) ORDER BY started_at, k;
      INSERT INTO session_events (session_id, kind, occurred_at) VALUES (NULL, 'startup', TIMESTAMP '2024-03-01 07:59:00');
      INSERT INTO reflections
        SELECT 'r-' || session_id, session_id, 'learned something', ['insight'], started_at
        FROM sessions WHERE hash(session_id) % 2 = 0 ORDER BY started_at;
      DROP TABLE spread;
      CHECKPOINT;
    `);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  renameSync(tmp, file);
  return file;
}

/** The plan's `session-buddy` system over a DuckDB database at `dbPath`, as the seed plan and the demo write it. */
export function sessionBuddySystem(dbPath: string, extra: string[] = []): string[] {
  return [
    "  session-buddy:",
    "    repo: .",
    "    importStyle: from",
    "    transforms: [fstring-id-to-ulid, sql-consumers]",
    "    fstringRules:",
    "      - target: session_id",
    '        templates: ["{}-{}"]',
    "    database:",
    "      engine: duckdb",
    `      path: ${dbPath}`,
    ...extra,
    "      salt: bench-salt",
    "      tables:",
    "        - table: sessions",
    "          key: session_id",
    "          strategy: add-column",
    "          ulidColumn: session_ulid",
    "          time: { column: started_at }",
    "          references:",
    "            - { table: reflections, column: session_id }",
  ];
}
