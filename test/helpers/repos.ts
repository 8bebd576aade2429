import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CliDeps } from "../../src/cli/io.ts";
import { runCli } from "../../src/cli/main.ts";
import { runTransforms } from "../../transforms/index.ts";

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

export function tempDir(prefix = "ulid-git-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/** A repository on `main` with its own author identity and one commit of `files`. */
export function makeRepo(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", "Repo Owner");
  git(dir, "config", "user.email", "owner@example.test");
  git(dir, "config", "commit.gpgsign", "false");
  writeFiles(dir, files);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

export function commitFiles(dir: string, files: Record<string, string>, message: string): string {
  writeFiles(dir, files);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Crackerjack-shaped sources: uuid4 call sites, one of which needs review. */
export const crackerjackFiles: Record<string, string> = {
  "crackerjack/jobs.py": [
    "import uuid",
    "",
    "",
    "def new_job():",
    "    job_id = str(uuid.uuid4())",
    "    return {'job_id': job_id, 'trace': str(uuid.uuid4())}",
    "",
    "",
    "def token():",
    "    return uuid.uuid4().hex[:8]",
    "",
  ].join("\n"),
  "crackerjack/util.py": "def add(a, b):\n    return a + b\n",
  "README.md": "# crackerjack\n",
};

/**
 * `ulid-codemod ARGS...` through the real CLI boundary (`runCli`), output captured, no terminal,
 * the real transforms; `deps` adds to or overrides the CLI's dependencies (env, confirm, ...).
 */
export async function cliCapture(args: string[], deps: CliDeps = {}) {
  let out = "";
  let err = "";
  const code = await runCli(["node", "ulid-codemod", ...args], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
    runCodemod: runTransforms,
    isTTY: false,
    ...deps,
  });
  return { code, out, err };
}

/** `ulid-codemod migrate --yes --config FILE ...`: `--yes` because a test has no terminal. */
export function migrateCli(config: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return cliCapture(["migrate", "--yes", "--config", config, ...args], { env });
}
