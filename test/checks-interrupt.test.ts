// Ctrl-C while one of the plan's checks runs, sent as a terminal sends it (to the CLI's process
// group): the check's own process group is killed and awaited, its worktree removed, this run's
// commit undone, exit 130.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { crackerjackFiles, git, makeRepo, tempDir } from "./helpers/repos.ts";
import { BIN } from "./helpers.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("Ctrl-C during a check kills it, removes the worktree and undoes the commit", async () => {
  tmp = tempDir("ulid-check-int-");
  const repo = makeRepo(path.join(tmp.dir, "crackerjack"), crackerjackFiles);
  const info = path.join(tmp.dir, "check-info");
  fs.writeFileSync(
    path.join(tmp.dir, "ulid-migration.yaml"),
    [
      "version: 1",
      "systems:",
      "  crackerjack:",
      "    repo: ./crackerjack",
      "    transforms: [uuid4-to-ulid]",
      // Says where it runs and its pid, then waits (exec: the shell becomes the sleep).
      `    checks: ["pwd > ${info}.tmp && echo $$ >> ${info}.tmp && mv ${info}.tmp ${info} && exec sleep 60"]`,
      "",
    ].join("\n"),
  );
  const refsBefore = git(repo, "for-each-ref", "--format=%(refname) %(objectname)");
  const child = spawn(
    process.execPath,
    [
      BIN,
      "migrate",
      "--config",
      path.join(tmp.dir, "ulid-migration.yaml"),
      "--system",
      "crackerjack",
      "--yes",
    ],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(info) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const [tree = "", pid = "0"] = fs.readFileSync(info, "utf8").trim().split("\n");
  expect(fs.existsSync(tree)).toBe(true);
  expect(alive(Number(pid))).toBe(true);
  process.kill(-(child.pid as number), "SIGINT");
  const code = await exited;

  expect(code).toBe(130);
  expect(stderr).toContain("interrupted (SIGINT) during the check");
  expect(stderr).toContain("its worktree removed, and ulid-migration is as it was before this run");
  expect(alive(Number(pid))).toBe(false);
  expect(fs.existsSync(tree)).toBe(false);
  expect(
    git(repo, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree ")),
  ).toEqual([`worktree ${repo}`]);
  expect(git(repo, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(refsBefore);
  expect(git(repo, "symbolic-ref", "--short", "HEAD")).toBe("main");
  expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
}, 120_000);
