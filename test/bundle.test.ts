import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { THREAD_MIN_FILES } from "../src/codemod/shares.ts";
import { REPO_ROOT, tempDir } from "./helpers.ts";
import { makeCrackerjack } from "./sql-fixtures.ts";

// The bundle users run (dist/, built by `npm ci`) is built here into its own folder at the same
// depth, so paths it resolves at run time (package.json) are checked in every environment.
const out = `dist-test-${process.pid}`;
const cli = path.join(REPO_ROOT, out, "cli.mjs");
beforeAll(() => {
  execFileSync(process.execPath, [path.join(REPO_ROOT, "bin/build.js"), out]);
});
afterAll(() => rmSync(path.join(REPO_ROOT, out), { recursive: true, force: true }));

const run = (args: string[], cwd = REPO_ROOT) =>
  spawnSync(
    process.execPath,
    [
      "-e",
      `import(${JSON.stringify(cli)}).then(async (m) => { process.exitCode = await m.main(["node", "ulid-codemod", ...process.argv.slice(1)]) })`,
      "--",
      ...args,
    ],
    { cwd, encoding: "utf8" },
  );

test("the bundle runs --version, transform, init and sql generate", () => {
  expect(existsSync(cli)).toBe(true);
  expect(run(["--version"]).stdout.trim()).toBe("0.1.0");

  const t = run(["transform", "examples/crackerjack", "--dry-run"]);
  expect(t.status).toBe(0);
  expect(t.stdout).toContain("+    job_id = dhruva.generate()");

  const dir = tempDir();
  expect(run(["init", "--out", path.join(dir, "plan.yaml")]).status).toBe(0);

  // A tree big enough for worker threads: the bundle carries their entry as a file of its own.
  const big = path.join(dir, "big");
  mkdirSync(big);
  for (let i = 0; i < THREAD_MIN_FILES; i++) {
    writeFileSync(path.join(big, `m${i}.py`), `import uuid\nx${i} = str(uuid.uuid4())\n`);
  }
  const threaded = run(["transform", big, "--dry-run"]);
  expect(threaded.stderr).toBe("");
  expect(threaded.status).toBe(0);
  expect(threaded.stdout).toContain(`+x${THREAD_MIN_FILES - 1} = dhruva.generate()`);
  expect(existsSync(path.join(REPO_ROOT, out, "run-worker.mjs"))).toBe(true);

  // 100,000 rows: enough for generate to write the mapping rows on its worker thread, whose
  // entry the bundle must carry as a file of its own.
  makeCrackerjack(path.join(dir, "jobs.db"), 100_000);
  const plan = path.join(dir, "ulid-migration.yaml");
  execFileSync("sh", ["-c", `cat > ${plan}`], {
    input: [
      "version: 1",
      "systems:",
      "  crackerjack:",
      "    repo: .",
      "    transforms: [uuid4-to-ulid]",
      "    database:",
      "      engine: sqlite",
      "      path: jobs.db",
      "      salt: s",
      "      tables:",
      "        - { table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }",
      "",
    ].join("\n"),
  });
  const g = run([
    "sql",
    "generate",
    "--system",
    "crackerjack",
    "--config",
    plan,
    "--out",
    path.join(dir, "sql"),
  ]);
  // stderr has the progress lines only (rows read, with rows/s), and the last says all were read.
  expect(g.stderr).toMatch(
    /^( {2}jobs: (reading \d+ of 100000|read \d+) rows \([\d,]+ rows\/s, [\d.]+ s\)\n)+$/,
  );
  expect(g.stderr).toContain("  jobs: read 100000 rows");
  expect(g.status).toBe(0);
  expect(g.stdout).toContain("jobs.job_id: 100000 rows");
  expect(existsSync(path.join(REPO_ROOT, out, "map-body-worker.mjs"))).toBe(true);
});

/** The packages a bundle file loads: its static imports and requires, and its chunks', transitively. */
function packagesOf(entries: string[]): { packages: Set<string>; direct: Set<string> } {
  const dir = path.join(REPO_ROOT, out);
  const seen = new Set<string>();
  const packages = new Set<string>();
  const direct = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(dir, file), "utf8");
    for (const m of code.matchAll(
      /^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|^import\s+"([^"]+)"|(?:\b|__)require\("([^"]+)"\)/gms,
    )) {
      const spec = (m[1] ?? m[2] ?? m[3]) as string;
      if (spec.startsWith("./")) visit(spec.slice(2));
      else {
        packages.add(spec);
        if (!m[3]) direct.add(spec);
      }
    }
  };
  for (const e of entries) visit(e);
  return { packages, direct };
}

test("start-up loads commander and nothing heavy: no parser, walker, zod, ts-morph or database", () => {
  // What every command pays before it runs: the entry's static imports (requires wait for use).
  const { direct } = packagesOf(["cli.mjs"]);
  expect(direct).toContain("commander");
  expect([...direct].filter((p) => !p.startsWith("node:") && p !== "commander")).toEqual([]);
});

test("transform loads no more than it runs: no zod (jscodeshift's flags, the plan schema)", () => {
  const dir = path.join(REPO_ROOT, out);
  // The entry, the command's chunk, and the runner it loads on use (the parser is required on
  // first parse).
  const chunks = ["transform-run-", "runner-"].map(
    (c) => readdirSync(dir).find((f) => f.startsWith(c)) as string,
  );
  const { packages } = packagesOf(["cli.mjs", ...chunks]);
  expect(packages).toContain("tree-sitter");
  expect(packages).not.toContain("zod");
});
