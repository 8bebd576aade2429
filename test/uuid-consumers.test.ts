// uuid-consumers across a repository: producers in one file, consumers in others (found by the
// index, including a file that mentions no UUID at all), and the reports' own section for them.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { renderMarkdown } from "../src/report/markdown.ts";
import { summarize } from "../src/report/summary.ts";
import { terminalSummary } from "../src/report/terminal.ts";
import { defaultTransformOptions, runTransforms } from "../transforms/index.ts";
import { makeRepo } from "./helpers/repos.ts";
import { runCli, scratch } from "./helpers.ts";

const { fresh } = scratch("ulid-consumers-");

const FILES = {
  "crackerjack/jobs.py": [
    "import uuid",
    "",
    "",
    "class Job:",
    "    def __init__(self) -> None:",
    "        self.job_id = str(uuid.uuid4())",
    "",
  ].join("\n"),
  "crackerjack/api.py": [
    "from uuid import UUID",
    "",
    "",
    "def get(job_id: str):",
    "    return UUID(job_id)",
    "",
  ].join("\n"),
  // No `uuid`, no length check: found because it names a key the index knows.
  "crackerjack/shard.py": ["def shard(job) -> int:", "    return job.job_id.int % 8", ""].join(
    "\n",
  ),
  "crackerjack/other.py": ["def size(counter) -> int:", "    return counter.int", ""].join("\n"),
};

describe("uuid-consumers over a repository", () => {
  test("consumers in other files are blocking, with the producer they are reached from", async () => {
    const repo = makeRepo(fresh("repo"), FILES);
    const result = await runTransforms({
      paths: [repo],
      transforms: ["uuid4-to-ulid", "uuid-consumers"],
      options: defaultTransformOptions(),
      dryRun: true,
    });
    const consumers = result.entries.filter((e) => e.transform === "uuid-consumers");
    expect(consumers.map((e) => [e.file, e.line, e.outcome])).toEqual([
      ["crackerjack/api.py", 5, "blocking"],
      ["crackerjack/shard.py", 2, "blocking"],
    ]);
    for (const e of consumers) {
      expect(e.topic).toBe("uuid-format");
      expect(e.reason).toContain("reached from `job_id`, a ULID since crackerjack/jobs.py:6");
    }
    // The producer is still rewritten by uuid4-to-ulid in the same run.
    expect(result.changes.map((c) => c.file)).toEqual(["crackerjack/jobs.py"]);

    const terminal = terminalSummary(result);
    expect(terminal).toContain("Code that still assumes an ID is a UUID (2):");
    expect(terminal).toContain("BLOCKING crackerjack/shard.py:2:12  job.job_id.int");
    expect(terminal).not.toContain("To review:");
    const md = renderMarkdown(result, summarize(result), {
      system: "crackerjack",
      branch: "ulid-migration",
      base: "main",
      transforms: ["uuid4-to-ulid", "uuid-consumers"],
    });
    expect(md).toContain("## Code that still assumes an ID is a UUID (2)");
    expect(md).toContain("- **blocking** `crackerjack/api.py:5` — parses the ID as a UUID");
    expect(md).not.toContain("## Blocking");
    expect(md).toMatch(/\| rewritten \| blocking \|[^\n]*\n[^\n]*\n\| 1 \| 2 \|/);
  });

  test("the CLI runs it with the producers, and --accept-ulid widens a validation", () => {
    const repo = makeRepo(fresh("repo"), {
      ...FILES,
      "crackerjack/check.py": [
        "from uuid import UUID",
        "",
        "",
        "def check(job) -> None:",
        "    UUID(job.job_id, version=4)",
        "",
      ].join("\n"),
    });
    const r = runCli(
      ["transform", repo, "--transform", "uuid4-to-ulid,uuid-consumers", "--accept-ulid"],
      { cwd: mkdirSync(fresh("elsewhere"), { recursive: true }) as string },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("BLOCKING crackerjack/api.py:5:12");
    expect(r.stdout).toContain("REWRITTEN crackerjack/check.py:5:5");
    expect(readFileSync(path.join(repo, "crackerjack/check.py"), "utf8")).toBe(
      [
        "import re",
        "from uuid import UUID",
        "",
        "",
        "def check(job) -> None:",
        '    (re.fullmatch(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", job.job_id) or UUID(job.job_id, version=4))',
        "",
      ].join("\n"),
    );
  });
});
