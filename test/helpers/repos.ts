import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { ReportEntry } from "../../src/engine/types.ts";
import type { RunCodemod, RunResult } from "../../src/runner-api.ts";

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
    "    return uuid.uuid4().hex",
    "",
  ].join("\n"),
  "crackerjack/util.py": "def add(a, b):\n    return a + b\n",
  "README.md": "# crackerjack\n",
};

const CALL = "str(uuid.uuid4())";

/**
 * A small real runner for these tests (the engine's runner lands separately): rewrites
 * `str(uuid.uuid4())` to `dhruva.generate()` in every *.py file and flags `uuid.uuid4().hex`.
 */
export const stringRunner: RunCodemod = async (opts) => {
  const result: RunResult = { changes: [], entries: [], skipped: [], filesScanned: 0 };
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.name.startsWith(".")
        ? []
        : d.isDirectory()
          ? walk(join(dir, d.name))
          : d.name.endsWith(".py")
            ? [join(dir, d.name)]
            : [],
    );
  for (const path of opts.paths.flatMap(walk).sort()) {
    result.filesScanned++;
    const file = relative(opts.root, path).split("\\").join("/");
    const before = readFileSync(path, "utf8");
    before.split("\n").forEach((text, i) => {
      let col = text.indexOf(CALL);
      while (col >= 0) {
        result.entries.push(entry(file, i + 1, col + 1, CALL, "dhruva.generate()", "rewritten"));
        col = text.indexOf(CALL, col + 1);
      }
      const hex = text.indexOf("uuid.uuid4().hex");
      if (hex >= 0) {
        result.entries.push(
          entry(
            file,
            i + 1,
            hex + 1,
            "uuid.uuid4().hex",
            null,
            "needs-review",
            "hex form: 32 chars",
          ),
        );
      }
    });
    const after = before.replaceAll(CALL, "dhruva.generate()");
    if (after !== before) {
      result.changes.push({ path, file, before, after });
      if (!opts.dryRun) writeFileSync(path, after);
    }
  }
  return result;
};

function entry(
  file: string,
  line: number,
  column: number,
  before: string,
  after: string | null,
  outcome: ReportEntry["outcome"],
  reason = "uuid4 call replaced by a ULID",
): ReportEntry {
  return { transform: "uuid4-to-ulid", file, line, column, before, after, outcome, reason };
}
