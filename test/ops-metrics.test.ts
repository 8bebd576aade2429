// --metrics / --metrics-json on migrate, rollback and sql verify: the files are read back with a
// strict exposition-format parser, and their figures compared with the databases and the summary.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, test } from "vitest";
import { buildDemoWorkspace, type DemoWorkspace } from "../src/cli/demo-workspace.ts";
import { metricsRegistry, OUTCOMES } from "../src/run/metrics.ts";
import { type Family, parsePrometheusText, sampleOf } from "./helpers/prom-text.ts";
import { cliCapture } from "./helpers/repos.ts";
import { REPO_ROOT, tempDir } from "./helpers.ts";
import { crackerjackConfig, makeCrackerjack } from "./sql-fixtures.ts";

// Made at file level: removed after the file's tests (which share the workspace, in order).
const dir = tempDir("ulid-metrics-");
const out = path.join(dir, "metrics");
let ws: DemoWorkspace;
beforeAll(async () => {
  ws = await buildDemoWorkspace(path.join(dir, "ws"), { jobs: 60, sessions: 20 });
  fs.mkdirSync(out);
});

const SYSTEMS = ["crackerjack", "session-buddy", "akosha"];

function read(name: string): { families: Family[]; json: JsonDoc } {
  return {
    families: parsePrometheusText(fs.readFileSync(path.join(out, `${name}.prom`), "utf8")),
    json: JSON.parse(fs.readFileSync(path.join(out, `${name}.json`), "utf8")) as JsonDoc,
  };
}

interface JsonDoc {
  command: string;
  metrics: {
    name: string;
    type: string;
    values: { value: number; labels: Record<string, string> }[];
  }[];
}

/** Every sample, as `name{sorted labels} value`, from the text and from the JSON form. */
const keyed = (name: string, labels: Record<string, string>, value: number) =>
  `${name}${JSON.stringify(Object.entries(labels).sort())} ${value}`;
const textSamples = (families: Family[]) =>
  families.flatMap((f) => f.samples.map((s) => keyed(s.name, s.labels, s.value))).sort();
const jsonSamples = (doc: JsonDoc) =>
  doc.metrics.flatMap((m) => m.values.map((v) => keyed(m.name, v.labels, v.value))).sort();

const flags = (name: string) => [
  "--metrics",
  path.join(out, `${name}.prom`),
  "--metrics-json",
  path.join(out, `${name}.json`),
];

function count(sql: string): number {
  const db = new Database(ws.databases[0]?.path as string, { readonly: true });
  try {
    return Number(Object.values(db.prepare(sql).get() as object)[0]);
  } finally {
    db.close();
  }
}

describe("metrics of a migration", () => {
  test("a preflight failure still writes the files: nothing started, the problem counted", async () => {
    const stray = path.join(ws.repos.crackerjack as string, "stray.txt");
    fs.writeFileSync(stray, "not committed\n");
    try {
      const r = await cliCapture([
        "migrate",
        "--config",
        ws.config,
        "--all",
        "--apply",
        "--yes",
        ...flags("preflight"),
      ]);
      expect(r.code).toBe(1);
      const { families } = read("preflight");
      for (const system of SYSTEMS) {
        const labels = { system, command: "migrate" };
        expect(
          sampleOf(families, "ulid_codemod_outcome", { ...labels, outcome: "not started" }),
        ).toBe(1);
        expect(sampleOf(families, "ulid_codemod_success", labels)).toBe(0);
      }
      expect(sampleOf(families, "ulid_codemod_preflight_problems", { system: "crackerjack" })).toBe(
        1,
      );
      expect(sampleOf(families, "ulid_codemod_preflight_problems", { system: "akosha" })).toBe(0);
    } finally {
      fs.rmSync(stray);
    }
  });

  test("migrate --all --apply: every figure, in both forms, labelled by system", async () => {
    const r = await cliCapture([
      "migrate",
      "--config",
      ws.config,
      "--all",
      "--apply",
      "--yes",
      // The demo's session-buddy and akosha have blocking sites on purpose.
      "--allow-blocking",
      ...flags("migrate"),
    ]);
    expect(r.code, r.err).toBe(0);
    const { families, json } = read("migrate");
    // Written atomically: no temporary file left beside them.
    expect(fs.readdirSync(out).sort()).toEqual([
      "migrate.json",
      "migrate.prom",
      "preflight.json",
      "preflight.prom",
    ]);
    expect(textSamples(families)).toEqual(jsonSamples(json));
    expect(json.command).toBe("migrate");
    for (const f of families) {
      expect(f.type, f.name).toBe("gauge");
      expect(f.name).toMatch(/^ulid_codemod_/);
      for (const s of f.samples) {
        expect(SYSTEMS).toContain(s.labels.system);
        expect(s.labels.command).toBe("migrate");
      }
    }
    const jobs = count("SELECT COUNT(*) FROM jobs");
    const cj = { system: "crackerjack" };
    expect(sampleOf(families, "ulid_codemod_rows_backfilled", cj)).toBe(jobs);
    expect(sampleOf(families, "ulid_codemod_rows_backfilled", { system: "session-buddy" })).toBe(
      20,
    );
    for (const when of ["before", "after"]) {
      expect(
        sampleOf(families, "ulid_codemod_table_rows", {
          ...cj,
          stage: "apply",
          table: "jobs",
          when,
        }),
      ).toBe(jobs);
      expect(
        sampleOf(families, "ulid_codemod_table_rows", {
          ...cj,
          stage: "apply",
          table: "hook_executions",
          when,
        }),
      ).toBe(count("SELECT COUNT(*) FROM hook_executions"));
    }
    const applyJobs = { ...cj, stage: "apply", table: "jobs" };
    expect(sampleOf(families, "ulid_codemod_ulids_checked", applyJobs)).toBe(jobs);
    // Under --apply the apply verifies (rollback files included), not a scratch copy first.
    expect(
      families
        .find((f) => f.name === "ulid_codemod_ulids_checked")
        ?.samples.filter((s) => s.labels.stage === "verify")
        .map((s) => s.labels.system),
    ).toEqual([]);
    expect(
      sampleOf(families, "ulid_codemod_checks", { ...cj, stage: "apply", result: "passed" }),
    ).toBeGreaterThan(0);
    expect(sampleOf(families, "ulid_codemod_ulids_invalid", applyJobs)).toBe(0);
    expect(sampleOf(families, "ulid_codemod_ulid_duplicates", applyJobs)).toBe(0);
    expect(
      sampleOf(families, "ulid_codemod_orphans", {
        system: "session-buddy",
        stage: "apply",
        table: "reflections",
      }),
    ).toBe(0);
    expect(
      sampleOf(families, "ulid_codemod_checks", { ...cj, stage: "apply", result: "failed" }),
    ).toBe(0);
    expect(
      sampleOf(families, "ulid_codemod_checks", { ...cj, stage: "apply", result: "passed" }),
    ).toBeGreaterThan(5);
    // The sites are the summary table's.
    for (const system of SYSTEMS) {
      const row = new RegExp(`^${system}\\s+done\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)`, "m").exec(r.out);
      expect(row, system).not.toBeNull();
      const [rewritten, review, blocking] = (row as RegExpExecArray).slice(1).map(Number);
      expect(sampleOf(families, "ulid_codemod_sites", { system, outcome: "rewritten" })).toBe(
        rewritten,
      );
      expect(sampleOf(families, "ulid_codemod_sites", { system, outcome: "needs-review" })).toBe(
        review,
      );
      expect(sampleOf(families, "ulid_codemod_sites", { system, outcome: "blocking" })).toBe(
        blocking,
      );
      for (const o of OUTCOMES.migrate) {
        expect(sampleOf(families, "ulid_codemod_outcome", { system, outcome: o })).toBe(
          o === "done" ? 1 : 0,
        );
      }
      expect(sampleOf(families, "ulid_codemod_success", { system })).toBe(1);
    }
    for (const step of [
      "sql",
      "generate",
      "code",
      "data",
      "apply",
      "backup",
      "sql files",
      "validate",
      "rollback check",
    ]) {
      expect(
        sampleOf(families, "ulid_codemod_step_duration_seconds", { ...cj, step }),
      ).toBeGreaterThan(0);
    }
    expect(
      sampleOf(families, "ulid_codemod_step_duration_seconds", {
        system: "session-buddy",
        step: "rollback check",
      }),
    ).toBeGreaterThan(0);
    expect(
      families
        .find((f) => f.name === "ulid_codemod_step_duration_seconds")
        ?.samples.some((s) => s.labels.step === "verify"),
    ).toBe(false);
    // akosha has no database: no rows, no data checks.
    expect(
      families
        .find((f) => f.name === "ulid_codemod_rows_backfilled")
        ?.samples.map((s) => s.labels.system),
    ).toEqual(["crackerjack", "session-buddy"]);
  });

  test("rollback: rows before and after the restore, its duration and outcome", async () => {
    const jobs = count("SELECT COUNT(*) FROM jobs");
    const r = await cliCapture([
      "rollback",
      "--config",
      ws.config,
      "--all",
      "--yes",
      ...flags("rollback"),
    ]);
    expect(r.code, r.err).toBe(0);
    const { families, json } = read("rollback");
    expect(textSamples(families)).toEqual(jsonSamples(json));
    const cj = { system: "crackerjack", command: "rollback" };
    for (const when of ["before", "after"]) {
      expect(
        sampleOf(families, "ulid_codemod_table_rows", {
          ...cj,
          stage: "restore",
          table: "jobs",
          when,
        }),
      ).toBe(jobs);
    }
    // The mapping table is there before the restore and gone after it.
    expect(
      sampleOf(families, "ulid_codemod_table_rows", {
        ...cj,
        stage: "restore",
        table: "ulid_migration_map",
        when: "before",
      }),
    ).toBe(jobs);
    expect(() =>
      sampleOf(families, "ulid_codemod_table_rows", {
        ...cj,
        stage: "restore",
        table: "ulid_migration_map",
        when: "after",
      }),
    ).toThrow("0 samples");
    for (const step of ["database", "restore", "branch"]) {
      expect(
        sampleOf(families, "ulid_codemod_step_duration_seconds", { ...cj, step }),
      ).toBeGreaterThan(0);
    }
    for (const system of SYSTEMS) {
      expect(sampleOf(families, "ulid_codemod_outcome", { system, outcome: "done" })).toBe(1);
    }
  });

  test("a folder that does not exist is a usage error before anything runs", async () => {
    const r = await cliCapture([
      "migrate",
      "--config",
      ws.config,
      "--all",
      "--dry-run",
      "--metrics",
      path.join(out, "no-such-dir", "m.prom"),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--metrics ${path.join(out, "no-such-dir", "m.prom")}: the folder`);
    expect(r.err).not.toContain("preflight");
  });
});

describe("metrics of sql verify", () => {
  test("a failing verify writes the files: the malformed ULID and the failed checks counted", async () => {
    const dir = tempDir("ulid-metrics-verify-");
    makeCrackerjack(path.join(dir, "cj.db"), 30);
    const cfg = crackerjackConfig(path.join(dir, "cj.db"));
    fs.writeFileSync(
      path.join(dir, "plan.yaml"),
      [
        "version: 1",
        "systems:",
        "  crackerjack:",
        "    repo: .",
        "    transforms: [uuid4-to-ulid]",
        "    database:",
        "      engine: sqlite",
        "      path: cj.db",
        `      salt: ${cfg.salt}`,
        "      tables:",
        "        - { table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }",
        "",
      ].join("\n"),
    );
    const sql = [
      "--config",
      path.join(dir, "plan.yaml"),
      "--system",
      "crackerjack",
      "--out",
      path.join(dir, "sql"),
    ];
    expect((await cliCapture(["sql", "generate", ...sql])).code).toBe(0);
    const ok = await cliCapture(["sql", "verify", ...sql, "--metrics", path.join(dir, "ok.prom")]);
    expect(ok.code).toBe(0);
    const good = parsePrometheusText(fs.readFileSync(path.join(dir, "ok.prom"), "utf8"));
    const labels = { system: "crackerjack", command: "sql-verify", stage: "verify", table: "jobs" };
    expect(sampleOf(good, "ulid_codemod_ulids_checked", labels)).toBe(30);
    expect(sampleOf(good, "ulid_codemod_ulids_invalid", labels)).toBe(0);
    expect(sampleOf(good, "ulid_codemod_success", { system: "crackerjack" })).toBe(1);

    const backfill = path.join(dir, "sql", "apply", "0001_jobs_1_map.sql");
    fs.writeFileSync(
      backfill,
      fs.readFileSync(backfill, "utf8").replace(/'(0[0-7][0-9A-Z]{23})[0-9A-Z]'\)/, "'$1')"),
    );
    const bad = await cliCapture([
      "sql",
      "verify",
      ...sql,
      ...["--metrics", path.join(dir, "bad.prom")],
    ]);
    expect(bad.code).toBe(1);
    const failed = parsePrometheusText(fs.readFileSync(path.join(dir, "bad.prom"), "utf8"));
    expect(sampleOf(failed, "ulid_codemod_ulids_invalid", labels)).toBe(1);
    expect(
      sampleOf(failed, "ulid_codemod_checks", {
        system: "crackerjack",
        stage: "verify",
        result: "failed",
      }),
    ).toBeGreaterThan(0);
    expect(
      sampleOf(failed, "ulid_codemod_outcome", { system: "crackerjack", outcome: "failed" }),
    ).toBe(1);
    expect(sampleOf(failed, "ulid_codemod_success", { system: "crackerjack" })).toBe(0);
  });
});

describe("the Grafana dashboard", () => {
  const dashboard = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "docs/grafana-dashboard.json"), "utf8"),
  ) as { panels: Panel[] };
  interface Panel {
    title: string;
    targets?: { expr: string }[];
    fieldConfig?: {
      defaults?: { thresholds?: { steps: { color: string; value: number | null }[] } };
    };
  }

  test("every metric it queries is one the tool writes", async () => {
    const registry = await metricsRegistry("migrate", []);
    const written = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const queried = new Set(
      dashboard.panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) => t.expr.match(/ulid_codemod_\w+/g) ?? []),
      ),
    );
    expect(queried.size).toBeGreaterThan(8);
    expect([...queried].filter((m) => !written.has(m))).toEqual([]);
  });

  test("the collision rate turns critical above 0.1%", () => {
    const panel = dashboard.panels.find((p) => /collision rate/i.test(p.title));
    expect(panel?.targets?.[0]?.expr).toMatch(
      /ulid_codemod_ulid_duplicates.*\/.*ulid_codemod_ulids_checked/,
    );
    const steps = panel?.fieldConfig?.defaults?.thresholds?.steps ?? [];
    expect(steps).toContainEqual({ color: "red", value: 0.001 });
  });
});
