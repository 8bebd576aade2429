/** Crackerjack-shaped SQLite databases for the backfill benchmark: N jobs, 3 child rows per job. */
import { existsSync, renameSync, rmSync } from "node:fs";
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
