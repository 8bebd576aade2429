// Ctrl-C and SIGTERM in every phase, sent the way a terminal sends them: to the whole process
// group of the real CLI (git children included). Each phase undoes what it started, the run exits
// 128 + the signal's number, and says what was done and what was undone.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import {
  buildDemoWorkspace,
  type DemoWorkspace,
  workspaceState,
} from "../src/cli/demo-workspace.ts";
import { cliCapture, git, tempDir } from "./helpers/repos.ts";
import { BIN } from "./helpers.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

async function workspace(): Promise<DemoWorkspace> {
  tmp = tempDir("ulid-interrupt-");
  return buildDemoWorkspace(path.join(tmp.dir, "ws"), { jobs: 300, sessions: 60 });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in a process group of its own, waits until it reaches `pause`, then signals the
 * group (`signals` one after another, `gap` ms apart), as a terminal's Ctrl-C does.
 */
async function interrupted(
  args: string[],
  pause: string,
  signals: NodeJS.Signals[],
  env: NodeJS.ProcessEnv = {},
  gap = 30,
): Promise<Run> {
  const marker = path.join(tmp?.dir as string, `paused-${Date.now()}`);
  const child = spawn(process.execPath, [BIN, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...env,
      ULID_CODEMOD_TEST_PAUSE: pause,
      ULID_CODEMOD_TEST_PAUSE_MARKER: marker,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code)),
  );
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(marker) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!fs.existsSync(marker)) throw new Error(`never reached ${pause}: ${stderr}`);
  for (const [i, s] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, gap));
    process.kill(-(child.pid as number), s);
  }
  return { code: await exited, stdout, stderr };
}

function refs(repo: string): string {
  return git(repo, "for-each-ref", "--format=%(refname) %(objectname)");
}

describe("interrupted migrate", () => {
  test("Ctrl-C while committing (twice): back on main, index and tree as before, exit 130", async () => {
    const ws = await workspace();
    const cj = ws.repos.crackerjack as string;
    const before = { refs: refs(cj), head: git(cj, "rev-parse", "HEAD") };
    const r = await interrupted(
      ["migrate", "--config", ws.config, "--system", "crackerjack", "--yes"],
      "commit:staged",
      // The second one lands while the undo runs: it must not cut it short.
      ["SIGINT", "SIGINT"],
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      "Ctrl-C: stopping at the next safe point and undoing the current step",
    );
    expect(r.stderr).toContain(
      "interrupted: migrate interrupted at crackerjack: interrupted (SIGINT)",
    );
    expect(r.stderr).toContain(
      "undone: back on main, with the working tree, the index and ulid-migration as they were",
    );
    expect(r.stdout).toMatch(/crackerjack\s+interrupted/);
    expect(r.stdout).toContain("Interrupted at crackerjack");
    expect(git(cj, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(cj, "status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(git(cj, "diff", "--cached", "--name-only")).toBe("");
    expect(refs(cj)).toBe(before.refs);
    expect(git(cj, "rev-parse", "HEAD")).toBe(before.head);
    expect(fs.existsSync(path.join(cj, ".git", "index.lock"))).toBe(false);
    // Nothing to repair by hand: the rerun goes through.
    const again = await cliCapture([
      "migrate",
      "--config",
      ws.config,
      "--system",
      "crackerjack",
      "--yes",
    ]);
    expect(again.code).toBe(0);
    expect(git(cj, "branch", "--list", "ulid-migration")).toContain("ulid-migration");
  }, 120_000);

  test("Ctrl-C while verifying the SQL: temporary copies removed, nothing committed or applied", async () => {
    const ws = await workspace();
    const before = await workspaceState(ws);
    const scratchRoot = path.join(tmp?.dir as string, "tmp");
    fs.mkdirSync(scratchRoot);
    // --verify-on-copy: without it SQLite verifies inside the apply's transaction (next test).
    const r = await interrupted(
      [
        "migrate",
        "--config",
        ws.config,
        "--system",
        "crackerjack",
        "--apply",
        "--yes",
        "--verify-on-copy",
      ],
      "verify:copied",
      ["SIGINT"],
      { TMPDIR: scratchRoot },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      "interrupted: migrate interrupted at crackerjack: interrupted (SIGINT) during verify:copied",
    );
    // Ours only (tsx keeps a cache there when the CLI runs from sources).
    expect(fs.readdirSync(scratchRoot).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
    expect(await workspaceState(ws)).toEqual(before);
    expect(fs.existsSync(path.join(ws.dir, "backups"))).toBe(false);
  }, 120_000);

  test("Ctrl-C during the rollback check inside the SQLite apply: rolled back, the database as before, exit 130", async () => {
    const ws = await workspace();
    const before = await workspaceState(ws);
    const r = await interrupted(
      ["migrate", "--config", ws.config, "--system", "crackerjack", "--apply", "--yes"],
      "apply:rollback-check:1",
      ["SIGINT"],
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("exercising the rollback files inside the transaction");
    expect(r.stderr).toContain("The transaction was rolled back");
    expect(r.stdout).toMatch(/crackerjack: committed [0-9a-f]{12} on ulid-migration/);
    const after = await workspaceState(ws);
    for (const key of Object.keys(before).filter(
      (k) => k.startsWith("crackerjack ") && !k.endsWith("branches"),
    )) {
      expect(after[key], key).toBe(before[key]);
    }
  }, 120_000);

  test("SIGTERM during the DuckDB apply: the working copy is discarded, the database as before, exit 143", async () => {
    const ws = await workspace();
    const before = await workspaceState(ws);
    const file = ws.databases[1]?.path as string;
    const r = await interrupted(
      // --allow-blocking: its positional INSERT is blocking; the apply is what is interrupted here.
      [
        "migrate",
        "--config",
        ws.config,
        "--system",
        "session-buddy",
        "--apply",
        "--yes",
        "--allow-blocking",
      ],
      "apply:after-file:1",
      ["SIGTERM"],
    );
    expect(r.code).toBe(143);
    expect(r.stderr).toContain("SIGTERM: stopping at the next safe point");
    expect(r.stderr).toContain("stopped: interrupted (SIGTERM)");
    expect(r.stderr).toContain(
      "The changes were made on a working copy, now discarded; the database was not changed",
    );
    // What was done: the code step (committed); what was undone: the apply.
    expect(r.stdout).toMatch(/session-buddy: committed [0-9a-f]{12} on ulid-migration/);
    expect(r.stdout).toContain("Already done: nothing; session-buddy: committed");
    expect(fs.existsSync(`${file}.ulid-apply-tmp`)).toBe(false);
    const after = await workspaceState(ws);
    for (const key of Object.keys(before).filter(
      (k) => k.startsWith("session-buddy ") && !k.endsWith("branches"),
    )) {
      expect(after[key]).toBe(before[key]);
    }
  }, 120_000);
});

test("Ctrl-C at a confirmation (on a real terminal): cancelled, nothing changed, exit 130", async () => {
  const ws = await workspace();
  const before = await workspaceState(ws);
  // `script` gives the CLI a pseudo-terminal, so it asks for real and Ctrl-C reaches the prompt
  // as a key, as it does for a user.
  const command = [process.execPath, BIN, "migrate", "--config", ws.config, "--system", "akosha"]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code)),
  );
  const deadline = Date.now() + 60_000;
  while (!output.includes("Proceed?") && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(output).toContain("akosha: commit the migration to branch ulid-migration?");
  child.stdin.write("\x03");
  expect(await exited).toBe(130);
  expect(output).toContain("cancelled at the confirmation (Ctrl-C); this step had not started");
  expect(output).not.toContain("User force closed the prompt");
  expect(await workspaceState(ws)).toEqual(before);
}, 120_000);
