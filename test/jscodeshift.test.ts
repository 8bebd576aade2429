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

const JS_FIXTURES = path.join(REPO_ROOT, "__testfixtures__/js-uuid-to-ulid");

/** jscodeshift over copies of some js-uuid-to-ulid cases; each must come out as its fixture. */
function runOnCases(parser: string, cases: string[]) {
  const dir = tempDir();
  for (const c of cases) {
    copyFileSync(path.join(JS_FIXTURES, c.replace(".", ".input.")), path.join(dir, c));
  }
  const extensions = [...new Set(cases.map((c) => c.slice(c.indexOf(".") + 1)))].join(",");
  const r = spawnSync(
    path.join(REPO_ROOT, "node_modules/.bin/jscodeshift"),
    [
      "-t",
      path.join(REPO_ROOT, "transforms/js-uuid-to-ulid.ts"),
      `--parser=${parser}`,
      `--extensions=${extensions}`,
      dir,
    ],
    { encoding: "utf8", cwd: REPO_ROOT },
  );
  for (const c of cases) {
    expect(readFileSync(path.join(dir, c), "utf8"), c).toBe(
      readFileSync(path.join(JS_FIXTURES, c.replace(".", ".output.")), "utf8"),
    );
  }
  return r;
}

test("jscodeshift runs js-uuid-to-ulid with --parser=ts (TS, TSX, CommonJS; ts-morph loads under its babel)", () => {
  const r = runOnCases("ts", [
    "named-import-alias.ts",
    "tsx-component.tsx",
    "commonjs-destructure.cjs",
    "truncated.ts",
    "bom.ts",
  ]);
  expect(r.stdout).toMatch(/0 errors/);
  expect(r.stdout).toMatch(/4 ok/);
  expect(r.stdout).toMatch(/REP .*truncated\.ts 3:25 needs-review: truncated ID/);
});

test("jscodeshift runs js-uuid-to-ulid with --parser=babel on JavaScript", () => {
  const r = runOnCases("babel", ["esm-js.mjs", "jsx-component.jsx", "commonjs-require-inline.js"]);
  expect(r.stdout).toMatch(/0 errors/);
  expect(r.stdout).toMatch(/3 ok/);
});
