import fs from "node:fs";
import path from "node:path";
import { beforeAll, expect, test } from "vitest";
import { cliCapture } from "./helpers/repos.ts";
import { tempDir } from "./helpers.ts";
import { makeCrackerjack } from "./sql-fixtures.ts";

const dir = tempDir("ulid-sql-test-");
let config: string;
beforeAll(() => {
  makeCrackerjack(path.join(dir, "crackerjack.db"), 25);
  config = path.join(dir, "ulid-migration.yaml");
  fs.writeFileSync(
    config,
    [
      "version: 1",
      "systems:",
      "  crackerjack:",
      "    repo: ./repo",
      "    transforms: [uuid4-to-ulid]",
      "    database:",
      "      engine: sqlite",
      "      path: crackerjack.db",
      "      salt: test-salt-crackerjack",
      "      batchSize: 100",
      "      sqlDir: .ulid-migration/crackerjack/sql",
      "      tables:",
      "        - { table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }",
      "  docs:",
      "    repo: ./repo",
      "    transforms: [uuid4-to-ulid]",
      "",
    ].join("\n"),
  );
});

/** Runs `ulid-codemod sql ...` through the real CLI boundary with a real migration config. */
const run = (args: string[]) => cliCapture(["sql", ...args, "--config", config]);

test("sql generate writes into the system's sqlDir and sql verify prints a passing table", async () => {
  const g = await run(["generate", "--system", "crackerjack"]);
  expect(g.err).toBe("");
  expect(g.code).toBe(0);
  const sqlDir = path.join(dir, "repo", ".ulid-migration", "crackerjack", "sql");
  expect((fs.readdirSync(sqlDir, { recursive: true }) as string[]).sort()).toEqual([
    ".gitignore",
    "README.md",
    "apply",
    "apply/0001_jobs_1_map.sql",
    "apply/0001_jobs_2_expand.sql",
    "apply/0001_jobs_3_backfill.sql",
    "contract",
    "contract/0001_jobs_contract.sql",
    "manifest.json",
    "rollback",
    "rollback/0001_jobs_rollback.sql",
  ]);
  expect(g.out).toContain("jobs.job_id: 25 rows, rewrite-in-place");
  expect(g.out).toContain("0001_jobs_1_map.sql (mapping data: not for commit, see .gitignore)");
  expect(g.out).toContain(
    "note: jobs.job_id: job_notes.job_id (named like jobs.job_id, no values to sample) looks like a reference but is not in the plan",
  );
  const v = await run(["verify", "--system", "crackerjack"]);
  expect(v.code).toBe(0);
  expect(v.out).toMatch(/^check\s+result\s+detail$/m);
  expect(v.out).toMatch(/^jobs\.job_id: unique\s+pass/m);
  expect(v.out).toMatch(/verify crackerjack: all \d+ checks passed/);
});

test("--db and --out override the config; a failing verify exits 1", async () => {
  const other = path.join(dir, "other.db");
  makeCrackerjack(other, 3);
  const out = path.join(dir, "custom-out");
  expect(
    (await run(["generate", "--system", "crackerjack", "--db", other, "--out", out])).code,
  ).toBe(0);
  expect(fs.readFileSync(path.join(out, "apply", "0001_jobs_3_backfill.sql"), "utf8")).toContain(
    "rows: 3",
  );
  // Files for other.db checked against the configured 25-row database: the guard trips.
  const v = await run(["verify", "--system", "crackerjack", "--out", out]);
  expect(v.code).toBe(1);
  expect(v.out).toMatch(
    /^apply\s+FAIL\s+0001_jobs_1_map\.sql: ulid-codemod guard failed: row count of jobs is 25, expected 3$/m,
  );
  expect(v.err).toContain("verify crackerjack: FAILED");
});

test("sql export writes the mapping data a clone lacks, or a whole folder with --out; a changed database exits 1", async () => {
  const sqlDir = path.join(dir, "repo", ".ulid-migration", "crackerjack", "sql");
  expect((await run(["generate", "--system", "crackerjack"])).code).toBe(0);
  const data = path.join(sqlDir, "apply", "0001_jobs_1_map.sql");
  const bytes = fs.readFileSync(data);
  fs.rmSync(data);
  const e = await run(["export", "--system", "crackerjack"]);
  expect(e.err).toBe("");
  expect(e.code).toBe(0);
  expect(e.out).toContain(`wrote ${data}`);
  expect(e.out).toMatch(
    /export crackerjack: 25 mapping rows match the committed manifest; apply .*\/apply\/\*\.sql in name order/,
  );
  expect(fs.readFileSync(data)).toEqual(bytes);
  const out = path.join(dir, "for-the-dba");
  expect((await run(["export", "--system", "crackerjack", "--out", out])).code).toBe(0);
  expect(fs.readdirSync(path.join(out, "apply")).sort()).toEqual([
    "0001_jobs_1_map.sql",
    "0001_jobs_2_expand.sql",
    "0001_jobs_3_backfill.sql",
  ]);
  const other = path.join(dir, "changed.db");
  makeCrackerjack(other, 26);
  const refused = await run([
    "export",
    "--system",
    "crackerjack",
    "--db",
    other,
    "--out",
    path.join(dir, "no"),
  ]);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain("jobs: 25 rows then, 26 now");
  expect(fs.existsSync(path.join(dir, "no"))).toBe(false);
});

test("usage errors exit 2, database errors exit 1, each with a message", async () => {
  const noSystem = await run(["generate"]);
  expect(noSystem.code).toBe(2);
  expect(noSystem.err).toContain("--system NAME is required");
  const noDb = await run(["verify", "--system", "docs"]);
  expect(noDb.code).toBe(2);
  expect(noDb.err).toContain("system docs has no database section");
  const missing = await run([
    "generate",
    "--system",
    "crackerjack",
    "--db",
    path.join(dir, "nope.db"),
  ]);
  expect(missing.code).toBe(1);
  expect(missing.err).toMatch(/--db .*nope\.db: no such file/);
});
