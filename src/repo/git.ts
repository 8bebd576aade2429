import { spawn } from "node:child_process";
import { existsSync, realpathSync, statSync, unlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { RefusalError } from "../errors.ts";

/** Commit trailer on every commit the tool makes; its value is the system name. */
export const TRAILER = "Ulid-Codemod";

export interface RepoState {
  git: SimpleGit;
  root: string;
  /** The branch the user is on; they are put back on it. */
  branch: string;
  head: string;
}

export function gitAt(dir: string): SimpleGit {
  // The inherited environment is used as is (setting .env() would make simple-git refuse EDITOR etc.).
  // simple-git treats a non-zero exit with empty stderr as success (e.g. merge-base
  // --is-ancestor, a conflicted merge): every non-zero exit must be an error here.
  return simpleGit({
    baseDir: dir,
    errors: (error, result) =>
      error ??
      (result.exitCode === 0
        ? undefined
        : Buffer.concat([
            ...result.stdOut,
            ...result.stdErr,
            Buffer.from(
              result.stdOut.length + result.stdErr.length ? "" : `exit code ${result.exitCode}`,
            ),
          ])),
  });
}

/** Checks shared by every mode: refuse missing paths, non-repos, detached HEADs, dirty trees. */
export async function inspectRepo(path: string, label: string): Promise<RepoState> {
  if (!existsSync(path)) throw new RefusalError(`${label}: repo path ${path} does not exist`);
  if (!statSync(path).isDirectory())
    throw new RefusalError(`${label}: repo path ${path} is not a directory`);
  const git = gitAt(path);
  if (!(await git.checkIsRepo())) {
    throw new RefusalError(`${label}: ${path} is not a git repository`);
  }
  const top = (await git.revparse(["--show-toplevel"])).trim();
  // realpath: a symlinked checkout (or /tmp -> /private/tmp) is still the root.
  if (realpathSync(top) !== realpathSync(path)) {
    throw new RefusalError(
      `${label}: ${path} is inside the git repository ${top}; set repo to the repository root`,
    );
  }
  const branch = (await git.raw(["symbolic-ref", "-q", "--short", "HEAD"]).catch(() => "")).trim();
  if (!branch) {
    throw new RefusalError(`${label}: ${path} has a detached HEAD; check out a branch first`);
  }
  const head = (await git.raw(["rev-parse", "--verify", "-q", "HEAD"]).catch(() => "")).trim();
  if (!head) throw new RefusalError(`${label}: branch ${branch} in ${path} has no commits yet`);
  // Untracked files count: they would ride along into the migration branch's checkout.
  const status = await git.raw(["status", "--porcelain", "--untracked-files=normal"]);
  if (status.trim()) {
    const first = status.split("\n").filter(Boolean).slice(0, 5).join("; ");
    throw new RefusalError(
      `${label}: working tree of ${path} is not clean (${first}); commit or stash first`,
    );
  }
  return { git, root: resolve(path), branch, head };
}

export async function branchTip(git: SimpleGit, branch: string): Promise<string | null> {
  const sha = await git
    .raw(["rev-parse", "--verify", "-q", `refs/heads/${branch}^{commit}`])
    .catch(() => "");
  return sha.trim() || null;
}

/**
 * Ownership rule: a branch is the tool's iff its tip and every commit on it that is not
 * reachable from `base` (the user's branch) carry the trailer `Ulid-Codemod: <system>`.
 * Returns why it is not ours, or null when it is. Anything else is never touched.
 */
export async function notOursReason(
  git: SimpleGit,
  branch: string,
  base: string,
  system: string,
): Promise<string | null> {
  const fmt = `--format=%H%x1f%s%x1f%(trailers:key=${TRAILER},valueonly,separator=%x1d)%x1e`;
  const parse = (out: string) =>
    out
      .split("\x1e")
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => {
        const [sha = "", subject = "", values = ""] = r.split("\x1f");
        return { sha, subject, values: values.split("\x1d").map((v) => v.trim()) };
      });
  const [tip] = parse(await git.raw(["log", "-1", fmt, `refs/heads/${branch}`]));
  const own = (c: { values: string[] }) => c.values.includes(system);
  if (!tip || !own(tip)) {
    return `its tip ${tip?.sha.slice(0, 12)} ("${tip?.subject}") has no "${TRAILER}: ${system}" trailer`;
  }
  const foreign = parse(await git.raw(["log", fmt, `${base}..refs/heads/${branch}`])).find(
    (c) => !own(c),
  );
  if (foreign) {
    return `commit ${foreign.sha.slice(0, 12)} ("${foreign.subject}") on it has no "${TRAILER}: ${system}" trailer`;
  }
  return null;
}

export async function isAncestor(git: SimpleGit, a: string, b: string): Promise<boolean> {
  try {
    await git.raw(["merge-base", "--is-ancestor", a, b]);
    return true;
  } catch {
    return false;
  }
}

export async function remoteUrl(git: SimpleGit, remote: string): Promise<string | null> {
  const url = await git.raw(["remote", "get-url", remote]).catch(() => "");
  return url.trim() || null;
}

/**
 * Runs git in its own process group, so a Ctrl-C at the terminal (which signals the whole
 * foreground group) cannot kill it half-way: used for the undo, which must finish. A signal can
 * still land between the fork and the child leaving the group; such a run is simply run again
 * (the undo's commands are idempotent).
 */
export async function gitDetached(cwd: string, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const r = await spawnDetached(cwd, args);
    if (r.code === 0) return r.out;
    if (r.signal && attempt < 5) continue;
    throw new Error(
      `git ${args.join(" ")}: ${r.err.trim() || (r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`)}`,
    );
  }
}

function spawnDetached(
  cwd: string,
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, out, err }));
  });
}

/**
 * A git process killed by the signal that interrupted the run can leave `.git/index.lock` behind;
 * every later git command then fails. Removed only when it appeared after `since` (this run).
 */
export function removeStaleIndexLock(root: string, since: number): boolean {
  const lock = join(root, ".git", "index.lock");
  try {
    if (statSync(lock).mtimeMs < since) return false;
    unlinkSync(lock);
    return true;
  } catch {
    return false;
  }
}
