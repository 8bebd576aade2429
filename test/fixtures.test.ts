import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { pluginOptionsFromFlags } from "../src/codemod/jscodeshift.ts";
import type { CodemodPlugin } from "../src/codemod/plugin.ts";
import { firstSyntaxProblem, parsePython } from "../src/codemod/python/parse.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import {
  firstSyntaxProblem as firstTsProblem,
  parseTypeScript,
} from "../src/codemod/typescript/parse.ts";
import { TRANSFORMS } from "../transforms/index.ts";
import { REPO_ROOT, tempDir } from "./helpers.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../__testfixtures__");
const scratch = tempDir("ulid-fixtures-");
const INPUT = /\.input(\.(?:py|[cm]?[jt]sx?))$/;

/**
 * A case is `<case>.input.<ext>` and `<case>.output.<ext>` (`.py`, or a TS/JS extension), with
 * optional `<case>.options.json` (its flags, as jscodeshift would pass them: `rules` included) and
 * `<case>.report.json` (the report entries it must give: line, outcome, reason).
 */
async function caseOptions(plugin: CodemodPlugin, dir: string, name: string) {
  const file = path.join(dir, `${name}.options.json`);
  return await pluginOptionsFromFlags(
    plugin,
    existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {},
  );
}

const pyOutputs: string[] = [];
const tsOutputs: string[] = [];
const tsDir = path.join(scratch, "ts");
mkdirSync(tsDir);

/** Written now, checked together by the last tests: one python3 (and one tsc) start for all. */
function queueCheck(source: string, name: string, ext: string): void {
  const file = path.join(ext === ".py" ? scratch : tsDir, `${name}${ext}`);
  writeFileSync(file, source);
  (ext === ".py" ? pyOutputs : tsOutputs).push(file);
}

for (const transform of readdirSync(FIXTURES)) {
  const dir = path.join(FIXTURES, transform);
  const plugin = TRANSFORMS[transform];
  const cases = readdirSync(dir).flatMap((f) => {
    const m = INPUT.exec(f);
    return m ? [{ name: f.slice(0, m.index), ext: m[1] as string }] : [];
  });

  describe(`${transform} fixtures`, () => {
    test("the transform is registered and has fixtures, each with its expected report", () => {
      expect(plugin).toBeDefined();
      expect(cases.length).toBeGreaterThan(0);
      expect(cases.filter((c) => !existsSync(path.join(dir, `${c.name}.report.json`)))).toEqual([]);
    });
    for (const { name, ext } of cases) {
      test(`${name}${ext}`, async () => {
        if (!plugin) throw new Error(`no transform ${transform}`);
        const input = readFileSync(path.join(dir, `${name}.input${ext}`), "utf8");
        const expected = readFileSync(path.join(dir, `${name}.output${ext}`), "utf8");
        const options = await caseOptions(plugin, dir, name);
        const file = `${name}${ext}`;
        const out = transformSource(file, input, [plugin], options);
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
        const text = out.output.replace(/^\uFEFF/, "");
        if (ext === ".py") expect(firstSyntaxProblem(parsePython(text))).toBeUndefined();
        else expect(firstTsProblem(parseTypeScript(file, text))).toBeUndefined();
        queueCheck(out.output, `${transform}-${name}`, ext);
        const again = transformSource(file, out.output, [plugin], options);
        if (!again.ok) throw new Error(again.error);
        expect(again.output).toBe(out.output);
        expect(again.entries.filter((e) => e.outcome === "rewritten")).toEqual([]);
      });
    }
  });
}

test("python3 -m py_compile accepts every fixture output", () => {
  expect(pyOutputs.length).toBeGreaterThan(25);
  // py_compile exits non-zero and names the file on the first one that does not compile.
  execFileSync("python3", ["-m", "py_compile", ...pyOutputs], { stdio: "pipe" });
});

/**
 * The declarations the outputs are checked against: `ulid` is the real package (the tool's own
 * copy); `uuid` (not installed here) is its API as uuid's own types declare it, and React's JSX
 * is reduced to what the fixtures render.
 */
const STUBS = `declare module "uuid" {
  namespace uuid {
    type Bytes = Uint8Array;
    interface V4Options { random?: Bytes; rng?: () => Bytes }
    function v4(options?: V4Options): string;
    function v4<B extends Bytes>(options: V4Options | undefined, buf: B, offset?: number): B;
    function v1(): string;
    function v5(name: string, namespace: string): string;
    namespace v5 { const DNS: string; const URL: string }
    function v7(): string;
    function validate(id: string): boolean;
    function version(id: string): number;
    function parse(id: string): Bytes;
    function stringify(bytes: Bytes): string;
    const NIL: string;
    const MAX: string;
  }
  export = uuid;
}
declare module "react" {
  export function useState(initial: unknown[]): [any[], (next: unknown[]) => void];
  export function useMemo<T>(make: () => T, deps: unknown[]): T;
}
declare namespace JSX {
  interface IntrinsicElements { [name: string]: Record<string, unknown> }
  interface Element {}
}
`;

test("tsc --noEmit accepts every TypeScript and JavaScript fixture output", () => {
  expect(tsOutputs.length).toBeGreaterThan(25);
  writeFileSync(path.join(tsDir, "stubs.d.ts"), STUBS);
  const modules = path.join(REPO_ROOT, "node_modules");
  writeFileSync(
    path.join(tsDir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2022", "dom"],
        module: "preserve",
        moduleResolution: "bundler",
        strict: true,
        allowJs: true,
        checkJs: true,
        noImplicitAny: false,
        jsx: "preserve",
        esModuleInterop: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [path.join(modules, "@types")],
        paths: { ulid: [path.join(modules, "ulid")] },
      },
      include: ["*"],
    }),
  );
  // tsc names every file and error; the exit code says whether there was one.
  const r = (() => {
    try {
      execFileSync(path.join(modules, ".bin/tsc"), ["-p", tsDir], { encoding: "utf8" });
      return "";
    } catch (e) {
      return String((e as { stdout?: string }).stdout);
    }
  })();
  expect(r).toBe("");
});
