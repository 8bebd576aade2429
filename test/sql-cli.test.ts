import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import type { DatabaseConfig } from "../src/sql/config.ts";
import { registerSqlCommands } from "../src/sql/index.ts";
import { crackerjackConfig, makeCrackerjack, tempDir } from "./sql-fixtures.ts";

let dir: string;
let cleanup: () => void;
let database: DatabaseConfig;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  makeCrackerjack(path.join(dir, "crackerjack.db"), 25);
  database = crackerjackConfig(path.join(dir, "crackerjack.db"), "rewrite-in-place", {
    sqlDir: ".ulid-migration/crackerjack/sql",
  });
});
afterAll(() => cleanup());
afterEach(() => {
  process.exitCode = undefined;
});

/** Runs `ulid-codemod sql ...` through commander with a literal system config. */
async function run(args: string[], systems: Record<string, { database?: DatabaseConfig }> = {}) {
  let out = "";
  let err = "";
  const program = new Command("ulid-codemod").exitOverride();
  registerSqlCommands(program, {
    loadSystem: async (name) => {
      const sys = name === "crackerjack" ? { database } : systems[name];
      if (!sys) throw new Error(`unknown system ${name}`);
      return { name, repo: path.join(dir, "repo"), ...sys };
    },
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  process.exitCode = undefined;
  await program.parseAsync(["node", "ulid-codemod", "sql", ...args]);
  return { code: process.exitCode ?? 0, out, err };
}

test("sql generate writes into the system's sqlDir and sql verify prints a passing table", async () => {
  const g = await run(["generate", "--system", "crackerjack"]);
  expect(g.err).toBe("");
  expect(g.code).toBe(0);
  const sqlDir = path.join(dir, "repo", ".ulid-migration", "crackerjack", "sql");
  expect(fs.readdirSync(sqlDir).sort()).toEqual([
    "0001_jobs_backfill.sql",
    "0001_jobs_contract.sql",
    "0001_jobs_expand.sql",
    "0001_jobs_rollback.sql",
    "manifest.json",
  ]);
  expect(g.out).toContain("jobs.job_id: 25 rows, rewrite-in-place");
  expect(g.out).toContain("note: jobs.job_id: job_notes.job_id has the same name and type");
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
  expect(fs.readFileSync(path.join(out, "0001_jobs_backfill.sql"), "utf8")).toContain("rows: 3");
  // Files for other.db checked against the configured 25-row database: the guard trips.
  const v = await run(["verify", "--system", "crackerjack", "--out", out]);
  expect(v.code).toBe(1);
  expect(v.out).toMatch(/^apply\s+FAIL\s+0001_jobs_expand\.sql: .*guard failed/m);
  expect(v.out).toContain("verify crackerjack: FAILED");
});

test("usage errors exit 2, database errors exit 1, each with a message", async () => {
  const noSystem = await run(["generate"]);
  expect(noSystem.code).toBe(2);
  expect(noSystem.err).toContain("--system NAME is required");
  const noDb = await run(["verify", "--system", "docs"], { docs: {} });
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
  expect(missing.err).toMatch(/sqlite database not found: .*nope\.db/);
});
