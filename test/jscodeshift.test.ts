import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { REPO_ROOT, tempDir } from "./helpers.ts";

const FIXTURES = path.join(REPO_ROOT, "__testfixtures__/uuid4-to-ulid");

test("jscodeshift's own runner runs the transform module on a directory", () => {
  const dir = tempDir();
  const cases = ["str-module-import", "truncated", "crlf", "keeps-other-names"];
  for (const c of cases)
    copyFileSync(path.join(FIXTURES, `${c}.input.py`), path.join(dir, `${c}.py`));
  const r = spawnSync(
    path.join(REPO_ROOT, "node_modules/.bin/jscodeshift"),
    ["-t", path.join(REPO_ROOT, "transforms/uuid4-to-ulid.ts"), "--extensions=py", dir],
    { encoding: "utf8", cwd: REPO_ROOT },
  );
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/0 errors/);
  expect(r.stdout).toMatch(/3 ok/);
  // needs-review sites reach jscodeshift's report channel.
  expect(r.stdout).toMatch(/REP .*truncated\.py 4:9 needs-review: truncated ID/);
  for (const c of cases) {
    expect(readFileSync(path.join(dir, `${c}.py`), "utf8")).toBe(
      readFileSync(path.join(FIXTURES, `${c}.output.py`), "utf8"),
    );
  }
});
