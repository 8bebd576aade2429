// migrate --all --apply / rollback end to end on the demo workspace (real git repos with a bare
// remote, real SQLite and DuckDB files), through the CLI entry point.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import {
  buildDemoWorkspace,
  type DemoWorkspace,
  runDemo,
  workspaceState,
} from "../src/cli/demo-workspace.ts";
import { reportSchema } from "../src/report/schema.ts";
import { openDb } from "../src/sql/db.ts";
import { cliCapture, git, tempDir } from "./helpers/repos.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

function cli(args: string[], extra: { confirm?: (q: string) => boolean } = {}) {
  const { confirm } = extra;
  return cliCapture(args, confirm ? { confirm: async (q: string) => confirm(q) } : {});
}

async function workspace(jobs = 400, sessions = 120): Promise<DemoWorkspace> {
  tmp = tempDir("ulid-safe-");
  return buildDemoWorkspace(path.join(tmp.dir, "ws"), { jobs, sessions });
}

function sqlite(ws: DemoWorkspace) {
  return new Database(ws.databases[0]?.path as string, { readonly: true });
}

describe("migrate --all --apply, then rollback --all", () => {
  test("code, SQL and data per phase; validations hold; rerun is a no-op; rollback restores everything", async () => {
    const ws = await workspace();
    const before = await workspaceState(ws);
    const cj = ws.repos.crackerjack as string;

    // Akosha's plan rewrites natural keys on purpose (rewrite-and-flag): accepted here.
    const r = await cli([
      "migrate",
      "--config",
      ws.config,
      "--all",
      "--apply",
      "--yes",
      "--push",
      "--allow-blocking",
    ]);
    expect(r.err).not.toContain("FAILED");
    expect(r.code).toBe(0);
    // Phase order, then the summary table.
    const order = ["[1/3] crackerjack", "[2/3] session-buddy", "[3/3] akosha"].map((p) =>
      r.err.indexOf(p),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order[0]).toBeGreaterThanOrEqual(0);
    // The apply verifies, rollback files included (SQLite: inside its transaction; DuckDB: on a
    // copy of its working copy), instead of a scratch copy before the commit.
    expect(r.err).toContain(
      "[1/3] crackerjack: exercising the rollback files inside the transaction (undone before COMMIT)",
    );
    expect(r.err).toContain(
      "[2/3] session-buddy: exercising the rollback files on a copy of the applied working copy",
    );
    expect(r.err).not.toContain("verifying SQL on a scratch copy");
    expect(r.out).toMatch(
      /crackerjack\s+done\s+4\s+3\s+0\s+400\s+pass \(\d+ checks\)\s+-\s+[\d.]+ MB -> [\d.]+ MB\s+\S+ulid-backup-\d{8}T\d{6}Z/,
    );
    // The rows that already pointed at no job are named, and left as they were.
    expect(r.out).toMatch(
      /crackerjack: already orphaned before the migration: errors\.job_id -> jobs\.job_id: 1 row points at no jobs\.job_id \(rowid \d+ "[0-9a-f-]{36}"\); 1 NULL; left exactly as they are/,
    );
    expect(r.out).toMatch(/session-buddy\s+done\s+1\s+0\s+1\s+120\s+pass/);
    expect(r.out).toMatch(/akosha\s+done\s+1\s+0\s+1\s+-\s+- \(no database\)/);

    // The seed's validations on the real databases.
    const db = sqlite(ws);
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE length(job_id) != 26").get()).toEqual(
        { n: 0 },
      );
      for (const [child, orphans] of [
        ["errors", 1],
        ["hook_executions", 0],
      ] as const) {
        expect(
          db
            .prepare(
              `SELECT COUNT(*) AS n FROM ${child} c WHERE c.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_id = c.job_id)`,
            )
            .get(),
        ).toEqual({ n: orphans });
      }
      // Only the violation that was there before.
      expect(db.pragma("foreign_key_check")).toEqual([
        { table: "errors", rowid: expect.any(Number), parent: "jobs", fkid: 0 },
      ]);
    } finally {
      db.close();
    }
    const duck = await openDb("duckdb", ws.databases[1]?.path as string, { readOnly: true });
    try {
      expect(
        await duck.all("SELECT COUNT(*)::INT AS n FROM sessions WHERE session_ulid IS NULL"),
      ).toEqual([{ n: 0 }]);
      expect(
        await duck.all(
          "SELECT COUNT(*)::INT AS n FROM reflections r JOIN sessions s ON s.session_id = r.session_id WHERE r.session_ulid IS DISTINCT FROM s.session_ulid",
        ),
      ).toEqual([{ n: 0 }]);
    } finally {
      duck.close();
    }
    const after = await workspaceState(ws);
    for (const t of ["jobs", "errors", "hook_executions"]) {
      expect(after[`crackerjack ${t}`]?.split(",")[0]).toBe(
        before[`crackerjack ${t}`]?.split(",")[0],
      );
    }

    // The SQL is committed on the branch and listed in the report (the PR body).
    const files = git(cj, "show", "--name-only", "--format=", "ulid-migration").split("\n");
    const sql = ".ulid-migration/crackerjack/sql";
    expect(files.filter((f) => f.startsWith(sql)).sort()).toEqual(
      [
        ".gitignore",
        "README.md",
        "apply/0001_jobs_2_expand.sql",
        "apply/0001_jobs_3_backfill.sql",
        "contract/0001_jobs_contract.sql",
        "manifest.json",
        "rollback/0001_jobs_rollback.sql",
      ].map((f) => `${sql}/${f}`),
    );
    // So is the TypeScript dashboard: its rewrite, its package.json; the rewrite its
    // tsconfig.json refuses is in the report.
    expect(files).toEqual(expect.arrayContaining(["ui/src/hooks.ts", "ui/package.json"]));
    expect(git(cj, "show", "ulid-migration:.ulid-migration/crackerjack/report.md")).toContain(
      "- `ui/src/hooks.ts:16` — the rewrite does not type-check against ui/tsconfig.json",
    );
    const report = git(cj, "show", "ulid-migration:.ulid-migration/crackerjack/report.md");
    expect(report).toContain(`${sql}/apply/0001_jobs_3_backfill.sql`);
    expect(report).toContain("**Rows that already pointed at no parent row before the migration**");
    // report.json: the orphans on the child they belong to, and the data file marked as such.
    const json = reportSchema.parse(
      JSON.parse(git(cj, "show", "ulid-migration:.ulid-migration/crackerjack/report.json")),
    );
    const jobs = json.database?.tables[0];
    expect(jobs?.children.find((c) => c.table === "errors")?.orphans).toMatchObject({
      count: 1,
      nulls: 1,
    });
    expect(jobs?.dataFiles).toEqual(["apply/0001_jobs_1_map.sql"]);
    expect(json.database?.data).toEqual([`${sql}/apply/0001_jobs_1_map.sql`]);
    expect(files).not.toContain(`${sql}/apply/0001_jobs_1_map.sql`);
    expect(
      git(path.join(ws.dir, "remotes", "crackerjack.git"), "rev-parse", "ulid-migration"),
    ).toBe(git(cj, "rev-parse", "ulid-migration"));
    // Beside the SQL files, the code that must change with them: the positional INSERT.
    const sbReport = git(
      ws.repos["session-buddy"] as string,
      "show",
      "ulid-migration:.ulid-migration/session-buddy/report.md",
    );
    const sqlAt = sbReport.indexOf("## Database");
    const codeAt = sbReport.indexOf("## SQL in the code that touches a migrated table (1)");
    expect(sqlAt).toBeGreaterThan(-1);
    expect(codeAt).toBeGreaterThan(sqlAt);
    expect(sbReport.slice(codeAt)).toContain(
      "- **blocking** `session_buddy/sessions.py:8` — positional INSERT into sessions: add-column gives it one more column (`session_ulid`)",
    );

    // Already applied: nothing to do, exit 0, no new backup.
    const backups = fs.readdirSync(path.join(ws.dir, "backups", "crackerjack"));
    const again = await cli([
      "migrate",
      "--config",
      ws.config,
      "--all",
      "--apply",
      "--yes",
      "--allow-blocking",
    ]);
    expect(again.code).toBe(0);
    expect(again.err).toContain("already migrated");
    expect(again.out).toMatch(/crackerjack\s+done\s+4\s+3\s+0\s+0\s+already applied/);
    expect(fs.readdirSync(path.join(ws.dir, "backups", "crackerjack"))).toEqual(backups);

    const plan = await cli(["rollback", "--config", ws.config, "--all", "--dry-run"]);
    expect(plan.out).toContain("crackerjack: database: would restore");
    expect(await workspaceState(ws)).toEqual(after);

    const rb = await cli(["rollback", "--config", ws.config, "--all", "--yes"]);
    expect(rb.code).toBe(0);
    expect(rb.out).toContain("crackerjack: branch: deleted ulid-migration");
    expect(await workspaceState(ws)).toEqual(before);
    expect(git(cj, "symbolic-ref", "--short", "HEAD")).toBe("main");
  }, 120_000);

  test("a failing phase stops the run; later phases do not start; the summary says what was done", async () => {
    const ws = await workspace(150, 40);
    // Something no preflight can know: session-buddy's own hook refuses the commit.
    const sb = ws.repos["session-buddy"] as string;
    fs.writeFileSync(
      path.join(sb, ".git", "hooks", "pre-commit"),
      "#!/bin/sh\necho 'policy: no' >&2\nexit 1\n",
      {
        mode: 0o755,
      },
    );
    const r = await cli(["migrate", "--config", ws.config, "--all", "--apply", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/crackerjack\s+done/);
    expect(r.out).toMatch(/session-buddy\s+failed/);
    expect(r.out).toMatch(/akosha\s+not started/);
    expect(r.out).toContain("Stopped at session-buddy (the reason follows below).");
    expect(r.out).toContain("Already done: crackerjack. Later phases did not start.");
    // The reason, once: in the last line, not in the phase line or the summary.
    expect(r.err).toContain("error: migrate stopped at session-buddy: ");
    expect(r.err).toContain("policy: no");
    expect((r.out + r.err).split("policy: no").length - 1).toBe(1);
    expect(r.err).toContain("[2/3] session-buddy: FAILED\n");
    expect(git(ws.repos.akosha as string, "branch", "--list", "ulid-migration")).toBe("");
    expect(git(sb, "branch", "--list", "ulid-migration")).toBe("");
    expect(git(sb, "status", "--porcelain")).toBe("");
    // The session-buddy database was not touched: no backup was even taken.
    expect(fs.existsSync(path.join(ws.dir, "backups", "session-buddy"))).toBe(false);
  }, 60_000);

  test("preflight: every problem of every system is reported at once, and nothing changes", async () => {
    const ws = await workspace(80, 20);
    const before = await workspaceState(ws);
    fs.writeFileSync(path.join(ws.repos["session-buddy"] as string, "stray.txt"), "uncommitted\n");
    git(ws.repos.akosha as string, "remote", "rename", "origin", "elsewhere");
    const locker = new Database(ws.databases[0]?.path as string);
    locker.exec("BEGIN IMMEDIATE");
    try {
      const r = await cli([
        "migrate",
        "--config",
        ws.config,
        "--all",
        "--apply",
        "--yes",
        "--push",
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("nothing was changed; the preflight found 3 problems to fix first:");
      expect(r.err).toMatch(
        /- crackerjack: .*crackerjack\.db: database is locked by another connection/,
      );
      expect(r.err).toMatch(/- session-buddy: working tree of .* is not clean \(\?\? stray\.txt\)/);
      expect(r.err).toContain('- akosha: remote "origin" does not exist');
      expect(r.err).not.toContain("[1/3]");
    } finally {
      locker.exec("ROLLBACK");
      locker.close();
    }
    fs.rmSync(path.join(ws.repos["session-buddy"] as string, "stray.txt"));
    git(ws.repos.akosha as string, "remote", "rename", "elsewhere", "origin");
    expect(await workspaceState(ws)).toEqual(before);
    expect(fs.existsSync(path.join(ws.dir, "backups"))).toBe(false);
  }, 60_000);

  test("no terminal and no --yes: refused up front (exit 2); --dry-run changes nothing; a declined step stops", async () => {
    const ws = await workspace(60, 20);
    const before = await workspaceState(ws);
    const refused = await cli(["migrate", "--config", ws.config, "--all", "--apply"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("no terminal to ask on; rerun with --yes");

    const both = await cli(["migrate", "--config", ws.config, "--all", "--apply", "--dry-run"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("--dry-run changes nothing, so it cannot be combined with");
    const dry = await cli(["migrate", "--config", ws.config, "--all", "--dry-run"]);
    // Blocking sites (session-buddy's positional INSERT, akosha's natural key) fail a dry run
    // too (the CI use), after every system ran.
    expect(dry.code).toBe(1);
    expect(dry.err.trim().split("\n").slice(-3)).toEqual([
      "error: migrate: 2 systems fail the run:",
      "  - session-buddy: 1 blocking site(s): the rewrite breaks them; resolve them, or rerun with --allow-blocking to accept",
      "  - akosha: 1 blocking site(s): the rewrite breaks them; resolve them, or rerun with --allow-blocking to accept",
    ]);
    expect(dry.out).toContain("+    job_id = generate()");
    expect(dry.out).toMatch(/crackerjack\s+dry-run/);
    expect(await workspaceState(ws)).toEqual(before);
    expect(fs.existsSync(path.join(ws.dir, "backups"))).toBe(false);

    const asked: string[] = [];
    const declined = await cli(["migrate", "--config", ws.config, "--all", "--apply"], {
      confirm: (q) => {
        asked.push(q);
        return !q.includes("apply the SQL");
      },
    });
    expect(declined.code).toBe(1);
    expect(asked).toEqual([
      "crackerjack: commit the migration to branch ulid-migration?",
      `crackerjack: apply the SQL to ${ws.databases[0]?.path}?`,
    ]);
    expect(declined.out).toMatch(/crackerjack\s+declined/);
    // The apply that was to verify the committed SQL did not run: the copy verified it.
    expect(declined.err).toContain("[1/3] crackerjack: verifying SQL on a scratch copy");
    expect(declined.out).toMatch(/session-buddy\s+not started/);
    const now = await workspaceState(ws);
    expect(now["crackerjack jobs"]).toBe(before["crackerjack jobs"]);
  }, 60_000);

  test("rollback never deletes a branch ulid-codemod did not create", async () => {
    const ws = await workspace(30, 10);
    const repo = ws.repos.akosha as string;
    execFileSync("git", ["checkout", "-q", "-b", "ulid-migration"], { cwd: repo });
    fs.writeFileSync(path.join(repo, "mine.txt"), "x\n");
    git(repo, "add", "mine.txt");
    git(repo, "commit", "-q", "-m", "my own work");
    git(repo, "checkout", "-q", "main");
    const tip = git(repo, "rev-parse", "ulid-migration");
    const r = await cli(["rollback", "--config", ws.config, "--system", "akosha", "--yes"]);
    expect(r.out).toContain("akosha: branch: kept ulid-migration: not created by ulid-codemod");
    expect(git(repo, "rev-parse", "ulid-migration")).toBe(tip);
  }, 60_000);
});

test("demo: prints the summary, a diff, the SQL head and a before/after table; removes its workspace", async () => {
  let out = "";
  const r = await runDemo({ out: (t) => (out += t), err: () => {}, jobs: 120, sessions: 30 });
  expect(r.restored).toBe(true);
  expect(r.afterApply["crackerjack jobs"]).not.toBe(r.before["crackerjack jobs"]);
  expect(r.afterApply["crackerjack branches"]).toContain("ulid-migration");
  const sections = [
    "== ulid-codemod migrate --all --apply --yes --push",
    "== diff of crackerjack/jobs.py on ulid-migration",
    "+    job_id = generate()",
    "== diff of the TypeScript dashboard (crackerjack/ui) on ulid-migration",
    '+    "ulid": "^3.0.2",',
    "+  return { runId: ulid(), hook };",
    "== needs review, from .ulid-migration/crackerjack/report.md (the PR body)",
    "refresh the lockfile (npm install; ui/package-lock.json)",
    "BEGIN IMMEDIATE;",
    "== ulid-codemod rollback --all --yes",
    "== before / after apply / after rollback",
    "Rollback check: every table and branch list is exactly as before the migration.",
  ].map((s) => out.indexOf(s));
  expect(sections.every((i) => i >= 0)).toBe(true);
  expect(sections).toEqual([...sections].sort((a, b) => a - b));
  expect(out).toMatch(/akosha\s+done\s+1\s+0\s+1/);
  expect(fs.existsSync(r.workspace.dir)).toBe(false);
}, 90_000);
