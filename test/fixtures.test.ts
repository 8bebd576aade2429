import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { pluginOptionsFromFlags } from "../src/codemod/jscodeshift.ts";
import type { CodemodPlugin } from "../src/codemod/plugin.ts";
import { firstSyntaxProblem, parsePython } from "../src/codemod/python/parse.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import { TRANSFORMS } from "../transforms/index.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../__testfixtures__");
const scratch = mkdtempSync(path.join(os.tmpdir(), "ulid-fixtures-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A case is `<case>.input.py` and `.output.py`, with optional `<case>.options.json` (its flags) and
 * `<case>.report.json` (the report entries it must give: line, outcome, reason).
 */
/** `<case>.options.json` holds the flags of a case (`rules` included), as jscodeshift would pass them. */
async function caseOptions(plugin: CodemodPlugin, dir: string, name: string) {
  const file = path.join(dir, `${name}.options.json`);
  return await pluginOptionsFromFlags(
    plugin,
    existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {},
  );
}

const outputs: string[] = [];

/** Written now, compiled together by the last test: one python3 start instead of one per case. */
function queueCompile(source: string, name: string): void {
  const file = path.join(scratch, `${name}.py`);
  writeFileSync(file, source);
  outputs.push(file);
}

for (const transform of readdirSync(FIXTURES)) {
  const dir = path.join(FIXTURES, transform);
  const plugin = TRANSFORMS[transform];
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith(".input.py"))
    .map((f) => f.slice(0, -".input.py".length));

  describe(`${transform} fixtures`, () => {
    test("the transform is registered and has fixtures, each with its expected report", () => {
      expect(plugin).toBeDefined();
      expect(cases.length).toBeGreaterThan(0);
      expect(cases.filter((c) => !existsSync(path.join(dir, `${c}.report.json`)))).toEqual([]);
    });
    for (const name of cases) {
      test(name, async () => {
        if (!plugin) throw new Error(`no transform ${transform}`);
        const input = readFileSync(path.join(dir, `${name}.input.py`), "utf8");
        const expected = readFileSync(path.join(dir, `${name}.output.py`), "utf8");
        const options = await caseOptions(plugin, dir, name);
        const out = transformSource(`${name}.py`, input, [plugin], options);
        if (!out.ok) throw new Error(out.error);
        expect(out.output).toBe(expected);
        // The review verdicts, as data: the README's tables are these cases.
        const reportFile = path.join(dir, `${name}.report.json`);
        if (existsSync(reportFile)) {
          const got = out.entries.map((e) => ({
            line: e.line,
            outcome: e.outcome,
            reason: e.reason,
          }));
          expect(got).toEqual(JSON.parse(readFileSync(reportFile, "utf8")));
        }
        expect(firstSyntaxProblem(parsePython(out.output.replace(/^\uFEFF/, "")))).toBeUndefined();
        queueCompile(out.output, `${transform}-${name}`);
        const again = transformSource(`${name}.py`, out.output, [plugin], options);
        if (!again.ok) throw new Error(again.error);
        expect(again.output).toBe(out.output);
        expect(again.entries.filter((e) => e.outcome === "rewritten")).toEqual([]);
      });
    }
  });
}

test("python3 -m py_compile accepts every fixture output", () => {
  expect(outputs.length).toBeGreaterThan(25);
  // py_compile exits non-zero and names the file on the first one that does not compile.
  execFileSync("python3", ["-m", "py_compile", ...outputs], { stdio: "pipe" });
});
