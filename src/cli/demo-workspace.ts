// `ulid-codemod demo`: three small systems built in a temp dir (git repos with a local bare
// remote, a SQLite and a DuckDB database), migrated with --apply, then rolled back. Offline.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { runTransforms } from "../../transforms/index.ts";
import { reportDir } from "../plan/paths.ts";
import { textTable } from "../report/table.ts";
import { tableNames } from "../sql/catalog.ts";
import { openDb } from "../sql/db.ts";
import type { Engine } from "../sql/escape.ts";
import { snapshotTable } from "../sql/snapshot.ts";
import { runMigrate } from "./migrate-run.ts";
import { runRollback } from "./rollback-run.ts";

export const DEMO_SYSTEMS = ["crackerjack", "session-buddy", "akosha"] as const;

const SOURCES: Record<string, Record<string, string>> = {
  crackerjack: {
    "crackerjack/jobs.py": `import uuid
from dataclasses import dataclass, field


@dataclass
class Job:
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "pending"


def new_job(db) -> str:
    job_id = str(uuid.uuid4())
    db.execute("INSERT INTO jobs (job_id, status) VALUES (?, ?)", (job_id, "pending"))
    return job_id


def short_ref() -> str:
    # Printed in log lines; a ULID prefix would collide within a second.
    return str(uuid.uuid4())[:8]
`,
    "crackerjack/hooks.py": `import uuid


def record_hook(db, job_id: str, hook: str) -> str:
    execution_id = uuid.uuid4().hex
    db.execute("INSERT INTO hook_executions (job_id, hook) VALUES (?, ?)", (job_id, hook))
    return execution_id
`,
    // The dashboard: a small TypeScript service with its own package.json and tsconfig.json.
    "ui/package.json": `{
  "name": "crackerjack-dashboard",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "tsc"
  },
  "dependencies": {
    "react": "^18.3.1",
    "uuid": "^11.0.3"
  },
  "devDependencies": {
    "typescript": "^5.6.0"
  }
}
`,
    "ui/package-lock.json": `{
  "name": "crackerjack-dashboard",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {}
}
`,
    "ui/tsconfig.json": `{
  "compilerOptions": {
    "target": "es2022",
    "lib": ["es2022", "dom"],
    "module": "esnext",
    "moduleResolution": "bundler",
    "strict": true,
    "noEmit": true,
    "types": []
  },
  "include": ["src"]
}
`,
    "ui/src/hooks.ts": `import { v4 as uuidv4 } from "uuid";

export interface HookRun {
  runId: string;
  hook: string;
}

export function runHook(hook: string): HookRun {
  return { runId: uuidv4(), hook };
}

/** What the API gateway expects in its trace header: a UUID. */
export type TraceId = \`\${string}-\${string}-\${string}-\${string}-\${string}\`;

export function traceId(): TraceId {
  return crypto.randomUUID();
}
`,
    "README.md": "# crackerjack (demo)\n",
  },
  "session-buddy": {
    "session_buddy/sessions.py": `from datetime import datetime


def start_session(db, project_name: str) -> str:
    timestamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    session_id = f"{project_name}-{timestamp}"
    # Positional: the add-column step gives sessions a fourth column (the report says so).
    db.execute("INSERT INTO sessions VALUES (?, ?, ?)", [session_id, project_name, datetime.now()])
    return session_id
`,
    "README.md": "# session-buddy (demo)\n",
  },
  akosha: {
    "akosha/graph.py": `class GraphEntity:
    def __init__(self, entity_id: str):
        self.entity_id = entity_id


class Graph:
    def __init__(self):
        self.entities = {}

    def add_system(self, system_id: str) -> GraphEntity:
        entity = GraphEntity(entity_id=f"system:{system_id}")
        self.entities[entity.entity_id] = entity
        return entity

    def find_system(self, system_id: str):
        # Natural key: the ID is rebuilt from the name to look the entity up.
        return self.entities.get(f"system:{system_id}")
`,
    "README.md": "# akosha (demo)\n",
  },
};

const CONFIG = `version: 1
systems:
  crackerjack:
    repo: ./crackerjack
    importStyle: from
    transforms: [uuid4-to-ulid, js-uuid-to-ulid, uuid-consumers, sql-consumers]
    database:
      engine: sqlite
      path: ./data/crackerjack.db
      backupDir: ./backups/crackerjack
      salt: demo-salt-crackerjack
      tables:
        - table: jobs
          key: job_id
          strategy: rewrite-in-place
          time: { column: start_time }
          # job_id columns that are not foreign keys would be listed here (or under
          # ignoreReferences, with a reason): migrate --apply refuses to leave one behind.
          references: []
  session-buddy:
    repo: ./session-buddy
    importStyle: from
    transforms: [fstring-id-to-ulid, sql-consumers]
    fstringRules:
      - target: session_id
        templates: ["{}-{}"]
    database:
      engine: duckdb
      path: ./data/session_buddy.duckdb
      backupDir: ./backups/session-buddy
      salt: demo-salt-session-buddy
      tables:
        - table: sessions
          key: session_id
          strategy: add-column
          ulidColumn: session_ulid
          time: { column: started }
          references:
            - { table: reflections, column: session_id }
  akosha:
    repo: ./akosha
    importStyle: from
    transforms: [fstring-id-to-ulid]
    fstringRules:
      - target: entity_id
        templates: ["system:{}"]
        naturalKeys: rewrite-and-flag
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
  }).trim();
}

/** A v4-shaped legacy ID for row i, deterministic. */
function legacyUuid(i: number): string {
  const h = (i * 2654435761 + 0x9e3779b9).toString(16).padStart(8, "0").slice(-8);
  const t = (i + 1).toString(16).padStart(12, "0");
  return `${h}-${t.slice(0, 4)}-4${t.slice(4, 7)}-a${t.slice(7, 10)}-${h}${t.slice(10, 12)}${h.slice(0, 2)}`;
}

/**
 * Crackerjack's shape and habits: indexes, child tables with foreign keys that nothing enforces
 * (Python's sqlite3 never turns them on), so a job deleted long ago left its error rows behind,
 * and errors raised before any job have none.
 */
function buildSqlite(file: string, jobs: number): void {
  const db = new Database(file);
  db.pragma("foreign_keys = OFF");
  db.exec(`
    CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT UNIQUE NOT NULL, start_time TIMESTAMP NOT NULL, status TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE errors (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, message TEXT, FOREIGN KEY (job_id) REFERENCES jobs(job_id));
    CREATE TABLE hook_executions (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, hook TEXT, FOREIGN KEY (job_id) REFERENCES jobs(job_id));
    CREATE INDEX idx_jobs_start_time ON jobs(start_time DESC);
    CREATE INDEX idx_errors_job_id ON errors(job_id);
  `);
  const job = db.prepare(
    "INSERT INTO jobs (job_id, start_time, status, created_at) VALUES (?, ?, ?, ?)",
  );
  const err = db.prepare("INSERT INTO errors (job_id, message) VALUES (?, ?)");
  const hook = db.prepare("INSERT INTO hook_executions (job_id, hook) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < jobs; i++) {
      const id = legacyUuid(i);
      const t = new Date(Date.UTC(2024, 0, 1, 9) + Math.floor(i / 2) * 1000);
      const at = t.toISOString().replace("T", " ").replace("Z", "");
      job.run(id, at, i % 3 ? "ok" : "failed", at);
      if (i % 3 === 0) err.run(id, `ruff found ${i % 7} issues`);
      hook.run(id, "ruff");
      hook.run(id, "pyright");
    }
    err.run(legacyUuid(jobs + 1), "job deleted since; its error row stayed");
    err.run(null, "startup failure, before any job");
  })();
  db.close();
}

/** Session-Buddy's sessions: PRIMARY KEY, secondary indexes (one DESC), a list column, defaults. */
async function buildDuck(file: string, sessions: number): Promise<void> {
  const inst = await DuckDBInstance.create(file);
  const conn = await inst.connect();
  try {
    await conn.run(`
      CREATE TABLE sessions (session_id TEXT PRIMARY KEY, project TEXT NOT NULL, started TIMESTAMP NOT NULL, tags TEXT[], created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE INDEX idx_sessions_project ON sessions(project);
      CREATE INDEX idx_sessions_started ON sessions(started DESC);
      CREATE TABLE reflections (id INTEGER, session_id TEXT, content TEXT);
      INSERT INTO sessions
        SELECT p || '-' || strftime(TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND, '%Y%m%d-%H%M%S'),
               p, TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND,
               CASE WHEN i % 2 = 0 THEN ['python', 'refactor'] ELSE [] END,
               TIMESTAMP '2024-03-01 08:00:00' + INTERVAL (i * 7) SECOND
        FROM (SELECT i, CASE WHEN i % 2 = 0 THEN 'session-buddy' ELSE 'crackerjack' END AS p FROM range(${sessions}) t(i));
      INSERT INTO reflections SELECT row_number() OVER (ORDER BY session_id), session_id, 'learned something' FROM sessions;
      INSERT INTO reflections SELECT 100000 + row_number() OVER (ORDER BY session_id), session_id, 'and more' FROM sessions WHERE hash(session_id) % 2 = 0;
      CHECKPOINT;
    `);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

export interface DemoWorkspace {
  dir: string;
  config: string;
  repos: Record<string, string>;
  databases: { system: string; engine: Engine; path: string }[];
}

/** Builds the workspace in `dir` (created; must be empty if it exists). */
export async function buildDemoWorkspace(
  dir: string,
  opts: { jobs?: number; sessions?: number } = {},
): Promise<DemoWorkspace> {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(`${dir}: not empty; give a new or empty directory for the demo workspace`);
  }
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const repos: Record<string, string> = {};
  for (const name of DEMO_SYSTEMS) {
    const repo = path.join(dir, name);
    const remote = path.join(dir, "remotes", `${name}.git`);
    fs.mkdirSync(remote, { recursive: true });
    git(remote, "init", "-q", "--bare", "-b", "main");
    fs.mkdirSync(repo, { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "config", "user.name", "Demo Developer");
    git(repo, "config", "user.email", "dev@example.test");
    git(repo, "config", "commit.gpgsign", "false");
    for (const [file, content] of Object.entries(SOURCES[name] ?? {})) {
      fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      fs.writeFileSync(path.join(repo, file), content);
    }
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "initial");
    git(repo, "remote", "add", "origin", remote);
    git(repo, "push", "-q", "origin", "main");
    repos[name] = repo;
  }
  const cj = path.join(dir, "data", "crackerjack.db");
  const sb = path.join(dir, "data", "session_buddy.duckdb");
  buildSqlite(cj, opts.jobs ?? 3000);
  await buildDuck(sb, opts.sessions ?? 1000);
  const config = path.join(dir, "ulid-migration.yaml");
  fs.writeFileSync(config, CONFIG);
  return {
    dir,
    config,
    repos,
    databases: [
      { system: "crackerjack", engine: "sqlite", path: cj },
      { system: "session-buddy", engine: "duckdb", path: sb },
    ],
  };
}

/** Per table: row count and a hash of every row; per repo: local and remote branches. */
export async function workspaceState(ws: DemoWorkspace): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of ws.databases) {
    const db = await openDb(d.engine, d.path, { readOnly: true });
    try {
      for (const t of await tableNames(db)) {
        const s = await snapshotTable(db, t);
        out[`${d.system} ${t}`] = `${s.rows} rows, sha256 ${s.sha256.slice(0, 12)}`;
      }
    } finally {
      db.close();
    }
  }
  for (const [name, repo] of Object.entries(ws.repos)) {
    out[`${name} branches`] = git(
      repo,
      "for-each-ref",
      "--format=%(refname:short)",
      "refs/heads",
      "refs/remotes",
    )
      .split("\n")
      .filter((b) => b && !b.endsWith("/HEAD"))
      .join(" ");
    out[`${name} remote`] = git(repo, "ls-remote", "--heads", "origin")
      .split("\n")
      .map((l) => l.split("\t")[1]?.replace("refs/heads/", "") ?? "")
      .join(" ");
  }
  return out;
}

function compareTable(states: [string, Record<string, string>][]): string {
  const keys = [...new Set(states.flatMap(([, s]) => Object.keys(s)))];
  const header = ["", ...states.map(([h]) => h)];
  const rows = keys.map((k) => [k, ...states.map(([, s]) => s[k] ?? "(none)")]);
  return textTable(header, rows);
}

export interface DemoOptions {
  /** Keep the workspace here instead of a temp dir that is removed at the end. */
  keep?: string;
  out?: (t: string) => void;
  err?: (t: string) => void;
  jobs?: number;
  sessions?: number;
}

export interface DemoResult {
  workspace: DemoWorkspace;
  before: Record<string, string>;
  afterApply: Record<string, string>;
  afterRollback: Record<string, string>;
  restored: boolean;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  const err = opts.err ?? ((t: string) => process.stderr.write(t));
  const dir = opts.keep
    ? path.resolve(opts.keep)
    : fs.mkdtempSync(path.join(os.tmpdir(), "ulid-demo-"));
  const heading = (t: string) => out(`\n== ${t}\n\n`);
  try {
    const ws = await buildDemoWorkspace(dir, {
      ...(opts.jobs ? { jobs: opts.jobs } : {}),
      ...(opts.sessions ? { sessions: opts.sessions } : {}),
    });
    heading(
      `workspace ${dir}: 3 git repos (crackerjack with a TypeScript dashboard in ui/; bare remotes in remotes/), data/crackerjack.db (SQLite), data/session_buddy.duckdb (DuckDB)`,
    );
    const before = await workspaceState(ws);

    heading("ulid-codemod migrate --all --apply --yes --push");
    const deps = { out, err, runCodemod: runTransforms, isTTY: false };
    await runMigrate({ config: ws.config, all: true, apply: true, yes: true, push: true }, deps);
    const afterApply = await workspaceState(ws);

    const cj = ws.repos.crackerjack as string;
    heading("diff of crackerjack/jobs.py on ulid-migration");
    out(`${git(cj, "diff", "main", "ulid-migration", "--", "crackerjack/jobs.py")}\n`);
    heading("diff of the TypeScript dashboard (crackerjack/ui) on ulid-migration");
    out(`${git(cj, "diff", "main", "ulid-migration", "--", "ui")}\n`);
    heading("needs review, from .ulid-migration/crackerjack/report.md (the PR body)");
    const report = git(cj, "show", "ulid-migration:.ulid-migration/crackerjack/report.md");
    const review = /^## Needs review[\s\S]*?(?=^## )/m.exec(report)?.[0] ?? "(none)\n";
    out(review.replace(/^## Needs review \(\d+\)\n\n/, ""));
    const sqlDir = `${reportDir("crackerjack")}/sql`;
    heading(`${sqlDir} on the branch: what is committed (the mapping data is not)`);
    out(`${git(cj, "ls-tree", "-r", "--name-only", "ulid-migration", "--", sqlDir)}\n`);
    heading(`head of ${sqlDir}/apply/0001_jobs_3_backfill.sql`);
    const sql = git(cj, "show", `ulid-migration:${sqlDir}/apply/0001_jobs_3_backfill.sql`);
    const lines = sql.split("\n");
    const body = lines.indexOf("BEGIN IMMEDIATE;");
    out(
      `${lines
        .slice(0, body + 4)
        .map((l) => (l.length > 150 ? `${l.slice(0, 150)}...` : l))
        .join("\n")}\n`,
    );

    heading("ulid-codemod rollback --all --yes");
    await runRollback({ config: ws.config, all: true, yes: true }, deps);
    const afterRollback = await workspaceState(ws);

    heading("before / after apply / after rollback");
    out(
      `${compareTable([
        ["before", before],
        ["after apply", afterApply],
        ["after rollback", afterRollback],
      ])}\n`,
    );
    const restored = JSON.stringify(before) === JSON.stringify(afterRollback);
    out(
      `\n${restored ? "Rollback check: every table and branch list is exactly as before the migration." : "Rollback check FAILED: something differs from before (see the table)."}\n`,
    );
    if (opts.keep) out(`Workspace kept in ${dir}\n`);
    return { workspace: ws, before, afterApply, afterRollback, restored };
  } finally {
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
