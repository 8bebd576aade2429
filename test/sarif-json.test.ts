// Machine-readable output: SARIF 2.1.0 validated against the official schema (the copy
// @microsoft/jest-sarif ships, with the ajv it depends on), and the one JSON shape every command
// writes (src/report/schema.ts), parsed with its schema so no key can drift.

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Ajv from "ajv";
import type * as Sarif from "sarif";
import { describe, expect, test } from "vitest";
import type { ReportEntry } from "../src/codemod/plugin.ts";
import { MAX_BODY, renderMarkdown } from "../src/report/markdown.ts";
import {
  migrateJsonSchema,
  reportSchema,
  rollbackJsonSchema,
  sqlExportJsonSchema,
  sqlGenerateJsonSchema,
  sqlVerifyJsonSchema,
} from "../src/report/schema.ts";
import { summarize } from "../src/report/summary.ts";
import { cliCapture, crackerjackFiles, git, makeRepo, migrateCli } from "./helpers/repos.ts";
import { tempDir } from "./helpers.ts";

const require = createRequire(import.meta.url);

function sarifValidator() {
  const schemaFile = path.join(
    path.dirname(require.resolve("@microsoft/jest-sarif/package.json")),
    "lib/schemas/sarif-2.1.0-rtm.5.json",
  );
  const ajv = new Ajv({ schemaId: "auto", allErrors: true });
  ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
  return ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
}

/** A tree with every kind of review item: blocking, needs-review, a note, a file not processed. */
function reviewTree(dir: string): void {
  const files: Record<string, string> = {
    "pkg/jobs.py":
      "import uuid\n\n\ndef token():\n    return str(uuid.uuid4())[:8]\n\n\nJOB = str(uuid.uuid4())\n",
    "pkg/graph.py": [
      "from datetime import datetime",
      "",
      "",
      "def add(self, system_id):",
      '    entity_id = f"system:{system_id}"',
      "    return entity_id",
      "",
      "",
      "def find(self, system_id):",
      '    return self.entities.get(f"system:{system_id}")',
      "",
      "",
      "def start(project_name):",
      '    timestamp = datetime.now().strftime("%Y%m%d")',
      '    session_id = f"{project_name}-{timestamp}"',
      "    return session_id",
      "",
    ].join("\n"),
    // It imports uuid, so the pre-filter takes it for a candidate and the parse fails.
    "pkg/broken.py": "import uuid\n\ndef f(:\n    return str(uuid.uuid4())\n",
  };
  for (const [f, c] of Object.entries(files)) {
    const abs = path.join(dir, f);
    require("node:fs").mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, c);
  }
}

const RULES = [
  "--transform",
  "uuid4-to-ulid,fstring-id-to-ulid",
  "--target",
  "entity_id",
  "--template",
  "system:{}",
  "--natural-keys",
  "rewrite-and-flag",
  "--target",
  "session_id",
  "--template",
  "{}-{}",
];

describe("SARIF", () => {
  test("transform --sarif: every review item with its level, rule and region; valid SARIF 2.1.0", async () => {
    const dir = tempDir();
    reviewTree(dir);
    const out = path.join(dir, "review.sarif");
    const r = await cliCapture([
      "transform",
      dir,
      "--root",
      dir,
      "--dry-run",
      "--sarif",
      out,
      ...RULES,
    ]);
    expect(r.code).toBe(0);
    const log = JSON.parse(readFileSync(out, "utf8")) as Sarif.Log;
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const run = log.runs[0] as Sarif.Run;
    const results = run.results ?? [];
    const brief = results.map((x) => {
      const loc = x.locations?.[0]?.physicalLocation;
      return `${x.level} ${x.ruleId} ${loc?.artifactLocation?.uri}:${loc?.region?.startLine ?? "-"}`;
    });
    expect(brief).toEqual([
      "error fstring-id-to-ulid/natural-key pkg/graph.py:10",
      "note fstring-id-to-ulid/is-now-unused pkg/graph.py:14",
      "warning uuid4-to-ulid/truncated-id pkg/jobs.py:5",
      "warning file-not-processed pkg/broken.py:-",
    ]);
    // Exact regions: the span of the site's text.
    const truncated = results[2]?.locations?.[0]?.physicalLocation?.region;
    expect(truncated).toMatchObject({
      startLine: 5,
      startColumn: 12,
      endLine: 5,
      endColumn: 12 + "str(uuid.uuid4())[:8]".length,
      snippet: { text: "str(uuid.uuid4())[:8]" },
    });
    // One rule per kind of reason, each result pointing at its own.
    const rules = run.tool.driver.rules ?? [];
    for (const x of results) expect(rules[x.ruleIndex ?? -1]?.id).toBe(x.ruleId);
    expect(rules.map((x) => x.defaultConfiguration?.level)).toEqual([
      "error",
      "note",
      "warning",
      "warning",
    ]);
    expect(run.originalUriBaseIds?.SRCROOT?.uri).toBe(`file://${dir}/`);
  });

  test("migrate --sarif: one run per system, with the branch and commit", async () => {
    const dir = tempDir();
    const repo = makeRepo(path.join(dir, "crackerjack"), crackerjackFiles);
    const plan = path.join(dir, "ulid-migration.yaml");
    writeFileSync(
      plan,
      "version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n",
    );
    const out = path.join(dir, "m.sarif");
    const r = await migrateCli(plan, ["--all", "--sarif", out]);
    expect(r.code).toBe(0);
    const log = JSON.parse(readFileSync(out, "utf8")) as Sarif.Log;
    expect(sarifValidator()(log)).toBe(true);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.automationDetails?.id).toBe("ulid-codemod/crackerjack/");
    expect(log.runs[0]?.results?.map((x) => x.ruleId)).toEqual(["uuid4-to-ulid/truncated-id"]);
    expect(git(repo, "rev-parse", "ulid-migration")).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("one JSON shape", () => {
  test("transform --report - writes the report to stdout (the rest to stderr), the same shape as report.json", async () => {
    const dir = tempDir();
    reviewTree(dir);
    const r = await cliCapture([
      "transform",
      dir,
      "--root",
      dir,
      "--dry-run",
      "--report",
      "-",
      ...RULES,
    ]);
    expect(r.code).toBe(0);
    const report = reportSchema.parse(JSON.parse(r.out));
    expect(report).toMatchObject({ kind: "transform", dryRun: true, system: null });
    expect(report.sites.map((s) => `${s.file}:${s.line} ${s.outcome} ${s.rule}`)).toContain(
      "pkg/jobs.py:5 needs-review uuid4-to-ulid/truncated-id",
    );
    expect(r.err).toContain("(dry run: nothing written)");

    const repo = makeRepo(path.join(dir, "cj"), crackerjackFiles);
    const plan = path.join(dir, "ulid-migration.yaml");
    writeFileSync(
      plan,
      "version: 1\nsystems:\n  cj:\n    repo: ./cj\n    transforms: [uuid4-to-ulid]\n",
    );
    const m = await migrateCli(plan, ["--all", "--json"]);
    expect(m.code).toBe(0);
    const doc = migrateJsonSchema.parse(JSON.parse(m.out));
    const committed = reportSchema.parse(
      JSON.parse(git(repo, "show", "ulid-migration:.ulid-migration/cj/report.json")),
    );
    // The same keys in the transform report, the committed one and migrate --json's.
    expect(Object.keys(committed).sort()).toEqual(Object.keys(report).sort());
    expect(doc.systems[0]?.report?.sites).toEqual(committed.sites);
    expect(doc.systems[0]).toMatchObject({
      system: "cj",
      status: "done",
      commit: git(repo, "rev-parse", "ulid-migration"),
    });
    expect(m.err).toContain("cj: committed");

    const rb = await cliCapture(["rollback", "--config", plan, "--all", "--yes", "--json"]);
    expect(rb.code).toBe(0);
    const rolled = rollbackJsonSchema.parse(JSON.parse(rb.out));
    expect(rolled.systems[0]).toMatchObject({
      system: "cj",
      ok: true,
      branch: expect.stringMatching(/^deleted ulid-migration \(was [0-9a-f]{12}\)/),
    });
  });

  test("sql generate --json, sql verify --json and sql export --json", async () => {
    const dir = tempDir();
    const { makeCrackerjack } = await import("./sql-fixtures.ts");
    makeCrackerjack(path.join(dir, "jobs.db"), 50);
    const plan = path.join(dir, "ulid-migration.yaml");
    writeFileSync(
      plan,
      [
        "version: 1",
        "systems:",
        "  cj:",
        "    repo: .",
        "    transforms: [uuid4-to-ulid]",
        "    database:",
        "      engine: sqlite",
        "      path: ./jobs.db",
        "      salt: s",
        "      tables: [{ table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }]",
        "",
      ].join("\n"),
    );
    const g = await cliCapture([
      "sql",
      "generate",
      "--config",
      plan,
      "--system",
      "cj",
      "--json",
      "--out",
      path.join(dir, "sql"),
    ]);
    expect(g.code).toBe(0);
    const gen = sqlGenerateJsonSchema.parse(JSON.parse(g.out));
    expect(gen.tables[0]).toMatchObject({ table: "jobs", rows: 50 });
    // The mapping data is named as such, in the JSON and in the lines on stderr.
    expect(gen.dataFiles).toEqual([path.join(dir, "sql", "apply", "0001_jobs_1_map.sql")]);
    expect(gen.files).toEqual(expect.arrayContaining(gen.dataFiles));
    expect(gen.tables[0]?.dataFiles).toEqual(["apply/0001_jobs_1_map.sql"]);
    expect(g.err).toContain(
      `wrote ${gen.dataFiles[0]} (mapping data: not for commit, see .gitignore)`,
    );
    expect(g.err).toMatch(/jobs: read 50 rows \([\d,]+ rows\/s/);
    const v = await cliCapture([
      "sql",
      "verify",
      "--config",
      plan,
      "--system",
      "cj",
      "--json",
      "--out",
      path.join(dir, "sql"),
    ]);
    expect(v.code).toBe(0);
    const ver = sqlVerifyJsonSchema.parse(JSON.parse(v.out));
    expect(ver.ok).toBe(true);
    expect(ver.checks.length).toBeGreaterThan(5);
    expect(v.err).toMatch(/verify: applied apply\/0001_jobs_2_expand\.sql on the copy \(50 rows/);
    const x = await cliCapture([
      "sql",
      "export",
      "--config",
      plan,
      "--system",
      "cj",
      "--json",
      "--from",
      path.join(dir, "sql"),
      "--out",
      path.join(dir, "exported"),
    ]);
    expect(x.code).toBe(0);
    const exported = sqlExportJsonSchema.parse(JSON.parse(x.out));
    expect(exported).toMatchObject({ ok: true, system: "cj", rows: 50 });
    expect(exported.written).toContain(path.join(dir, "exported", "apply", "0001_jobs_1_map.sql"));
    expect(x.err).toContain("export cj: 50 mapping rows match the committed manifest");
    expect(x.err).toMatch(/jobs: read 50 rows \([\d,]+ rows\/s/);
  });
});

describe("the PR body", () => {
  test("stays under GitHub's limit for thousands of sites; blocking items stay first, the full report names every site", () => {
    const entries: ReportEntry[] = [];
    const site = (i: number, outcome: ReportEntry["outcome"], reason: string): ReportEntry => ({
      transform: "uuid4-to-ulid",
      file: `pkg/mod${Math.floor(i / 100)}.py`,
      line: (i % 100) + 1,
      column: 5,
      before: "str(uuid.uuid4())",
      after: outcome === "rewritten" ? "dhruva.generate()" : null,
      outcome,
      reason,
    });
    for (let i = 0; i < 6000; i++) entries.push(site(i, "rewritten", "the string is what is used"));
    for (let i = 0; i < 1500; i++)
      entries.push(site(i, "needs-review", "truncated ID: a prefix collides"));
    for (let i = 0; i < 500; i++) entries.push(site(i, "note", "`x` is now unused"));
    entries.push(site(7, "blocking", "natural key `system:{}`: recomputed at pkg/a.py:3"));
    const result = { changes: [], entries, skipped: [], filesScanned: 60 };
    const data = {
      result,
      summary: summarize(result),
      system: "big",
      branch: "ulid-migration",
      base: "main",
      transforms: ["uuid4-to-ulid"],
      toolVersion: "0.1.0",
      fullReport: ".ulid-migration/big/report.md",
      links: { web: "https://github.com/o/r", base: "a".repeat(40), head: "b".repeat(40) },
    };
    const full = renderMarkdown(data);
    const body = renderMarkdown(data, { maxLength: MAX_BODY });
    expect(full.length).toBeGreaterThan(MAX_BODY * 10);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    for (const e of entries.slice(0, 50)) expect(full).toContain(`${e.file}:${e.line}\``);
    expect(body.split("\n").slice(0, 6).join("\n")).toContain(
      "- [`pkg/mod0.py:8`](https://github.com/o/r/blob/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/pkg/mod0.py#L8) — natural key",
    );
    expect(body).toContain("## Risk summary");
    expect(body).toContain("| needs review | truncated ID | 1500 |");
    expect(body).toContain("more in `.ulid-migration/big/report.md`");
  });
});
