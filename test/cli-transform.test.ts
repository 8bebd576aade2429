import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers.ts";

const JOBS = `import uuid


def new_job() -> str:
    return str(uuid.uuid4())


def short() -> str:
    return str(uuid.uuid4())[:8]
`;
const PLAIN = "import os\n\nprint(os.getcwd())\n";
const BROKEN = "import uuid\n\ndef broken(:\n    return str(uuid.uuid4())\n";

function makeTree(root: string) {
  mkdirSync(path.join(root, "pkg/sub"), { recursive: true });
  mkdirSync(path.join(root, "build"), { recursive: true });
  writeFileSync(path.join(root, ".gitignore"), "build/\n");
  writeFileSync(path.join(root, "pkg/jobs.py"), JOBS);
  writeFileSync(path.join(root, "pkg/plain.py"), PLAIN);
  writeFileSync(path.join(root, "pkg/sub/broken.py"), BROKEN);
  writeFileSync(path.join(root, "pkg/notes.txt"), "str(uuid.uuid4())\n");
  writeFileSync(path.join(root, "build/generated.py"), JOBS);
  // An old mtime shows whether a file was rewritten at all.
  const old = new Date("2020-01-01T00:00:00Z");
  for (const f of ["pkg/plain.py", "pkg/sub/broken.py", "build/generated.py"]) {
    utimesSync(path.join(root, f), old, old);
  }
}

describe("ulid-codemod transform on a directory", () => {
  const root = tempDir();
  let result: ReturnType<typeof runCli>;
  beforeAll(() => {
    makeTree(root);
    result = runCli(["transform", ".", "--report", "report.json"], { cwd: root });
  });

  test("exits 0 and rewrites only the file with a site", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const jobs = readFileSync(path.join(root, "pkg/jobs.py"), "utf8");
    expect(jobs).toContain("return dhruva.generate()\n");
    expect(jobs).toContain("return str(uuid.uuid4())[:8]\n");
    expect(jobs.startsWith("import uuid\n\nimport dhruva\n")).toBe(true);
  });

  test("leaves unchanged, unparseable and ignored files untouched (not even rewritten)", () => {
    const old = new Date("2020-01-01T00:00:00Z").getTime();
    for (const f of ["pkg/plain.py", "pkg/sub/broken.py", "build/generated.py"]) {
      expect(statSync(path.join(root, f)).mtimeMs).toBe(old);
    }
    expect(readFileSync(path.join(root, "pkg/sub/broken.py"), "utf8")).toBe(BROKEN);
    expect(readFileSync(path.join(root, "build/generated.py"), "utf8")).toBe(JOBS);
    expect(readFileSync(path.join(root, "pkg/notes.txt"), "utf8")).toBe("str(uuid.uuid4())\n");
  });

  test("the JSON report lists every site and the skipped file", () => {
    const report = JSON.parse(readFileSync(path.join(root, "report.json"), "utf8"));
    expect(report.summary).toMatchObject({
      rewritten: 1,
      needsReview: 1,
      filesChanged: 1,
      skipped: 1,
    });
    expect(report.filesChanged).toEqual(["pkg/jobs.py"]);
    expect(report.sites).toEqual([
      expect.objectContaining({
        file: "pkg/jobs.py",
        line: 5,
        column: 12,
        before: "str(uuid.uuid4())",
        after: "dhruva.generate()",
        outcome: "rewritten",
      }),
      expect.objectContaining({
        file: "pkg/jobs.py",
        line: 9,
        column: 12,
        before: "str(uuid.uuid4())[:8]",
        after: null,
        outcome: "needs-review",
        reason: expect.stringContaining("truncated"),
      }),
    ]);
    expect(report.skipped).toEqual([
      { file: "pkg/sub/broken.py", reason: expect.stringMatching(/does not parse.*line 3/) },
    ]);
  });

  test("the terminal shows the summary, the review list and the skipped file", () => {
    expect(result.stdout).toMatch(/rewritten\s+needs review/);
    expect(result.stdout).toContain("NEEDS-REVIEW pkg/jobs.py:9:12");
    expect(result.stdout).toContain("pkg/sub/broken.py: does not parse");
  });

  test("a second run changes nothing", () => {
    const before = readFileSync(path.join(root, "pkg/jobs.py"), "utf8");
    const again = runCli(["transform", ".", "--report", "report2.json"], { cwd: root });
    expect(again.status).toBe(0);
    expect(readFileSync(path.join(root, "pkg/jobs.py"), "utf8")).toBe(before);
    const report = JSON.parse(readFileSync(path.join(root, "report2.json"), "utf8"));
    expect(report.summary.rewritten).toBe(0);
    expect(report.filesChanged).toEqual([]);
  });
});

describe("--dry-run", () => {
  test("prints a unified diff and writes nothing", () => {
    const root = tempDir();
    makeTree(root);
    const r = runCli(["transform", "pkg", "--dry-run", "--module", "dhara"], { cwd: root });
    expect(r.status).toBe(0);
    // Not in a repository: relative to the path given.
    expect(r.stdout).toContain("--- a/jobs.py\n+++ b/jobs.py\n");
    expect(r.stdout).toContain("-    return str(uuid.uuid4())\n+    return dhara.generate()\n");
    expect(r.stdout).toContain("dry run: nothing written");
    expect(readFileSync(path.join(root, "pkg/jobs.py"), "utf8")).toBe(JOBS);
  });
});

describe("report paths", () => {
  test("are relative to each path's repository root, wherever the command runs", () => {
    const elsewhere = tempDir();
    const a = tempDir();
    const b = tempDir();
    for (const repo of [a, b]) {
      makeTree(repo);
      mkdirSync(path.join(repo, ".git"));
    }
    const r = runCli(["transform", path.join(a, "pkg"), path.join(b, "pkg/jobs.py"), "--dry-run"], {
      cwd: elsewhere,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("../");
    expect(r.stdout.match(/^--- a\/pkg\/jobs\.py$/gm)).toHaveLength(2);
    expect(r.stdout).toContain("NEEDS-REVIEW pkg/jobs.py:9:12");
    expect(r.stdout).toContain("pkg/sub/broken.py: does not parse");
    // --root still decides when given.
    const rooted = runCli(["transform", path.join(a, "pkg"), "--dry-run", "--root", a], {
      cwd: elsewhere,
    });
    expect(rooted.stdout).toContain("--- a/pkg/jobs.py\n");
  });
});

describe("usage errors exit 2", () => {
  test.each([
    [["transform", ".", "--transform", "nope"], /unknown transform "nope"/],
    [["transform", ".", "--import-style", "star"], /Allowed choices are module, from/],
    [["transform", ".", "--module", "not-a-module"], /not a Python module name/],
    [["transform", ".", "--template", "{}-{}"], /--template must follow a --target/],
    [["transform", ".", "--table", "sessions"], /--table 'sessions': expected TABLE:KEY:/],
    [["transform", ".", "--reference", "a.b"], /--reference must follow a --table/],
    [["transform", ".", "-t", "sql-consumers"], /sql-consumers needs at least one --table/],
    [["transform"], /missing required argument/],
    [["frobnicate"], /unknown command/],
  ])("%j", (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test("a missing path is a failure (exit 1) that names it", () => {
    const r = runCli(["transform", "/nonexistent/dir"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("/nonexistent/dir: no such file or directory");
  });
});
