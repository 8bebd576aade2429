// Values that used to be written in several places and drifted: each now has one source, and
// these tests hold every user of it to that source.
import path from "node:path";
import Database from "better-sqlite3";
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { registerTransformCommand } from "../src/cli/transform-command.ts";
import { pluginOptionsFromFlags } from "../src/codemod/jscodeshift.ts";
import { flagName } from "../src/codemod/options.ts";
import { migrationState } from "../src/live/state.ts";
import { parseConfig } from "../src/plan/load.ts";
import { reportDir, sqlDirFor } from "../src/plan/paths.ts";
import { planKey } from "../src/plan/schema.ts";
import { isUlidSql, scalar } from "../src/sql/catalog.ts";
import { openDb } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { OPTION_SPECS, TRANSFORM_NAMES, TRANSFORMS } from "../transforms/index.ts";
import { scratch } from "./helpers.ts";

const { fresh } = scratch("ulid-single-");
const F = "/plans/ulid-migration.yaml";
const plan = (system: string) => `version: 1\nsystems:\n  s:\n    repo: ./s\n${system}`;
/** A database section, for the options the plan fills from its tables. */
const DATABASE = [
  "    database:",
  "      engine: sqlite",
  "      path: ./jobs.db",
  "      salt: s",
  "      tables:",
  "        - { table: jobs, key: job_id, strategy: add-column, time: { column: start_time } }",
  "",
].join("\n");

describe("transform names come from the registry", () => {
  test("the plan accepts every registered transform and nothing else", () => {
    expect(TRANSFORM_NAMES.length).toBeGreaterThan(1);
    for (const name of TRANSFORM_NAMES) {
      const rules = (TRANSFORMS[name]?.options ?? [])
        .map((o) =>
          o.kind !== "custom"
            ? ""
            : o.plan
              ? `    ${o.plan.key}: [{ target: session_id }]\n`
              : DATABASE,
        )
        .join("");
      const c = parseConfig(plan(`    transforms: [${name}]\n${rules}`), F);
      expect(c.systems[0]?.transforms).toEqual([name]);
    }
    expect(() => parseConfig(plan("    transforms: [uuid7-to-ulid]\n"), F)).toThrow(
      TRANSFORM_NAMES.map((n) => `"${n}"`).join(" | "),
    );
  });

  test("the CLI accepts every registered transform and nothing else", () => {
    const program = new Command().exitOverride();
    registerTransformCommand(program);
    const transform = program.commands.find((c) => c.name() === "transform");
    const flag = transform?.options.find((o) => o.long === "--transform");
    expect(flag?.description).toContain(TRANSFORM_NAMES.join(", "));
    expect(flag?.parseArg?.(TRANSFORM_NAMES.join(","), undefined)).toEqual(TRANSFORM_NAMES);
    expect(() => flag?.parseArg?.("uuid7-to-ulid", undefined)).toThrow(/unknown transform/);
  });
});

describe("transform options come from their declarations", () => {
  const program = new Command().exitOverride();
  registerTransformCommand(program);
  const transform = program.commands.find((c) => c.name() === "transform") as Command;
  const longFlags = transform.options.map((o) => o.long);

  test.each(OPTION_SPECS.map((s) => [s.key, s] as const))(
    "%s: CLI flag, plan key, jscodeshift flag",
    async (_key, spec) => {
      // CLI
      const cliFlags =
        spec.kind === "custom"
          ? spec.cli.flags.map((f) => `--${f.name}`)
          : [`--${flagName(spec.key)}`];
      for (const f of cliFlags) expect(longFlags).toContain(f);
      if (spec.kind === "custom" && !spec.plan) {
        // Filled from the system's database section, not a key of its own.
        const readers = TRANSFORM_NAMES.filter((n) => TRANSFORMS[n]?.options.includes(spec));
        const expected = [
          {
            table: "jobs",
            key: "job_id",
            strategy: "add-column",
            ulidColumn: "job_ulid",
            references: [],
          },
        ];
        const system = `    transforms: [${readers.join(", ")}]\n${DATABASE}`;
        expect(parseConfig(plan(system), F).systems[0]?.options[spec.key]).toEqual(expected);
        const plugin = TRANSFORMS[readers[0] as string];
        if (!plugin) throw new Error("no reader");
        const flags = { [spec.key]: [{ table: "jobs", key: "job_id", strategy: "add-column" }] };
        expect((await pluginOptionsFromFlags(plugin, flags))[spec.key]).toEqual(expected);
        return;
      }
      // Plan: a non-default value in the YAML reaches the system's options.
      const [yamlValue, expected] =
        spec.kind === "string"
          ? ["other_module", "other_module"]
          : spec.kind === "choice"
            ? [
                spec.choices.find((c) => c !== spec.default),
                spec.choices.find((c) => c !== spec.default),
              ]
            : spec.kind === "boolean"
              ? [!spec.default, !spec.default]
              : [[{ target: "session_id" }], [{ target: "session_id", naturalKeys: "skip" }]];
      const readers = TRANSFORM_NAMES.filter((n) => TRANSFORMS[n]?.options.includes(spec));
      const system = `    transforms: [${readers.join(", ")}]\n    ${planKey(spec)}: ${JSON.stringify(yamlValue)}\n${
        spec.kind !== "custom" &&
        readers.some((n) => TRANSFORMS[n]?.options.some((o) => o.kind === "custom"))
          ? "    fstringRules: [{ target: x }]\n"
          : ""
      }`;
      expect(parseConfig(plan(system), F).systems[0]?.options[spec.key]).toEqual(expected);
      // jscodeshift: the same value from its flags.
      const flags =
        spec.kind === "custom" ? { rules: yamlValue } : { [spec.key]: String(yamlValue) };
      const plugin = TRANSFORMS[readers[0] as string];
      if (!plugin) throw new Error("no reader");
      expect((await pluginOptionsFromFlags(plugin, flags))[spec.key]).toEqual(expected);
    },
  );
});

describe("the ULID format has one definition", () => {
  const values: [string | null, boolean][] = [
    ["01ARZ3NDEKTSV4RRFFQ69G5FAV", true],
    ["7ZZZZZZZZZZZZZZZZZZZZZZZZZ", true],
    // A first character above 7 overflows the 48-bit time: the check the generated SQL had lost.
    ["8ZZZZZZZZZZZZZZZZZZZZZZZZZ", false],
    ["01arz3ndektsv4rrffq69g5fav", false],
    ["01ARZ3NDEKTSV4RRFFQ69G5FA", false],
    ["01ARZ3NDEKTSV4RRFFQ69G5FAI", false],
    [null, false],
  ];

  test.each(["sqlite", "duckdb"] as const)(
    "%s: the predicate tells ULIDs from the rest",
    async (engine) => {
      const file = fresh(`values.${engine}`);
      if (engine === "sqlite") new Database(file).close();
      const { DuckDBInstance } = await import("@duckdb/node-api");
      if (engine === "duckdb") (await DuckDBInstance.create(file)).closeSync();
      const db = await openDb(engine, file, { readOnly: false });
      try {
        await db.execScript(
          `CREATE TABLE v (i INTEGER, u TEXT); ${values.map(([v], i) => `INSERT INTO v VALUES (${i}, ${v === null ? "NULL" : `'${v}'`});`).join(" ")}`,
        );
        for (const [i, [, ok]] of values.entries()) {
          const n = await scalar(
            db,
            `SELECT COUNT(*) FROM v WHERE i = ${i} AND ${isUlidSql(engine, "u")}`,
          );
          expect(n === 1).toBe(ok);
        }
      } finally {
        db.close();
      }
    },
  );

  test("the generated file's validation query and the applied-state check use it", async () => {
    const file = fresh("cj.db");
    const raw = new Database(file);
    raw.exec("CREATE TABLE jobs (job_id TEXT UNIQUE, start_time TEXT)");
    raw.exec("INSERT INTO jobs VALUES ('a', '2024-01-01 00:00:00'), ('b', '2024-01-01 00:00:01')");
    raw.close();
    const database = {
      engine: "sqlite" as const,
      path: file,
      salt: "s",
      batchSize: 500,
      partRows: 0,
      vacuum: false,
      tables: [
        {
          table: "jobs",
          key: "job_id",
          strategy: "rewrite-in-place" as const,
          time: { column: "start_time", zone: "UTC" },
          references: [],
          ignoreReferences: [],
          orphans: "keep" as const,
        },
      ],
    };
    const out = fresh("sql");
    const gen = await generateSql({ system: "cj", database, outDir: out });
    const { readFileSync } = await import("node:fs");
    const backfill = readFileSync(path.join(out, gen.tables[0]?.files.backfill as string), "utf8");
    expect(backfill).toContain(`WHERE NOT ${isUlidSql("sqlite", '"job_id"')};  -- expect 0`);
    // Keys that pass everything but the first-character test are not "applied".
    const db = await openDb("sqlite", file, { readOnly: false });
    try {
      await db.execScript(
        "UPDATE jobs SET job_id = '8' || 'ZZZZZZZZZZZZZZZZZZZZZZZZ' || char(64 + rowid)",
      );
      expect(await scalar(db, "SELECT COUNT(*) FROM jobs WHERE length(job_id) = 26")).toBe(2);
      expect((await migrationState(db, database)).state).toBe("fresh");
    } finally {
      db.close();
    }
  });
});

test("the committed paths: reports and, by default, SQL under .ulid-migration/<system>", () => {
  expect(reportDir("crackerjack")).toBe(".ulid-migration/crackerjack");
  expect(sqlDirFor({ name: "crackerjack", repo: "/r" })).toBe(`${reportDir("crackerjack")}/sql`);
  expect(sqlDirFor({ name: "x", repo: "/r", database: { sqlDir: "db/sql" } })).toBe("db/sql");
  expect(() => sqlDirFor({ name: "x", repo: "/r", database: { sqlDir: "../elsewhere" } })).toThrow(
    /outside the repository/,
  );
});
