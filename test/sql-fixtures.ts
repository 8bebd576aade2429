// Builders for real SQLite / DuckDB databases shaped like Crackerjack and Session-Buddy.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
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

/**
 * Crackerjack's metrics database as the service builds it: Python's `sqlite3` (which never turns
 * `PRAGMA foreign_keys` on), its schema (`jobs(job_id TEXT UNIQUE)` and seven child tables with
 * `FOREIGN KEY (job_id) REFERENCES jobs(job_id)`, indexes, AUTOINCREMENT, DEFAULT
 * CURRENT_TIMESTAMP) and its habits: `str(uuid.uuid4())` job IDs, child rows written for jobs
 * that were later deleted (orphans), child rows without a job (NULL). Deterministic per `n`.
 */
export function makeCrackerjackReal(
  file: string,
  n: number,
  opts: { orphans?: number; nulls?: number; audit?: boolean } = {},
): void {
  const script = `
import random, sqlite3, sys, uuid
from datetime import datetime, timedelta
path, n, orphans, nulls, audit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
rng = random.Random(13)
def new_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
conn = sqlite3.connect(path)
conn.executescript("""
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT UNIQUE NOT NULL,
    start_time TIMESTAMP NOT NULL,
    end_time TIMESTAMP,
    status TEXT NOT NULL DEFAULT 'running',
    iteration INTEGER DEFAULT 0,
    ai_agent BOOLEAN DEFAULT 0,
    metadata TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, error_type TEXT, message TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS hook_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, hook_name TEXT NOT NULL, status TEXT,
    duration_ms INTEGER, FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS test_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, total INTEGER, passed INTEGER, failed INTEGER,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS orchestration_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, strategy TEXT, iterations INTEGER,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS strategy_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, decision TEXT, reason TEXT,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS individual_test_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, test_name TEXT, outcome TEXT,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE TABLE IF NOT EXISTS agent_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, agent TEXT, confidence REAL,
    FOREIGN KEY (job_id) REFERENCES jobs(job_id));
CREATE INDEX IF NOT EXISTS idx_jobs_start_time ON jobs(start_time DESC);
CREATE INDEX IF NOT EXISTS idx_errors_job_id ON errors(job_id);
CREATE INDEX IF NOT EXISTS idx_hook_executions_job_id ON hook_executions(job_id);
CREATE INDEX IF NOT EXISTS idx_test_executions_job_id ON test_executions(job_id);
""")
if audit:
    # No foreign key, and not the key's name: only its values say it is a reference.
    conn.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, job_ref TEXT, action TEXT)")
base = datetime(2024, 5, 1, 9, 0, 0)
ids = []
for i in range(n):
    job_id = new_id()
    ids.append(job_id)
    start = base + timedelta(seconds=i // 2, microseconds=(i % 2) * 250000)
    conn.execute("INSERT INTO jobs (job_id, start_time, status, metadata) VALUES (?, ?, ?, ?)",
                 (job_id, start.isoformat(), "success" if i % 4 else "failed", '{"python": "3.13"}'))
    conn.execute("INSERT INTO hook_executions (job_id, hook_name, status, duration_ms) VALUES (?, 'ruff', 'passed', ?)", (job_id, i % 900))
    if i % 4 == 0:
        conn.execute("INSERT INTO errors (job_id, error_type, message) VALUES (?, 'lint', 'E501')", (job_id,))
    if i % 3 == 0:
        conn.execute("INSERT INTO test_executions (job_id, total, passed, failed) VALUES (?, 10, 9, 1)", (job_id,))
        conn.execute("INSERT INTO individual_test_executions (job_id, test_name, outcome) VALUES (?, 'test_x', 'passed')", (job_id,))
    if i % 5 == 0:
        conn.execute("INSERT INTO orchestration_executions (job_id, strategy, iterations) VALUES (?, 'adaptive', 2)", (job_id,))
        conn.execute("INSERT INTO strategy_decisions (job_id, decision, reason) VALUES (?, 'retry', 'flaky')", (job_id,))
        conn.execute("INSERT INTO agent_executions (job_id, agent, confidence) VALUES (?, 'refactor', 0.8)", (job_id,))
    if audit:
        conn.execute("INSERT INTO audit (job_ref, action) VALUES (?, 'created')", (job_id,))
# Jobs deleted later; their children stay (nothing enforces the keys).
for k in range(orphans):
    gone = new_id()
    conn.execute("INSERT INTO errors (job_id, error_type, message) VALUES (?, 'crash', 'orphaned')", (gone,))
    conn.execute("INSERT INTO hook_executions (job_id, hook_name, status) VALUES (?, 'pyright', 'failed')", (gone,))
for k in range(nulls):
    conn.execute("INSERT INTO errors (job_id, error_type, message) VALUES (NULL, 'startup', 'before any job')")
conn.commit()
conn.close()
`;
  const r = spawnSync(
    "python3",
    [
      "-c",
      script,
      file,
      String(n),
      String(opts.orphans ?? 0),
      String(opts.nulls ?? 0),
      opts.audit ? "1" : "0",
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`building ${file} with python3 failed: ${r.stderr}`);
}

export function crackerjackRealConfig(
  dbPath: string,
  strategy: "rewrite-in-place" | "add-column" = "rewrite-in-place",
  table: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): DatabaseConfig {
  return parseDatabaseConfig({
    engine: "sqlite",
    path: dbPath,
    salt: "test-salt-crackerjack",
    batchSize: 200,
    ...extra,
    tables: [{ table: "jobs", key: "job_id", strategy, time: { column: "start_time" }, ...table }],
  });
}

/**
 * Session-Buddy's sessions as its own code creates them in DuckDB: `session_id TEXT PRIMARY
 * KEY` (`{project}-{YYYYmmdd-HHMMSS}`), a `TIMESTAMP NOT NULL` start, a `TEXT[]` list, a STRUCT and
 * a MAP column, `created_at DEFAULT CURRENT_TIMESTAMP`, secondary indexes on a text column and on
 * the start time DESC, and a child table keyed by a sequence with a FOREIGN KEY to sessions.
 */
export async function makeSessionBuddyReal(file: string, n: number): Promise<void> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    await conn.run(`
      CREATE SEQUENCE IF NOT EXISTS session_events_seq START 1;
      CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        started_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,
        tags TEXT[],
        stats STRUCT(tool_calls INTEGER, tokens BIGINT),
        settings MAP(TEXT, TEXT),
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX IF NOT EXISTS idx_sessions_project ON sessions(project);
      CREATE INDEX IF NOT EXISTS idx_sessions_started ON sessions(started_at DESC);
      CREATE TABLE IF NOT EXISTS session_events (
        id BIGINT PRIMARY KEY DEFAULT nextval('session_events_seq'),
        session_id TEXT REFERENCES sessions(session_id),
        kind TEXT NOT NULL,
        occurred_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      CREATE INDEX IF NOT EXISTS idx_session_events_kind ON session_events(kind);
      CREATE TABLE IF NOT EXISTS reflections (
        id TEXT PRIMARY KEY, session_id TEXT, content TEXT NOT NULL, tags TEXT[],
        created_at TIMESTAMP DEFAULT TIMESTAMP '2024-03-01 00:00:00'
      );
      INSERT INTO sessions (session_id, project, started_at, ended_at, tags, stats, settings, created_at)
        SELECT p || '-' || strftime(TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND, '%Y%m%d-%H%M%S'),
               p, TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND,
               CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMP '2024-03-01 09:00:00' + INTERVAL (i * 7) SECOND END,
               CASE WHEN i % 2 = 0 THEN ['python', 'refactor'] ELSE [] END,
               {'tool_calls': i % 17, 'tokens': i * 1000},
               MAP {'model': 'opus', 'mode': CASE WHEN i % 2 = 0 THEN 'plan' ELSE 'act' END},
               TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND
        FROM (SELECT i, CASE WHEN i % 2 = 0 THEN 'session-buddy' ELSE 'crackerjack' END AS p FROM range(${n}) t(i));
      INSERT INTO session_events (session_id, kind, occurred_at)
        SELECT session_id, 'checkpoint', started_at FROM sessions ORDER BY started_at;
      INSERT INTO session_events (session_id, kind, occurred_at) VALUES (NULL, 'startup', TIMESTAMP '2024-03-01 07:59:00');
      INSERT INTO reflections
        SELECT 'r-' || session_id, session_id, 'learned something', ['insight'], started_at FROM sessions WHERE hash(session_id) % 2 = 0;
      CHECKPOINT;
    `);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

export function sessionBuddyRealConfig(
  dbPath: string,
  extra: Record<string, unknown> = {},
): DatabaseConfig {
  return parseDatabaseConfig({
    engine: "duckdb",
    path: dbPath,
    salt: "test-salt-session-buddy",
    batchSize: 200,
    ...extra,
    tables: [
      {
        table: "sessions",
        key: "session_id",
        strategy: "add-column",
        time: { column: "started_at" },
        references: [{ table: "reflections", column: "session_id" }],
      },
    ],
  });
}

/** Absolute path of one of a table's generated files (`map` is its first data file). */
export function fileOf(
  r: { outDir: string; tables: { files: Record<string, string | string[]> }[] },
  step: "map" | "expand" | "backfill" | "rollback" | "contract",
  table = 0,
): string {
  const f = r.tables[table]?.files[step];
  const rel = Array.isArray(f) ? f[0] : f;
  if (!rel) throw new Error(`no ${step} file for table ${table}`);
  return path.join(r.outDir, rel);
}
