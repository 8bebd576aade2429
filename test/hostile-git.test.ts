// Every git refusal through the real CLI: exit code, a message naming the repo or branch, and
// the repository (and its remote) exactly as before.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  commitFiles,
  crackerjackFiles,
  git,
  makeRepo,
  migrateCli,
  tempDir,
} from "./helpers/repos.ts";

let tmp: ReturnType<typeof tempDir>;
let repo: string;
beforeEach(() => {
  tmp = tempDir("ulid-hostile-git-");
  repo = makeRepo(join(tmp.dir, "crackerjack"), crackerjackFiles);
  writeFileSync(
    join(tmp.dir, "ulid-migration.yaml"),
    "version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n",
  );
});
afterEach(() => tmp.cleanup());

function migrate(...args: string[]) {
  return migrateCli(join(tmp.dir, "ulid-migration.yaml"), args);
}

/** Every file under `dir` except .git, with a hash of its bytes. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else files[relative(dir, abs)] = createHash("sha1").update(readFileSync(abs)).digest("hex");
    }
  };
  walk(dir);
  return files;
}

/** What "exactly as before" means: status, every ref with its sha, HEAD, the files. */
function snapshot(dir: string) {
  const quiet = (...args: string[]) => {
    try {
      return git(dir, ...args);
    } catch {
      return "(fails)";
    }
  };
  return {
    status: quiet("status", "--porcelain", "--untracked-files=all", "--ignored"),
    refs: quiet("for-each-ref", "--format=%(refname) %(objectname)"),
    headRef: quiet("symbolic-ref", "-q", "HEAD"),
    headSha: quiet("rev-parse", "--verify", "-q", "HEAD"),
    files: tree(dir),
  };
}

function withRemote(): string {
  const bare = join(tmp.dir, "remote.git");
  git(tmp.dir, "init", "-q", "--bare", bare);
  git(repo, "remote", "add", "origin", bare);
  return bare;
}

/** Runs the CLI and checks exit 1, the message, and that nothing in `dirs` changed. */
async function refused(args: string[], message: RegExp, dirs: string[] = [repo]) {
  const before = dirs.map(snapshot);
  const r = await migrate(...args);
  expect(r.err).toMatch(message);
  expect(r.code).toBe(1);
  expect(dirs.map(snapshot)).toEqual(before);
  return r;
}

test("dirty tree: names the repo and the dirty file", async () => {
  writeFileSync(join(repo, "crackerjack/util.py"), "x = 1\n");
  writeFileSync(join(repo, "new.py"), "import uuid\nA = str(uuid.uuid4())\n");
  await refused(
    ["--all"],
    new RegExp(`working tree of ${repo} is not clean \\(.*crackerjack/util\\.py.*new\\.py`),
  );
});

test("detached HEAD", async () => {
  git(repo, "checkout", "-q", "--detach");
  await refused(["--system", "crackerjack"], new RegExp(`${repo} has a detached HEAD`));
});

test("a branch of the migration's name not made by the tool", async () => {
  commitFiles(repo, { "notes.md": "mine\n" }, "my own work");
  git(repo, "branch", "ulid-migration");
  git(repo, "reset", "-q", "--hard", "HEAD~1");
  await refused(
    ["--all"],
    new RegExp(`branch ulid-migration in ${repo} was not created by ulid-codemod.*"my own work"`),
  );
});

test("a repository with no commits", async () => {
  const empty = join(tmp.dir, "crackerjack");
  tmp.cleanup();
  mkdirSync(empty, { recursive: true });
  git(empty, "init", "-q", "-b", "main");
  writeFileSync(
    join(tmp.dir, "ulid-migration.yaml"),
    "version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n",
  );
  writeFileSync(join(empty, "app.py"), "import uuid\nA = str(uuid.uuid4())\n");
  await refused(["--all"], new RegExp(`branch main in ${empty} has no commits yet`), [empty]);
});

test("a missing path", async () => {
  const gone = join(tmp.dir, "crackerjack");
  tmp.cleanup();
  mkdirSync(tmp.dir);
  writeFileSync(
    join(tmp.dir, "ulid-migration.yaml"),
    "version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n",
  );
  const before = tree(tmp.dir);
  const r = await migrate("--all");
  expect(r.code).toBe(1);
  expect(r.err).toContain(`crackerjack: repo path ${gone} does not exist`);
  expect(tree(tmp.dir)).toEqual(before);
});

test("a push the remote rejects (pre-receive hook): the new branch is undone", async () => {
  const bare = withRemote();
  writeFileSync(join(bare, "hooks/pre-receive"), "#!/bin/sh\necho 'policy: no' >&2\nexit 1\n", {
    mode: 0o755,
  });
  const r = await refused(
    ["--all", "--push"],
    /crackerjack: pushing ulid-migration to origin failed.*nothing was kept locally/s,
    [repo, bare],
  );
  expect(r.err).toContain("policy: no");
  // The summary says where the run stopped and that nothing was kept.
  expect(r.out).toContain("Stopped at crackerjack");
  expect(r.out).toContain("Already done: nothing.");
});

test("a push the remote rejects (non-fast-forward): the branch goes back to its old tip", async () => {
  const bare = withRemote();
  // An earlier migration, then someone else's commit on the remote's copy of the branch.
  expect((await migrate("--all", "--push")).code).toBe(0);
  const other = join(tmp.dir, "other");
  git(tmp.dir, "clone", "-q", "-b", "ulid-migration", bare, other);
  git(other, "config", "user.name", "Other");
  git(other, "config", "user.email", "other@example.test");
  commitFiles(other, { "other.md": "x\n" }, "other's work\n\nUlid-Codemod: crackerjack");
  git(other, "push", "-q", "origin", "ulid-migration");
  // New work on main makes the next run commit (a merge) on the local branch.
  commitFiles(repo, { "crackerjack/q.py": "import uuid\nQ = str(uuid.uuid4())\n" }, "queue");
  await refused(
    ["--all", "--push"],
    /pushing ulid-migration to origin failed.*(rejected|fetch first|non-fast-forward)/s,
    [repo, bare],
  );
});

test("a merge conflict with an existing migration branch", async () => {
  expect((await migrate("--all")).code).toBe(0);
  const jobs = crackerjackFiles["crackerjack/jobs.py"] ?? "";
  commitFiles(
    repo,
    { "crackerjack/jobs.py": jobs.replace("job_id = str", "job_id = repr") },
    "same line",
  );
  await refused(
    ["--all"],
    /crackerjack: main has changes that conflict with ulid-migration \(conflicting files: crackerjack\/jobs\.py\); nothing was changed/,
  );
});
