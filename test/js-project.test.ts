// js-uuid-to-ulid over whole projects (the runner, not one file): package.json, the type check
// against tsconfig.json, files that must be left alone, and one parse per file.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { parseTypeScript } from "../src/codemod/typescript/parse.ts";
import { runTransforms } from "../transforms/index.ts";
import { writeFiles } from "./helpers/repos.ts";
import { flagOptions, REPO_ROOT, scratch } from "./helpers.ts";

// Counts parses; every call still goes to the real compiler.
vi.mock("../src/codemod/typescript/parse.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/codemod/typescript/parse.ts")>();
  return { ...real, parseTypeScript: vi.fn(real.parseTypeScript) };
});
beforeEach(() => {
  vi.mocked(parseTypeScript).mockClear();
});

const { fresh } = scratch("ulid-js-project-");

async function run(dir: string, dryRun = false, prefilter = true) {
  return runTransforms({
    paths: [dir],
    root: dir,
    transforms: ["js-uuid-to-ulid"],
    options: await flagOptions(),
    dryRun,
    prefilter,
  });
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

const SERVICE = 'import { v4 as uuidv4 } from "uuid";\n\nexport const newId = () => uuidv4();\n';

describe("package.json", () => {
  const cases: { name: string; before: string; after: string }[] = [
    {
      name: "sorted dependencies: in its sorted place, nothing else moves",
      before: `{\n  "name": "api",\n  "version": "1.0.0",\n  "scripts": { "build": "tsc" },\n  "dependencies": {\n    "express": "^4.19.0",\n    "zod": "^3.23.0"\n  },\n  "devDependencies": {\n    "typescript": "^5.5.0"\n  }\n}\n`,
      after: `{\n  "name": "api",\n  "version": "1.0.0",\n  "scripts": { "build": "tsc" },\n  "dependencies": {\n    "express": "^4.19.0",\n    "ulid": "^3.0.2",\n    "zod": "^3.23.0"\n  },\n  "devDependencies": {\n    "typescript": "^5.5.0"\n  }\n}\n`,
    },
    {
      name: "unsorted dependencies: at the end",
      before: `{\n    "name": "api",\n    "dependencies": {\n        "zod": "^3.23.0",\n        "express": "^4.19.0"\n    }\n}`,
      after: `{\n    "name": "api",\n    "dependencies": {\n        "zod": "^3.23.0",\n        "express": "^4.19.0",\n        "ulid": "^3.0.2"\n    }\n}`,
    },
    {
      name: "no dependencies: before devDependencies, tabs and CRLF kept",
      before: `{\r\n\t"name": "ui",\r\n\t"devDependencies": {\r\n\t\t"vite": "^5.0.0"\r\n\t}\r\n}\r\n`,
      after: `{\r\n\t"name": "ui",\r\n\t"dependencies": {\r\n\t\t"ulid": "^3.0.2"\r\n\t},\r\n\t"devDependencies": {\r\n\t\t"vite": "^5.0.0"\r\n\t}\r\n}\r\n`,
    },
    {
      name: "no dependencies at all: appended",
      before: `{\n  "name": "tool",\n  "private": true\n}\n`,
      after: `{\n  "name": "tool",\n  "private": true,\n  "dependencies": {\n    "ulid": "^3.0.2"\n  }\n}\n`,
    },
    {
      name: "empty dependencies object",
      before: `{\n  "name": "tool",\n  "dependencies": {}\n}\n`,
      after: `{\n  "name": "tool",\n  "dependencies": {\n    "ulid": "^3.0.2"\n  }\n}\n`,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = fresh("pkg");
      writeFiles(dir, {
        "package.json": c.before,
        "src/ids.ts": SERVICE,
        "package-lock.json": "{}",
      });
      const r = await run(dir);
      expect(read(dir, "package.json")).toBe(c.after);
      expect(r.changes.map((x) => x.file).sort()).toEqual(["package.json", "src/ids.ts"]);
      const entry = r.entries.find((e) => e.file === "package.json");
      expect(entry).toMatchObject({ outcome: "needs-review", after: '"ulid": "^3.0.2"' });
      expect(entry?.reason).toBe(
        "`ulid` ^3.0.2 added to dependencies (imported by src/ids.ts): refresh the lockfile (npm install; package-lock.json) and commit it with this change",
      );
      expect(c.after.split(/\r?\n/)[(entry?.line ?? 0) - 1]).toContain('"ulid"');
      // A second run finds ulid there and changes nothing.
      const again = await run(dir);
      expect(again.changes).toEqual([]);
      expect(again.entries.filter((e) => e.file === "package.json")).toEqual([]);
    });
  }

  test("a workspace: the package's own package.json, the lockfile at the root", async () => {
    const dir = fresh("workspace");
    const rootPkg = `{\n  "name": "mono",\n  "private": true,\n  "workspaces": ["packages/*"]\n}\n`;
    writeFiles(dir, {
      "package.json": rootPkg,
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
      "packages/ui/package.json": `{\n  "name": "@mono/ui"\n}\n`,
      "packages/ui/src/panel.ts": SERVICE,
      "packages/api/package.json": `{\n  "name": "@mono/api"\n}\n`,
    });
    const r = await run(dir);
    expect(read(dir, "package.json")).toBe(rootPkg);
    expect(read(dir, "packages/api/package.json")).toBe(`{\n  "name": "@mono/api"\n}\n`);
    expect(read(dir, "packages/ui/package.json")).toBe(
      `{\n  "name": "@mono/ui",\n  "dependencies": {\n    "ulid": "^3.0.2"\n  }\n}\n`,
    );
    expect(r.entries.find((e) => e.file === "packages/ui/package.json")?.reason).toContain(
      "refresh the lockfile (pnpm install; pnpm-lock.yaml)",
    );
  });

  test("already a dependency, or only a devDependency, or not JSON: package.json is not written", async () => {
    const manifests = {
      has: `{ "dependencies": { "ulid": "^2.3.0" } }\n`,
      dev: `{ "devDependencies": { "ulid": "^2.3.0" } }\n`,
      broken: `{ "name": "x", }\n// not JSON\n`,
    };
    for (const [name, text] of Object.entries(manifests)) {
      const dir = fresh(name);
      writeFiles(dir, { "package.json": text, "a.ts": SERVICE });
      const r = await run(dir);
      expect(read(dir, "package.json")).toBe(text);
      expect(r.changes.map((c) => c.file)).toEqual(["a.ts"]);
      const entries = r.entries.filter((e) => e.file === "package.json");
      if (name === "has") expect(entries).toEqual([]);
      else expect(entries.map((e) => e.outcome)).toEqual(["needs-review"]);
      if (name === "dev") expect(entries[0]?.reason).toContain("move it to dependencies");
      if (name === "broken") expect(entries[0]?.reason).toContain("add `ulid` (^3.0.2)");
    }
  });

  test("--dry-run writes neither the source nor package.json, and the diff shows both", async () => {
    const dir = fresh("dry");
    const pkg = `{\n  "name": "x"\n}\n`;
    writeFiles(dir, { "package.json": pkg, "a.ts": SERVICE });
    const r = await run(dir, true);
    expect(read(dir, "package.json")).toBe(pkg);
    expect(read(dir, "a.ts")).toBe(SERVICE);
    expect(r.changes.find((c) => c.file === "package.json")?.after).toContain('"ulid": "^3.0.2"');
  });
});

/** A project with its own tsconfig.json and uuid's types installed (ulid is not installed). */
function typedProject(files: Record<string, string>): string {
  const dir = fresh("typed");
  writeFiles(dir, {
    "package.json": '{ "name": "typed" }\n',
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2022", "dom"],
        module: "esnext",
        moduleResolution: "bundler",
        strict: true,
        noEmit: true,
        types: [],
      },
      include: ["src"],
    }),
    "node_modules/uuid/package.json":
      '{ "name": "uuid", "version": "11.0.0", "types": "index.d.ts" }',
    "node_modules/uuid/index.d.ts": "export declare function v4(): string;\n",
    ...files,
  });
  return dir;
}

/** What `crypto.randomUUID()` returns, as TypeScript source. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal type, as source text
const UUID_TYPE = "`${string}-${string}-${string}-${string}-${string}`";

describe("type check against the project's tsconfig.json", () => {
  const KEYS = [
    `export type RequestKey = ${UUID_TYPE};`,
    "",
    "export const key: RequestKey = crypto.randomUUID();",
    "export const label: string = crypto.randomUUID();",
    "export function nextKey(): RequestKey {",
    "  return crypto.randomUUID();",
    "}",
    "",
  ].join("\n");

  test("a rewrite that introduces a type error is taken back and reported; the others stay", async () => {
    const dir = typedProject({ "src/keys.ts": KEYS });
    const r = await run(dir);
    const kept = KEYS.replace(
      "export const label: string = crypto.randomUUID();",
      "export const label: string = ulid();",
    );
    expect(read(dir, "src/keys.ts")).toBe(`import { ulid } from "ulid";\n\n${kept}`);
    const byLine = r.entries
      .filter((e) => e.file === "src/keys.ts")
      .map((e) => [e.line, e.outcome, e.reason.slice(0, 60)]);
    expect(byLine).toEqual([
      [3, "needs-review", "the rewrite does not type-check against tsconfig.json (src/k"],
      [4, "rewritten", "used as a string: a ULID string takes its place (was 36 char"],
      [6, "needs-review", "the rewrite does not type-check against tsconfig.json (src/k"],
    ]);
    expect(r.entries.find((e) => e.line === 3)?.reason).toMatch(
      /\(src\/keys\.ts:3: TS2322 Type 'string' is not assignable to type '`\$\{string\}-/,
    );
  });

  test("an importer that would break takes the imported file's rewrites back", async () => {
    const dir = typedProject({
      "src/keys.ts": "export const makeKey = () => crypto.randomUUID();\n",
      "src/use.ts": [
        'import { makeKey } from "./keys";',
        `type Key = ${UUID_TYPE};`,
        "export const k: Key = makeKey();",
        "",
      ].join("\n"),
      "src/other.ts": "export const id = crypto.randomUUID();\n",
    });
    const r = await run(dir);
    expect(read(dir, "src/keys.ts")).toBe("export const makeKey = () => crypto.randomUUID();\n");
    expect(read(dir, "src/other.ts")).toBe(
      'import { ulid } from "ulid";\n\nexport const id = ulid();\n',
    );
    expect(r.entries.find((e) => e.file === "src/keys.ts")?.reason).toContain(
      "(src/use.ts:3: TS2322",
    );
  });

  test("errors the file already had are not the rewrite's; without a tsconfig.json nothing is checked", async () => {
    // An import that does not resolve, too (a ts-morph bookkeeping of those once broke the check).
    const withError = `import { pad } from "left-pad";\nexport const n: number = pad;\nexport const key = crypto.randomUUID();\n`;
    const dir = typedProject({ "src/a.ts": withError });
    await run(dir);
    expect(read(dir, "src/a.ts")).toContain("export const key = ulid();");

    const untyped = fresh("untyped");
    writeFiles(untyped, { "keys.ts": KEYS });
    await run(untyped);
    expect(read(untyped, "keys.ts")).toContain("export const key: RequestKey = ulid();");
  });
});

test("a tsconfig.json that cannot be read: the rewrites stay, the report says they were not type-checked", async () => {
  const dir = fresh("badconfig");
  writeFiles(dir, {
    "package.json": '{ "name": "x" }\n',
    "tsconfig.json": '{ "compilerOptions": { "strict": ',
    "a.ts": "export const id = crypto.randomUUID();\n",
  });
  const r = await run(dir);
  expect(read(dir, "a.ts")).toContain("export const id = ulid();");
  expect(r.entries.find((e) => e.file === "tsconfig.json")).toMatchObject({
    outcome: "needs-review",
    reason:
      "could not be read (Expression expected.): the rewrites of 1 file(s) under it were not type-checked; run the project's type check",
  });
});

describe("files left alone", () => {
  test("a file that does not parse, a generated and a minified file: skipped, listed, byte-identical", async () => {
    const dir = fresh("hostile");
    const files = {
      "broken.ts": 'import { v4 } from "uuid";\nexport const id = v4(;\n',
      "gen/api.ts":
        '// Code generated by openapi-generator. DO NOT EDIT.\nimport { v4 } from "uuid";\nexport const id = v4();\n',
      "vendor/lib.min.js": 'import { v4 } from "uuid";export const id = v4();\n',
      "dist/bundle.js": `import { v4 } from "uuid";${"const a=1;".repeat(400)}export const id=v4();\n`,
      "ok.ts": SERVICE,
    };
    writeFiles(dir, files);
    const r = await run(dir);
    for (const f of ["broken.ts", "gen/api.ts", "vendor/lib.min.js", "dist/bundle.js"]) {
      expect(read(dir, f)).toBe(files[f as keyof typeof files]);
    }
    expect(r.skipped.map((s) => `${s.file}: ${s.reason}`).sort()).toEqual([
      "broken.ts: does not parse: ')' expected. at line 2, column 22",
      "dist/bundle.js: minified file (2024 characters per line on average); not rewritten",
      'gen/api.ts: generated file ("Code generated by" in its header); not rewritten',
      "vendor/lib.min.js: minified file (.min.js); not rewritten",
    ]);
    expect(r.changes.map((c) => c.file)).toEqual(["ok.ts"]);
  });
});

test("one parse per candidate file, one more per rewritten file (the check); others never parsed", async () => {
  const dir = fresh("parses");
  writeFiles(dir, {
    "a.ts": SERVICE,
    "b.js": 'const { v4 } = require("uuid");\nmodule.exports = () => v4();\n',
    "c.ts": 'import { v4 } from "uuid";\nexport const x = v4().slice(0, 8);\n',
    "d.ts": "export const nothing = 1;\n",
  });
  const r = await run(dir, true);
  expect(r.changes.map((c) => c.file)).toEqual(["a.ts", "b.js"]);
  // a, b, c parsed once each; a and b once more to check the result; d not at all.
  expect(vi.mocked(parseTypeScript)).toHaveBeenCalledTimes(5);
});

test("the pre-filter never drops a file that parsing everything would change or report", async () => {
  const dir = fresh("prefilter");
  mkdirSync(dir);
  const fixtures = path.join(REPO_ROOT, "__testfixtures__/js-uuid-to-ulid");
  for (const f of readdirSync(fixtures).filter((f) => f.includes(".input."))) {
    copyFileSync(path.join(fixtures, f), path.join(dir, f.replace(".input.", ".")));
  }
  writeFiles(dir, {
    // Mentions UUIDs without a site: a locale's format names, a length that is not 36.
    "locale.ts":
      'export const formats = { uuid: "UUID", ulid: "ULID" };\nexport const n = "x".length === 26;\n',
    "plain.js": "module.exports = 36;\n",
  });
  const fast = await run(dir, true, true);
  const full = await run(dir, true, false);
  expect(fast.changes.length).toBeGreaterThan(20);
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});
