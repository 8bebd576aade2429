/**
 * `migrate --apply` against the engine floor: a hand-written single-transaction apply with
 * Python's sqlite3 on a copy of the same database (map table, UPDATE each child and the parent
 * through it, foreign_key_check, quick_check). Runs alternate, each on a fresh copy.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { crackerjackSystem } from "./databases.ts";
import { measure, median, type Sample } from "./measure.ts";

/** The floor: what a DBA would write by hand. ULIDs from the row's time and random bits. */
export const FLOOR_PY = `
import os, sqlite3, sys
from datetime import datetime, timezone
A = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def enc(n, k):
    s = []
    for _ in range(k):
        s.append(A[n & 31]); n >>= 5
    return "".join(reversed(s))
def ulid(t):
    ms = int(datetime.fromisoformat(t).replace(tzinfo=timezone.utc).timestamp() * 1000)
    return enc(ms, 10) + enc(int.from_bytes(os.urandom(10), "big"), 16)
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
rows = con.execute("SELECT job_id, start_time FROM jobs ORDER BY rowid").fetchall()
con.execute("CREATE TABLE ulid_migration_map (legacy_id TEXT PRIMARY KEY, ulid TEXT NOT NULL UNIQUE)")
con.executemany("INSERT INTO ulid_migration_map VALUES (?, ?)", ((j, ulid(t)) for j, t in rows))
for child in sys.argv[2:]:
    con.execute(f"UPDATE {child} SET job_id = (SELECT ulid FROM ulid_migration_map WHERE legacy_id = {child}.job_id) WHERE job_id IN (SELECT legacy_id FROM ulid_migration_map)")
con.execute("UPDATE jobs SET job_id = (SELECT ulid FROM ulid_migration_map WHERE legacy_id = jobs.job_id)")
assert not con.execute("PRAGMA foreign_key_check").fetchall()
assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
con.execute("COMMIT")
`;

const CHILDREN = ["errors", "hook_executions", "test_executions"];

export interface ApplyBench {
  ours: Sample & { samples: Sample[] };
  floor: Sample & { samples: Sample[] };
}

/** The environment `migrate` runs in: its commits need an author. */
export function benchGitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@localhost",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@localhost",
  };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", args, { cwd, stdio: "ignore" });
}

/**
 * A repository of `files` (path -> content) with a plan of one system (`systemLines`, from
 * crackerjackSystem or sessionBuddySystem), committed on main; returns the plan's path.
 */
export function benchRepo(
  dir: string,
  files: Record<string, string>,
  systemLines: (extra: string[]) => string[],
  db: string,
): string {
  rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const plan = path.join(dir, "ulid-migration.yaml");
  const backups = `      backupDir: ${JSON.stringify(path.join(path.dirname(db), "backups"))}`;
  writeFileSync(plan, ["version: 1", "systems:", ...systemLines([backups]), ""].join("\n"));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "add", ".");
  git(dir, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "start");
  return plan;
}

/** A Crackerjack-shaped repository whose plan points at `db` (outside the repository). */
function crackerjackRepo(dir: string, db: string): string {
  return benchRepo(
    dir,
    { "jobs.py": 'import uuid\n\n\ndef new_job():\n    return {"job_id": str(uuid.uuid4())}\n' },
    (extra) => crackerjackSystem(JSON.stringify(db), extra),
    db,
  );
}

/**
 * Alternating rounds: ours (`migrate --apply --yes` on a fresh repository and copy) and the floor
 * (the script above on a fresh copy); the copies are made outside the timed part.
 */
export function benchApplyAt(
  source: string,
  work: string,
  runs: number,
  cli: string[],
): ApplyBench {
  const ours: Sample[] = [];
  const floor: Sample[] = [];
  const env = benchGitEnv();
  for (let i = 0; i < runs; i++) {
    const dbDir = path.join(work, "apply");
    rmSync(dbDir, { recursive: true, force: true });
    mkdirSync(dbDir, { recursive: true });
    const db = path.join(dbDir, "crackerjack.sqlite");
    copyFileSync(source, db);
    const plan = crackerjackRepo(path.join(work, "apply-repo"), db);
    ours.push(
      measure(
        [...cli, "migrate", "--config", plan, "--system", "crackerjack", "--apply", "--yes"],
        env,
      ),
    );
    copyFileSync(source, db);
    floor.push(measure(["python3", "-c", FLOOR_PY, db, ...CHILDREN]));
  }
  rmSync(path.join(work, "apply"), { recursive: true, force: true });
  rmSync(path.join(work, "apply-repo"), { recursive: true, force: true });
  const sum = (s: Sample[]) => ({
    wallMs: median(s.map((x) => x.wallMs)),
    peakRssKb: Math.max(...s.map((x) => x.peakRssKb)),
    samples: s,
  });
  return { ours: sum(ours), floor: sum(floor) };
}
