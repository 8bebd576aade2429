import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runCli } from "../src/cli/main.ts";
import { parseConfig } from "../src/plan/load.ts";
import type { SystemConfig } from "../src/plan/schema.ts";
import { migrateSystem } from "../src/repo/branch.ts";
import { runTransforms } from "../transforms/index.ts";
import { commitFiles, crackerjackFiles, git, makeRepo, tempDir } from "./helpers/repos.ts";

let tmp: ReturnType<typeof tempDir>;
let repo: string;
beforeEach(() => {
  tmp = tempDir();
  repo = makeRepo(join(tmp.dir, "crackerjack"), crackerjackFiles);
});
afterEach(() => tmp.cleanup());

function system(extra = ""): SystemConfig {
  const yaml = `version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n${extra}`;
  const [s] = parseConfig(yaml, join(tmp.dir, "ulid-migration.yaml")).systems;
  if (!s) throw new Error("no system");
  return s;
}

const migrate = (s = system(), o: Partial<Parameters<typeof migrateSystem>[1]> = {}) =>
  migrateSystem(s, { runCodemod: runTransforms, ...o });

/** Everything that must be identical when the tool refuses or rolls back. */
function snapshot(dir: string) {
  return {
    refs: git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    head: git(dir, "symbolic-ref", "-q", "HEAD"),
    status: git(dir, "status", "--porcelain", "--untracked-files=all"),
    jobs: existsSync(join(dir, "crackerjack/jobs.py"))
      ? readFileSync(join(dir, "crackerjack/jobs.py"), "utf8")
      : null,
  };
}

describe("migrateSystem", () => {
  test("creates the branch, commits only changed files and the report, returns to the user's branch", async () => {
    const mainTip = git(repo, "rev-parse", "main");
    const o = await migrate();
    expect(o.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(repo, "rev-parse", "ulid-migration")).toBe(o.commit);
    expect(git(repo, "rev-parse", "ulid-migration^")).toBe(mainTip);
    expect(git(repo, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(repo, "rev-parse", "main")).toBe(mainTip);
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(repo, "crackerjack/jobs.py"), "utf8")).toBe(
      crackerjackFiles["crackerjack/jobs.py"],
    );

    const files = git(repo, "show", "--name-only", "--format=", "ulid-migration")
      .split("\n")
      .sort();
    expect(files).toEqual([
      ".ulid-migration/crackerjack/report.json",
      ".ulid-migration/crackerjack/report.md",
      "crackerjack/jobs.py",
    ]);
    const jobs = git(repo, "show", "ulid-migration:crackerjack/jobs.py");
    expect(jobs).toContain("job_id = dhruva.generate()");
    expect(jobs).not.toContain("str(uuid.uuid4())");

    expect(git(repo, "log", "-1", "--format=%s", "ulid-migration")).toBe(
      "ulid-migration(crackerjack): 2 rewritten in 1 file, 1 needs review",
    );
    expect(
      git(repo, "log", "-1", "--format=%(trailers:key=Ulid-Codemod,valueonly)", "ulid-migration"),
    ).toBe("crackerjack");
    expect(git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "ulid-migration")).toBe(
      "Repo Owner <owner@example.test>|Repo Owner <owner@example.test>",
    );

    const md = git(repo, "show", "ulid-migration:.ulid-migration/crackerjack/report.md");
    expect(md).toContain("## Needs review (1)\n\n- `crackerjack/jobs.py:10` — truncated ID");
    expect(md.indexOf("## Needs review")).toBeLessThan(md.indexOf("## Rewritten sites"));
    // Rewritten sites link relatively (the report cannot name its own commit), to their new line:
    // `import dhruva` went in above them.
    const link =
      /\| \[`crackerjack\/jobs.py:5`\]\(\.\.\/\.\.\/crackerjack\/jobs.py#L(\d+)\) \| `str\(uuid.uuid4\(\)\)` \| `dhruva.generate\(\)` \|/.exec(
        md,
      );
    expect(link).not.toBeNull();
    expect(jobs.split("\n")[Number(link?.[1]) - 1]).toBe("    job_id = dhruva.generate()");
    expect(md).toContain("## Post-migration validation");
    const json = JSON.parse(
      git(repo, "show", "ulid-migration:.ulid-migration/crackerjack/report.json"),
    );
    expect(json.summary).toMatchObject({ rewritten: 2, needsReview: 1, filesChanged: 1 });
    expect(o.summary.rewritten).toBe(2);
  });

  test("a rerun on an unchanged repository makes no commit", async () => {
    const first = await migrate();
    const again = await migrate();
    expect(again.commit).toBeNull();
    expect(git(repo, "rev-parse", "ulid-migration")).toBe(first.commit);
    expect(git(repo, "symbolic-ref", "--short", "HEAD")).toBe("main");
  });

  test("when the user's branch moved, merges it in with a trailer and migrates the new sites", async () => {
    const first = await migrate();
    commitFiles(repo, { "crackerjack/queue.py": "import uuid\nQ = str(uuid.uuid4())\n" }, "queue");
    const second = await migrate();
    expect(second.merged).toBe(true);
    expect(second.commit).not.toBe(first.commit);
    // Nothing rewritten: first commit is still an ancestor, main is merged in.
    git(repo, "merge-base", "--is-ancestor", first.commit ?? "", "ulid-migration");
    git(repo, "merge-base", "--is-ancestor", "main", "ulid-migration");
    expect(git(repo, "show", "ulid-migration:crackerjack/queue.py")).toContain(
      "Q = dhruva.generate()",
    );
    const trailers = git(
      repo,
      "log",
      "--format=%(trailers:key=Ulid-Codemod,valueonly)",
      "main..ulid-migration",
    );
    expect(trailers.split("\n").filter(Boolean)).toEqual([
      "crackerjack",
      "crackerjack",
      "crackerjack",
    ]);
    expect((await migrate()).commit).toBeNull();
  });

  test("after the PR is merged, a rerun leaves the branch alone until there is something new", async () => {
    const first = await migrate();
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge PR", "ulid-migration");
    expect((await migrate()).commit).toBeNull();
    expect(git(repo, "rev-parse", "ulid-migration")).toBe(first.commit);
    const q = { "crackerjack/q.py": "import uuid\nQ = str(uuid.uuid4())\n" };
    const mainTip = commitFiles(repo, q, "q");
    const next = await migrate();
    expect(next.merged).toBe(false);
    expect(git(repo, "rev-parse", "ulid-migration^")).toBe(mainTip);
    const shown = git(
      repo,
      "show",
      "--name-only",
      "--format=%(trailers:key=Ulid-Codemod,valueonly)",
      "ulid-migration",
    );
    expect(shown.split("\n").filter(Boolean)).toEqual([
      "crackerjack",
      ".ulid-migration/crackerjack/report.json",
      ".ulid-migration/crackerjack/report.md",
      "crackerjack/q.py",
    ]);
  });

  test("nothing to rewrite: no branch, no commit, nothing pushed", async () => {
    const bare = join(tmp.dir, "remote.git");
    git(tmp.dir, "init", "-q", "--bare", bare);
    git(repo, "remote", "add", "origin", bare);
    commitFiles(repo, { "crackerjack/jobs.py": "def f():\n    return 1\n" }, "no uuids");
    const o = await migrate(system(), { push: true });
    expect(o).toMatchObject({ commit: null, pushed: false });
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
    expect(git(bare, "for-each-ref")).toBe("");
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
  });

  test("extra files (generated SQL) are committed and listed in the report; paths must stay inside", async () => {
    const sql = ".ulid-migration/crackerjack/sql/001-jobs.sql";
    const o = await migrate(system(), {
      extraFiles: [{ file: sql, content: "ALTER TABLE jobs ADD COLUMN job_ulid TEXT;\n" }],
      sqlFiles: [sql],
    });
    expect(git(repo, "show", "--name-only", "--format=", "ulid-migration")).toContain(sql);
    expect(o.report).toContain(`## SQL files\n\n- \`${sql}\``);
    const before = snapshot(repo);
    await expect(
      migrate(system(), { extraFiles: [{ file: "../outside.sql", content: "" }] }),
    ).rejects.toThrow("crackerjack: refusing to write ../outside.sql");
    expect(snapshot(repo)).toEqual(before);
  });

  test("a conflict with the user's moved branch is a clear error and changes nothing", async () => {
    await migrate();
    commitFiles(
      repo,
      {
        "crackerjack/jobs.py":
          crackerjackFiles["crackerjack/jobs.py"]?.replace("job_id = str", "job_id = repr") ?? "",
      },
      "edit the same line",
    );
    const before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(
      "main has changes that conflict with ulid-migration (conflicting files: crackerjack/jobs.py); nothing was changed",
    );
    expect(snapshot(repo)).toEqual(before);
  });

  test("a failure after switching branches rolls everything back", async () => {
    const hook = join(repo, ".git/hooks/pre-commit");
    mkdirSync(join(repo, ".git/hooks"), { recursive: true });
    writeFileSync(hook, "#!/bin/sh\necho 'hook says no' >&2\nexit 1\n", { mode: 0o755 });
    const before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(/hook says no/);
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo, ".ulid-migration"))).toBe(false);
  });

  test("--dry-run: diff and report, no branch, no commit, no file", async () => {
    const before = snapshot(repo);
    const o = await migrate(system(), { dryRun: true });
    expect(o.dryRun).toBe(true);
    expect(o.commit).toBeNull();
    expect(o.diff).toContain("--- a/crackerjack/jobs.py");
    expect(o.diff).toContain("-    job_id = str(uuid.uuid4())\n");
    expect(o.diff).toContain("+    job_id = dhruva.generate()\n");
    expect(o.report).toContain("# ULID migration: crackerjack");
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync(join(repo, ".ulid-migration"))).toBe(false);
  });

  test("--push pushes the branch to the configured remote, without touching other branches", async () => {
    const bare = join(tmp.dir, "remote.git");
    git(tmp.dir, "init", "-q", "--bare", bare);
    git(repo, "remote", "add", "upstream", bare);
    const o = await migrate(system("    remote: upstream\n"), { push: true });
    expect(o.pushed).toBe(true);
    expect(git(bare, "rev-parse", "refs/heads/ulid-migration")).toBe(o.commit);
    expect(git(bare, "for-each-ref", "--format=%(refname)")).toBe("refs/heads/ulid-migration");
  });

  test("--push with a missing remote is refused before anything changes", async () => {
    const before = snapshot(repo);
    await expect(migrate(system(), { push: true })).rejects.toThrow(
      /remote "origin" does not exist/,
    );
    expect(snapshot(repo)).toEqual(before);
  });
});

describe("refusals change nothing", () => {
  test("a repo path inside a repository (not its root) is refused; a symlink to the root is fine", async () => {
    await expect(migrate({ ...system(), repo: join(repo, "crackerjack") })).rejects.toThrow(
      /is inside the git repository .*; set repo to the repository root/,
    );
    symlinkSync(repo, join(tmp.dir, "link"));
    const o = await migrate({ ...system(), repo: join(tmp.dir, "link") }, { dryRun: true });
    expect(o.summary.rewritten).toBe(2);
  });

  test("missing path", async () => {
    const s = { ...system(), repo: join(tmp.dir, "nope") };
    await expect(migrate(s)).rejects.toThrow(
      `crackerjack: repo path ${join(tmp.dir, "nope")} does not exist`,
    );
  });

  test("not a git repository", async () => {
    const plain = join(tmp.dir, "plain");
    mkdirSync(plain);
    await expect(migrate({ ...system(), repo: plain })).rejects.toThrow(/is not a git repository/);
    expect(existsSync(join(plain, ".git"))).toBe(false);
  });

  test("dirty working tree (modified or untracked)", async () => {
    writeFileSync(join(repo, "crackerjack/util.py"), "x = 1\n");
    let before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(
      /working tree of .* is not clean \( M crackerjack\/util.py\)/,
    );
    expect(snapshot(repo)).toEqual(before);
    git(repo, "checkout", "--", "crackerjack/util.py");
    writeFileSync(join(repo, "new.py"), "y = 2\n");
    before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(/not clean \(\?\? new.py\)/);
    expect(snapshot(repo)).toEqual(before);
  });

  test("detached HEAD", async () => {
    git(repo, "checkout", "-q", "--detach");
    await expect(migrate()).rejects.toThrow(/has a detached HEAD/);
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
  });

  test("a branch of that name the tool did not create", async () => {
    git(repo, "branch", "ulid-migration");
    const before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(
      /branch ulid-migration .* was not created by ulid-codemod \(its tip [0-9a-f]{12} \("initial"\) has no "Ulid-Codemod: crackerjack" trailer\)/,
    );
    expect(snapshot(repo)).toEqual(before);
  });

  test("the tool's branch with someone else's commit among its own", async () => {
    await migrate();
    git(repo, "checkout", "-q", "ulid-migration");
    commitFiles(repo, { "crackerjack/util.py": "# reviewer fix\n" }, "reviewer fix");
    // Hide the foreign commit under a tool-looking tip: the tip rule alone would accept this.
    commitFiles(repo, { "x.py": "\n" }, "looks like ours\n\nUlid-Codemod: crackerjack");
    git(repo, "checkout", "-q", "main");
    const before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(/commit [0-9a-f]{12} \("reviewer fix"\) on it has no/);
    expect(snapshot(repo)).toEqual(before);
  });

  test("another system's trailer does not make the branch ours", async () => {
    await migrate();
    const s = parseConfig(
      "version: 1\nsystems:\n  akosha:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n",
      join(tmp.dir, "ulid-migration.yaml"),
    ).systems[0];
    if (!s) throw new Error("no system");
    await expect(migrate(s)).rejects.toThrow(
      /akosha: branch ulid-migration .* not created by ulid-codemod/,
    );
  });

  test("being on the migration branch", async () => {
    await migrate();
    git(repo, "checkout", "-q", "ulid-migration");
    const before = snapshot(repo);
    await expect(migrate()).rejects.toThrow(/is on the migration branch ulid-migration/);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe("migrate CLI", () => {
  test("--all --dry-run prints each system's diff and report in phase order and changes nothing", async () => {
    const other = makeRepo(join(tmp.dir, "akosha"), {
      "akosha/ids.py": "import uuid\nE = str(uuid.uuid4())\n",
    });
    const config = join(tmp.dir, "ulid-migration.yaml");
    writeFileSync(
      config,
      "version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n  akosha:\n    repo: ./akosha\n    transforms: [uuid4-to-ulid]\n",
    );
    const before = [snapshot(repo), snapshot(other)];
    let out = "";
    const code = await runCli(
      ["node", "ulid-codemod", "migrate", "--config", config, "--all", "--dry-run"],
      {
        out: (t) => (out += t),
        err: () => {},
        env: {},
        runCodemod: runTransforms,
      },
    );
    expect(code).toBe(0);
    const a = out.indexOf("# ULID migration: crackerjack");
    const b = out.indexOf("+E = dhruva.generate()");
    const c = out.indexOf("# ULID migration: akosha");
    expect(out.indexOf("+    job_id = dhruva.generate()")).toBeLessThan(a);
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect([snapshot(repo), snapshot(other)]).toEqual(before);
  });
});
