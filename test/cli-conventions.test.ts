// What users of jscodeshift, ast-grep and multi-gitter expect of a command line: a usage error is
// the hint and one line pointing at --help; --help pages carry examples; colour only where it
// belongs; --quiet; the plan found the way git finds its repository.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { applyRate } from "../src/cli/migrate-run.ts";
import { cliCapture, crackerjackFiles, makeRepo } from "./helpers/repos.ts";
import { runCli, tempDir } from "./helpers.ts";

const ESC = "\u001b[";

describe("help and usage errors", () => {
  test("a usage error shows the hint and one line pointing at --help, not the help page", async () => {
    const r = await cliCapture(["migrate", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "error: unknown option '--bogus'\n(see `ulid-codemod migrate --help` for usage and examples)\n",
    );
    const sub = await cliCapture(["sql", "generate", "--nope"]);
    expect(sub.err).toContain("(see `ulid-codemod sql generate --help` for usage and examples)");
    expect(sub.err).not.toContain("Options:");
    // The tool's own usage errors too.
    const own = await cliCapture(["migrate", "--config", "x.yaml"]);
    expect(own).toMatchObject({ code: 2, out: "" });
    expect(own.err).toBe(
      "error: migrate: give either --system NAME or --all\n(see `ulid-codemod migrate --help` for usage and examples)\n",
    );
  });

  test("every command's --help carries examples; transform's does not print the current directory", async () => {
    for (const cmd of [
      ["transform"],
      ["migrate"],
      ["rollback"],
      ["status"],
      ["sql", "generate"],
      ["sql", "verify"],
      ["sql", "export"],
      ["trace"],
      ["ci", "github-actions"],
    ]) {
      const r = await cliCapture([...cmd, "--help"]);
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.out, cmd.join(" ")).toContain("Examples:\n  $ ulid-codemod ");
    }
    const dir = tempDir();
    const t = runCli(["transform", "--help"], { cwd: dir });
    expect(t.stdout).toContain("--root <dir>");
    expect(t.stdout).not.toContain(dir);
  });
});

describe("colour and quiet", () => {
  const tree = () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, "pkg"));
    writeFileSync(path.join(dir, "pkg/jobs.py"), crackerjackFiles["crackerjack/jobs.py"] as string);
    return dir;
  };

  test("colour on a terminal only: off when piped, with NO_COLOR or --no-color", async () => {
    const dir = tree();
    const args = ["transform", dir, "--root", dir, "--dry-run"];
    const piped = await cliCapture(args);
    expect(piped.out).toContain("+    job_id = dhruva.generate()");
    expect(piped.out).not.toContain(ESC);
    const tty = await cliCapture(args, { stdoutIsTTY: true, env: {} });
    expect(tty.out).toContain(`${ESC}32m+    job_id = dhruva.generate()${ESC}39m`);
    expect(tty.out).toContain(`${ESC}31m-    job_id = str(uuid.uuid4())${ESC}39m`);
    expect(tty.out).toContain(`${ESC}33mNEEDS-REVIEW${ESC}39m`);
    expect(
      (await cliCapture(args, { stdoutIsTTY: true, env: { NO_COLOR: "1" } })).out,
    ).not.toContain(ESC);
    expect((await cliCapture(["--no-color", ...args], { stdoutIsTTY: true })).out).not.toContain(
      ESC,
    );
    expect((await cliCapture(args, { env: { FORCE_COLOR: "1" } })).out).toContain(ESC);
  });

  test("--quiet drops the phase lines; the summary and errors stay", async () => {
    const dir = tempDir();
    makeRepo(path.join(dir, "cj"), crackerjackFiles);
    writeFileSync(
      path.join(dir, "ulid-migration.yaml"),
      "version: 1\nsystems:\n  cj:\n    repo: ./cj\n    transforms: [uuid4-to-ulid]\n",
    );
    const plan = path.join(dir, "ulid-migration.yaml");
    const loud = await cliCapture(["migrate", "--config", plan, "--all", "--dry-run"]);
    expect(loud.err).toContain("[1/1] cj: computing the rewrite");
    const quiet = await cliCapture(["migrate", "--config", plan, "--all", "--dry-run", "--quiet"]);
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe("");
    expect(quiet.out).toMatch(/cj\s+dry-run\s/);
  });
});

describe("plan discovery", () => {
  test("--config, then ULID_CODEMOD_CONFIG, then ulid-migration.yaml here or in the nearest parent", () => {
    const dir = tempDir();
    makeRepo(path.join(dir, "cj"), crackerjackFiles);
    const plan = "version: 1\nsystems:\n  cj:\n    repo: ./cj\n    transforms: [uuid4-to-ulid]\n";
    writeFileSync(path.join(dir, "ulid-migration.yaml"), plan);
    // From inside the checkout, two levels down: the plan above is found.
    const deep = path.join(dir, "cj", "crackerjack");
    const found = runCli(["migrate", "--all", "--dry-run", "--quiet"], { cwd: deep });
    expect(found.status).toBe(0);
    expect(found.stdout).toMatch(/cj\s+dry-run\s/);

    const other = path.join(dir, "elsewhere");
    mkdirSync(other);
    writeFileSync(
      path.join(other, "plan.yaml"),
      plan.replace("  cj:", "  other:").replace("./cj", "../cj"),
    );
    const env = { ULID_CODEMOD_CONFIG: path.join(other, "plan.yaml") };
    const fromEnv = runCli(["migrate", "--all", "--dry-run", "--quiet"], { cwd: deep, env });
    expect(fromEnv.stdout).toMatch(/other\s+dry-run\s/);
    const flag = runCli(
      [
        "migrate",
        "--all",
        "--dry-run",
        "--quiet",
        "--config",
        path.join(dir, "ulid-migration.yaml"),
      ],
      { cwd: deep, env },
    );
    expect(flag.stdout).toMatch(/cj\s+dry-run\s/);

    const none = runCli(["status"], { cwd: tempDir() });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("ulid-migration.yaml: not found in");
    expect(none.stderr).toContain("or any parent");
  });
});

describe("the apply bar on a terminal", () => {
  const at = (done: number) => ({
    file: "apply/0001_jobs_1_map.sql",
    index: 0,
    total: 3,
    rows: 200_000,
    done,
    bytes: 1000,
    fileStart: false,
  });
  test("rows/s and an ETA from the share of the SQL run so far", () => {
    // A quarter of the bytes in 5 s: 50,000 rows in 5 s, 15 s left.
    expect(applyRate(at(250), 5000)).toEqual({ speed: "10,000 rows/s", remaining: "15 s" });
    expect(applyRate(at(100), 30_000)).toEqual({ speed: "667 rows/s", remaining: "4 min 30 s" });
    expect(applyRate(at(1000), 20_000)).toEqual({ speed: "10,000 rows/s", remaining: "0 s" });
  });
  test("no figure before a second has passed or anything has run", () => {
    expect(applyRate(at(500), 999)).toEqual({ speed: "-", remaining: "-" });
    expect(applyRate(at(0), 10_000)).toEqual({ speed: "-", remaining: "-" });
  });
});
