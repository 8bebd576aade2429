// One system holding Python and TypeScript: `transforms: [uuid4-to-ulid, js-uuid-to-ulid]`, its
// `include` globs picking the files; migrate, dry-run, the report and the branch as for Python.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { parseConfig } from "../src/plan/load.ts";
import { migrateSystem } from "../src/repo/branch.ts";
import { runTransforms } from "../transforms/index.ts";
import { git, makeRepo, migrateCli, tempDir } from "./helpers/repos.ts";

const FILES: Record<string, string> = {
  "service/jobs.py": "import uuid\n\n\ndef new_job():\n    return str(uuid.uuid4())\n",
  "ui/package.json": '{\n  "name": "dashboard",\n  "private": true\n}\n',
  "ui/package-lock.json": "{}\n",
  "ui/src/ids.ts":
    'import { v4 as uuidv4 } from "uuid";\n\nexport const panelId = () => uuidv4();\n',
  // Not in the include globs: left as it is.
  "scripts/seed.ts": 'import { v4 } from "uuid";\nexport const seed = v4();\n',
};

let tmp: ReturnType<typeof tempDir>;
let repo: string;
beforeEach(() => {
  tmp = tempDir();
  repo = makeRepo(join(tmp.dir, "crackerjack"), FILES);
});
afterEach(() => tmp.cleanup());

const PLAN = `version: 1
systems:
  crackerjack:
    repo: ./crackerjack
    transforms: [uuid4-to-ulid, js-uuid-to-ulid]
    include: ["service/**/*.py", "ui/**"]
`;

test("a Python and TypeScript system: one branch, one commit, one report with the lockfile to refresh", async () => {
  const [system] = parseConfig(PLAN, join(tmp.dir, "ulid-migration.yaml")).systems;
  if (!system) throw new Error("no system");
  const o = await migrateSystem(system, { runCodemod: runTransforms });
  const files = git(repo, "show", "--name-only", "--format=", "ulid-migration").split("\n").sort();
  expect(files).toEqual([
    ".ulid-migration/crackerjack/report.json",
    ".ulid-migration/crackerjack/report.md",
    "service/jobs.py",
    "ui/package.json",
    "ui/src/ids.ts",
  ]);
  expect(git(repo, "show", "ulid-migration:ui/src/ids.ts")).toBe(
    'import { ulid } from "ulid";\n\nexport const panelId = () => ulid();',
  );
  expect(git(repo, "show", "ulid-migration:service/jobs.py")).toContain("return dhruva.generate()");
  expect(git(repo, "show", "ulid-migration:ui/package.json")).toContain('"ulid": "^3.0.2"');
  // The working tree (the user's branch) is as it was.
  expect(readFileSync(join(repo, "scripts/seed.ts"), "utf8")).toBe(FILES["scripts/seed.ts"]);
  expect(git(repo, "status", "--porcelain")).toBe("");

  expect(o.summary).toMatchObject({ rewritten: 2, needsReview: 1, filesChanged: 3 });
  const md = git(repo, "show", "ulid-migration:.ulid-migration/crackerjack/report.md");
  expect(md).toContain("transforms: `uuid4-to-ulid`, `js-uuid-to-ulid`.");
  expect(md).toContain(
    "- `ui/package.json:5` — `ulid` ^3.0.2 added to dependencies (imported by ui/src/ids.ts): refresh the lockfile (npm install; ui/package-lock.json) and commit it with this change (js-uuid-to-ulid)",
  );
  expect(md).toContain("| `ui/src/ids.ts:3` | `uuidv4()` | `ulid()` | js-uuid-to-ulid |");
  expect(md).toContain("npm install && npx tsc --noEmit");
  expect(md).toContain("python -m compileall -q .");
});

test("migrate --dry-run prints the Python and the TypeScript diff and changes nothing", async () => {
  const config = join(tmp.dir, "ulid-migration.yaml");
  writeFileSync(config, PLAN);
  const before = git(repo, "for-each-ref", "--format=%(refname) %(objectname)");
  const r = await migrateCli(config, ["--all", "--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.out).toContain("+    return dhruva.generate()");
  expect(r.out).toContain("+export const panelId = () => ulid();");
  expect(r.out).toContain('+  "dependencies": {');
  expect(r.out).not.toContain("scripts/seed.ts");
  expect(git(repo, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(before);
  expect(git(repo, "status", "--porcelain")).toBe("");
});
