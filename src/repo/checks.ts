// The repository's own checks (plan key `checks`: `python -m pytest -q`, `ruff check .`), run one
// after another in a temporary `git worktree` of the commit to check, so the user's checkout is
// never touched. The worktree goes afterwards whatever happens (a failure, the time limit, Ctrl-C:
// the running check's process group is killed and awaited first). The last result of each system
// is kept in the repository's git dir for `status`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { InterruptedError } from "../errors.ts";
import type { CheckResult, ChecksRun } from "../report/schema.ts";
import { checkInterrupted, interruption, onInterrupt } from "../util/interrupt.ts";
import { redact } from "../util/redact.ts";
import { gitAt, gitDetached } from "./git.ts";

/** Lines of a failed check's output kept for the report. */
export const TAIL_LINES = 40;
const MAX_LINE = 400;
/** After SIGTERM, how long a check may take to exit before SIGKILL. */
const KILL_GRACE_MS = 3000;

export interface RunChecksOptions {
  /** The repository (its git dir holds the temporary worktree's bookkeeping). */
  root: string;
  /** What to check out in the worktree (detached). */
  commit: string;
  /** Files written over the checkout first (a dry run: the computed rewrite). */
  files?: { file: string; content: string | Uint8Array }[];
  commands: string[];
  timeoutMs: number;
  on: ChecksRun["on"];
  /** Names the system in messages. */
  label: string;
  secrets?: string[];
  log?: (line: string) => void;
  /** Each line of the checks' output as it comes (--verbose). */
  onOutput?: (line: string) => void;
  /** Run in the worktree after the checks, before it is removed (amend the report there). */
  after?: (worktree: string, run: ChecksRun) => Promise<void>;
}

/** The environment a check gets: the user's, without the tokens the tool was given. */
function checkEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["GITHUB_TOKEN", "GH_TOKEN", "ULID_CODEMOD_TEST_PAUSE"]) delete env[k];
  return env;
}

/** Kills a detached child's whole process group: SIGTERM, then SIGKILL after a grace period. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };
  kill("SIGTERM");
  setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS).unref();
}

/** One check: `sh -c COMMAND` in its own process group (so a time limit or Ctrl-C kills all of it). */
function runOne(
  command: string,
  cwd: string,
  timeoutMs: number,
  onLine: (line: string) => void,
): Promise<{ exitCode: number | null; timedOut: boolean; interrupted: boolean; error?: string }> {
  return new Promise((resolve) => {
    if (interruption()) {
      resolve({ exitCode: null, timedOut: false, interrupted: true });
      return;
    }
    const child = spawn("sh", ["-c", command], {
      cwd,
      env: checkEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let interrupted = false;
    let partial = { out: "", err: "" };
    const feed = (which: "out" | "err") => (d: Buffer) => {
      const text = partial[which] + d.toString("utf8");
      const lines = text.split(/\r?\n/);
      partial = { ...partial, [which]: lines.pop() ?? "" };
      for (const l of lines) onLine(l);
    };
    child.stdout.on("data", feed("out"));
    child.stderr.on("data", feed("err"));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const stopListening = onInterrupt(() => {
      interrupted = true;
      killGroup(child.pid);
    });
    // A signal that came while the child was starting.
    if (interruption()) {
      interrupted = true;
      killGroup(child.pid);
    }
    child.on("error", (e) => {
      clearTimeout(timer);
      stopListening();
      resolve({ exitCode: null, timedOut: false, interrupted, error: e.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      stopListening();
      for (const rest of [partial.out, partial.err]) if (rest) onLine(rest);
      resolve({ exitCode: timedOut || interrupted ? null : code, timedOut, interrupted });
    });
  });
}

/**
 * Runs every check in a temporary worktree of `commit` and returns their results; the worktree is
 * removed before this returns or throws. An interruption kills the running check, removes the
 * worktree and throws InterruptedError.
 */
export async function runChecks(opts: RunChecksOptions): Promise<ChecksRun> {
  const log = opts.log ?? (() => {});
  const secrets = opts.secrets ?? [];
  const holder = fs.mkdtempSync(path.join(os.tmpdir(), `ulid-checks-${opts.label}-`));
  const tree = path.join(holder, "worktree");
  let added = false;
  try {
    checkInterrupted("the checks");
    await gitAt(opts.root).raw(["worktree", "add", "--detach", "-q", tree, opts.commit]);
    added = true;
    for (const f of opts.files ?? []) {
      const abs = path.join(tree, f.file);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, f.content);
    }
    const results: CheckResult[] = [];
    for (const [i, command] of opts.commands.entries()) {
      checkInterrupted(`the checks (before \`${command}\`)`);
      log(`check ${i + 1}/${opts.commands.length}: ${command}`);
      const tail: string[] = [];
      const started = Date.now();
      const r = await runOne(command, tree, opts.timeoutMs, (line) => {
        const clean = redact(line, secrets);
        opts.onOutput?.(clean);
        tail.push(clean.length > MAX_LINE ? `${clean.slice(0, MAX_LINE)}…` : clean);
        if (tail.length > TAIL_LINES) tail.shift();
      });
      const durationMs = Date.now() - started;
      if (r.interrupted) {
        throw new InterruptedError(
          `interrupted (${interruption() ?? "SIGINT"}) during the check \`${command}\` (stopped)`,
          interruption() ?? "SIGINT",
        );
      }
      const ok = r.exitCode === 0;
      if (r.error) tail.push(`could not start: ${r.error}`);
      if (r.timedOut) tail.push(`(stopped after the time limit of ${opts.timeoutMs / 60_000} min)`);
      results.push({
        command,
        exitCode: r.exitCode,
        ok,
        timedOut: r.timedOut,
        durationMs,
        outputTail: ok ? [] : tail,
      });
      log(
        `check ${i + 1}/${opts.commands.length}: ${ok ? "pass" : r.timedOut ? "TIMED OUT" : `FAIL (exit ${r.exitCode ?? "killed"})`} in ${(durationMs / 1000).toFixed(1)} s`,
      );
    }
    const run: ChecksRun = {
      on: opts.on,
      commit: opts.commit,
      finishedAt: new Date().toISOString(),
      ok: results.every((r) => r.ok),
      allowedToFail: false,
      results,
    };
    checkInterrupted("the checks");
    await opts.after?.(tree, run);
    return run;
  } finally {
    // In git processes of their own: a second Ctrl-C cannot leave the worktree behind.
    if (added)
      await gitDetached(opts.root, ["worktree", "remove", "--force", "--force", tree]).catch(
        () => "",
      );
    fs.rmSync(holder, { recursive: true, force: true });
    await gitDetached(opts.root, ["worktree", "prune"]).catch(() => "");
  }
}

/** Where a system's last checks are kept: the repository's git dir, never its working tree. */
async function stateFile(root: string, system: string): Promise<string> {
  const common = (await gitAt(root).raw(["rev-parse", "--git-common-dir"])).trim();
  return path.join(path.resolve(root, common), "ulid-codemod", `${system}.checks.json`);
}

export async function saveChecks(root: string, system: string, run: ChecksRun): Promise<void> {
  const file = await stateFile(root, system);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
}

export async function loadChecks(root: string, system: string): Promise<ChecksRun | null> {
  try {
    return JSON.parse(fs.readFileSync(await stateFile(root, system), "utf8")) as ChecksRun;
  } catch {
    return null;
  }
}

const SHELL_WORDS = new Set(
  "cd . source test [ [[ true false exit export set unset if for while until case echo printf exec command eval time ! { (".split(
    " ",
  ),
);

/**
 * Why a check cannot run here, found before anything changes (the preflight): its program is not
 * on PATH (or, given as a path, not in the repository). Only the first program of the command is
 * looked at; shell builtins and `VAR=value` prefixes are passed over.
 */
export function checkCommandProblem(
  command: string,
  repo: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const words = command.trim().split(/\s+/);
  let first = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (!first) return null;
  first = first.replace(/^["']|["']$/g, "");
  if (SHELL_WORDS.has(first) || /[$`(){}|&;<>*?]/.test(first)) return null;
  if (first.includes("/")) {
    const abs = path.resolve(repo, first);
    return fs.existsSync(abs) ? null : `${first} does not exist in ${repo}`;
  }
  const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const d of dirs) {
    try {
      fs.accessSync(path.join(d, first), fs.constants.X_OK);
      return null;
    } catch {
      // not in this one
    }
  }
  return `\`${first}\` is not on PATH`;
}
