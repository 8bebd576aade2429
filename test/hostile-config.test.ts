// Every config error names the file and the key path. The required keys come from the schema
// itself, so a key made required later is covered without editing this file.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { stringify } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../src/errors.ts";
import { formatPath, parseConfig } from "../src/plan/load.ts";
import { configSchema } from "../src/plan/schema.ts";
import { cliCapture, tempDir } from "./helpers/repos.ts";

const F = "/plans/ulid-migration.yaml";

/** A plan using every section, so every required key has a place to be missing from. */
function fullPlan(): Record<string, unknown> {
  return {
    version: 1,
    github: { apiUrl: "https://ghe.example/api/v3" },
    systems: {
      sb: {
        repo: "../session-buddy",
        transforms: ["uuid4-to-ulid", "fstring-id-to-ulid"],
        fstringRules: [{ target: "session_id", templates: ["{}-{}"] }],
        github: { owner: "o", repo: "r" },
        database: {
          engine: "sqlite",
          path: "sb.db",
          salt: "s",
          tables: [
            {
              table: "sessions",
              key: "session_id",
              strategy: "add-column",
              time: { column: "created" },
              references: [{ table: "events", column: "session_id" }],
            },
          ],
        },
      },
    },
  };
}

type Path = (string | number)[];

/** Key paths the schema requires, walked alongside `value` (its record keys, item 0 of lists). */
function requiredPaths(schema: z.ZodType, value: unknown, at: Path = []): Path[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const unwrap = (key: string) => requiredPaths(def[key] as z.ZodType, value, at);
  switch (def.type) {
    case "optional":
    case "default":
      return unwrap("innerType");
    case "pipe":
      return unwrap("in");
    case "object": {
      const shape = def.shape as Record<string, z.ZodType>;
      const obj = (value ?? {}) as Record<string, unknown>;
      return Object.entries(shape).flatMap(([k, s]) => {
        // "optional" or "defaulted": either way the key may be left out.
        const optional = (s as unknown as { _zod: { optin?: string } })._zod.optin !== undefined;
        const below = k in obj ? requiredPaths(s, obj[k], [...at, k]) : [];
        return optional ? below : [[...at, k], ...below];
      });
    }
    case "record":
      return Object.entries((value ?? {}) as Record<string, unknown>).flatMap(([k, v]) =>
        requiredPaths(def.valueType as z.ZodType, v, [...at, k]),
      );
    case "array":
      return Array.isArray(value) && value.length > 0
        ? requiredPaths(def.element as z.ZodType, value[0], [...at, 0])
        : [];
    default:
      return [];
  }
}

function without(plan: Record<string, unknown>, path: Path): Record<string, unknown> {
  const copy = structuredClone(plan);
  let cur = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  delete cur[path[path.length - 1] as string | number];
  return copy;
}

function set(plan: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(plan);
  let cur = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = value;
  return copy;
}

function errorOf(plan: Record<string, unknown>): string {
  try {
    parseConfig(stringify(plan), F);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

test("the full plan is valid, and the schema walk finds the nested required keys", () => {
  expect(parseConfig(stringify(fullPlan()), F).systems[0]?.database?.tables).toHaveLength(1);
  const paths = requiredPaths(configSchema, fullPlan()).map(formatPath);
  expect(paths).toEqual(
    expect.arrayContaining([
      "version",
      "systems",
      "systems.sb.repo",
      "systems.sb.transforms",
      "systems.sb.fstringRules[0].target",
      "systems.sb.github.owner",
      "systems.sb.database.salt",
      "systems.sb.database.tables[0].time",
      "systems.sb.database.tables[0].references[0].column",
    ]),
  );
  // Keys with defaults are not required.
  expect(paths).not.toContain("systems.sb.branch");
  expect(paths).not.toContain("systems.sb.database.batchSize");
});

test.each(requiredPaths(configSchema, fullPlan()).map((p) => [formatPath(p), p] as const))(
  "missing %s: the error names the file and the key path",
  (name, path) => {
    expect(errorOf(without(fullPlan(), path))).toContain(`${F}: ${name}: required key is missing`);
  },
);

test.each([
  [["version"], "1", 'version: expected 1, got "1"'],
  [["systems"], ["sb"], "systems: expected a mapping, got a list"],
  [["systems", "sb", "repo"], 5, "systems.sb.repo: expected string, got 5"],
  [["systems", "sb", "untruncate"], "yes", 'systems.sb.untruncate: expected boolean, got "yes"'],
  [["systems", "sb", "transforms"], "uuid4-to-ulid", "systems.sb.transforms: expected a list"],
  [["systems", "sb", "transforms", 0], "uuid7-to-ulid", 'expected one of "uuid4-to-ulid"'],
  [["systems", "sb", "github"], "o/r", 'systems.sb.github: expected a mapping, got "o/r"'],
  [
    ["systems", "sb", "fstringRules", 0, "templates", 0],
    "{name}-{}",
    "systems.sb.fstringRules[0].templates[0]: expected only bare `{}` placeholders",
  ],
  [
    ["systems", "sb", "fstringRules", 0, "templates", 0],
    "session",
    "systems.sb.fstringRules[0].templates[0]: expected at least one `{}` placeholder",
  ],
  [
    ["systems", "sb", "database", "batchSize"],
    "big",
    "systems.sb.database.batchSize: expected number",
  ],
  [
    ["systems", "sb", "database", "engine"],
    "postgres",
    'systems.sb.database.engine: expected one of "sqlite" | "duckdb", got "postgres"',
  ],
  [
    ["systems", "sb", "database", "tables"],
    {},
    "systems.sb.database.tables: expected a list, got a mapping",
  ],
  [
    ["systems", "sb", "database", "tables", 0, "time", "zone"],
    "Mars/Olympus",
    "systems.sb.database.tables[0].time.zone: unknown IANA time zone",
  ],
] as const)("wrong value at %j: %s", (path, value, message) => {
  expect(errorOf(set(fullPlan(), [...path], value))).toContain(`${F}: `);
  expect(errorOf(set(fullPlan(), [...path], value))).toContain(message);
});

const tmp = tempDir("ulid-hostile-config-");
afterAll(() => tmp.cleanup());

const cli = (...args: string[]) => cliCapture(args);

test("unknown system: migrate and sql name the file and the system", async () => {
  const file = join(tmp.dir, "ulid-migration.yaml");
  writeFileSync(file, stringify(fullPlan()));
  const m = await cli("migrate", "--config", file, "--system", "nope");
  expect(m.code).toBe(2);
  expect(m.err).toContain(`no system "nope" in ${file} (known: sb)`);
  const s = await cli("sql", "generate", "--config", file, "--system", "nope");
  expect(s.code).toBe(1);
  expect(s.err).toContain(`${file}: systems.nope: no such system (known: sb)`);
});

test("a database path that does not exist: sql generate and verify name file and key path", async () => {
  const file = join(tmp.dir, "db-plan.yaml");
  writeFileSync(file, stringify(fullPlan()));
  for (const cmd of ["generate", "verify"]) {
    const r = await cli("sql", cmd, "--config", file, "--system", "sb");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: ${file}: systems.sb.database.path: ${join(tmp.dir, "sb.db")} does not exist\n`,
    );
  }
  // Nothing was created in its place, nor an SQL directory.
  expect(readdirSync(tmp.dir).sort()).toEqual(["db-plan.yaml", "ulid-migration.yaml"]);
});
