import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConfigError } from "../src/errors.ts";
import { findConfig, loadConfig, loadSystem, parseConfig } from "../src/plan/load.ts";
import { seedConfig } from "../src/plan/seed.ts";
import { TRANSFORM_NAMES } from "../transforms/index.ts";
import { cliCapture, tempDir } from "./helpers/repos.ts";

const F = "/plans/ulid-migration.yaml";
const parse = (yaml: string) => parseConfig(yaml, F);
const oneSystem = (body: string) => `version: 1\nsystems:\n  akosha:\n    repo: ../akosha\n${body}`;

function errorOf(yaml: string): string {
  try {
    parse(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  test("the seed plan validates, resolves paths against the file and keeps the phase order", () => {
    const c = parse(seedConfig());
    expect(c.systems.map((s) => s.name)).toEqual(["crackerjack", "session-buddy", "akosha"]);
    const [cj, sb, ak] = c.systems;
    expect(cj).toMatchObject({
      repo: "/crackerjack",
      branch: "ulid-migration",
      remote: "origin",
      options: { module: "dhruva", importStyle: "from", untruncate: false, rules: [] },
      transforms: ["uuid4-to-ulid", "uuid-consumers", "sql-consumers"],
      database: {
        engine: "sqlite",
        path: "/crackerjack/.crackerjack/crackerjack.db",
        backupDir: "/plans/backups/crackerjack",
        tables: [
          {
            table: "jobs",
            key: "job_id",
            strategy: "rewrite-in-place",
            time: { column: "start_time" },
          },
        ],
      },
    });
    expect(sb?.options.rules).toEqual([
      { target: "session_id", template: "{}-{}", naturalKeys: "skip" },
    ]);
    expect(sb?.database?.tables[0]).toMatchObject({
      strategy: "add-column",
      ulidColumn: "session_ulid",
      time: { fromKey: "{name}-{YYYYmmdd-HHMMSS}" },
    });
    expect(ak?.options.rules).toEqual([
      { target: "entity_id", template: "system:{}", naturalKeys: "rewrite-and-flag" },
      { target: "entity_id", template: "user:{}", naturalKeys: "rewrite-and-flag" },
    ]);
    expect(ak?.database).toBeUndefined();
    // sql-consumers reads the database section's tables, named as the SQL generation names them.
    expect(cj?.options.tables).toEqual([
      {
        table: "jobs",
        key: "job_id",
        strategy: "rewrite-in-place",
        ulidColumn: "job_id",
        references: [],
      },
    ]);
    expect(sb?.options.tables).toEqual([
      {
        table: "sessions",
        key: "session_id",
        strategy: "add-column",
        ulidColumn: "session_ulid",
        references: [
          { table: "reflections", column: "session_id", ulidColumn: "session_ulid" },
          { table: "conversations", column: "session_id", ulidColumn: "session_ulid" },
        ],
      },
    ]);
    expect(ak?.options.tables).toEqual([]);
    // Each database gets its own random salt.
    expect(cj?.database?.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(cj?.database?.salt).not.toBe(sb?.database?.salt);
  });

  test("errors name the file, the key path, what was expected and what was found", () => {
    expect(
      errorOf(
        oneSystem(
          "    transforms: [fstring-id-to-ulid]\n    fstringRules:\n      - target: entity_id\n        naturalKeys: sometimes\n",
        ),
      ),
    ).toBe(
      `${F}: systems.akosha.fstringRules[0].naturalKeys: expected one of "skip" | "rewrite-and-flag", got "sometimes"`,
    );
    expect(errorOf(oneSystem("    transforms: [uuid4-to-ulid, sql-consumers]\n"))).toBe(
      `${F}: systems.akosha.transforms[1]: needs the system's database section (it reads its tables), got "sql-consumers"`,
    );
    expect(errorOf(oneSystem("    transforms: [uuid5-to-ulid]\n"))).toBe(
      `${F}: systems.akosha.transforms[0]: expected one of ${TRANSFORM_NAMES.map((n) => `"${n}"`).join(" | ")}, got "uuid5-to-ulid"`,
    );
    expect(errorOf(oneSystem("    transforms: [uuid4-to-ulid]\n    brnch: x\n"))).toBe(
      `${F}: systems.akosha.brnch: unknown key (did you mean \`branch\`?)`,
    );
    expect(errorOf(oneSystem("    transfroms: [uuid4-to-ulid]\n"))).toContain(
      `${F}: systems.akosha.transfroms: unknown key (did you mean \`transforms\`?)`,
    );
    // Deeper in the plan, and a key nothing is close to: the known ones are listed.
    expect(
      errorOf(
        oneSystem(
          "    transforms: [uuid4-to-ulid]\n    database:\n      engine: sqlite\n      path: x.db\n      salt: s\n      tables:\n        - { table: jobs, key: job_id, strategy: add-column, time: { column: t }, refrences: [] }\n",
        ),
      ),
    ).toContain(
      "systems.akosha.database.tables[0].refrences: unknown key (did you mean `references`?)",
    );
    expect(errorOf(oneSystem("    transforms: [uuid4-to-ulid]\n    zzzzzzzz: 1\n"))).toMatch(
      /systems\.akosha\.zzzzzzzz: unknown key \(known keys: repo, branch, remote, .*transforms/,
    );
    expect(errorOf(oneSystem(""))).toBe(`${F}: systems.akosha.transforms: required key is missing`);
    expect(errorOf("version: 2\nsystems: {}\n")).toContain(`${F}: version: expected 1, got 2`);
    expect(errorOf("version: 1\nsystems: []\n")).toContain(
      `${F}: systems: expected a mapping, got a list`,
    );
  });

  test("templates must be literal text with bare {} placeholders", () => {
    for (const [t, why] of [
      ["system:{name}", "at least one `{}`"],
      ["user:{}{", "only bare `{}`"],
      ["plain", "at least one `{}`"],
    ] as const) {
      expect(
        errorOf(
          oneSystem(
            `    transforms: [fstring-id-to-ulid]\n    fstringRules:\n      - target: entity_id\n        templates: ["${t}"]\n`,
          ),
        ),
      ).toMatch(
        new RegExp(
          `^${F}: systems\\.akosha\\.fstringRules\\[0\\]\\.templates\\[0\\]: expected ${why.replace(/[{}`]/g, "\\$&")}.*got "${t.replace(/[{}]/g, "\\$&")}"$`,
        ),
      );
    }
  });

  test("fstring-id-to-ulid needs rules, and rules need the transform", () => {
    expect(errorOf(oneSystem("    transforms: [fstring-id-to-ulid]\n"))).toContain(
      "systems.akosha.fstringRules: fstring-id-to-ulid needs at least one rule",
    );
    expect(
      errorOf(oneSystem("    transforms: [uuid4-to-ulid]\n    fstringRules: [{ target: x }]\n")),
    ).toContain("systems.akosha.fstringRules: rules given but transforms does not include");
  });

  test("database: the SQL section is validated too", () => {
    const db = (extra: string) =>
      oneSystem(
        `    transforms: [uuid4-to-ulid]\n    database:\n      engine: postgres\n      path: a.db\n      salt: s\n      tables: [{ table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: t } }]\n${extra}`,
      );
    expect(errorOf(db(""))).toBe(
      `${F}: systems.akosha.database.engine: expected one of "sqlite" | "duckdb", got "postgres"`,
    );
  });

  test("invalid YAML and duplicate keys are errors naming the file", () => {
    expect(errorOf("version: 1\nsystems: [\n")).toMatch(
      /^\/plans\/ulid-migration.yaml: invalid YAML: /,
    );
    expect(errorOf("version: 1\nversion: 1\nsystems: {}\n")).toMatch(/invalid YAML: .*unique/i);
  });
});

describe("files and init", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir("ulid-config-");
  });
  afterEach(() => tmp.cleanup());

  test("findConfig looks in the given directory; loadConfig names a missing file", () => {
    expect(findConfig(tmp.dir)).toBeNull();
    writeFileSync(join(tmp.dir, "ulid-migration.yaml"), seedConfig());
    expect(findConfig(tmp.dir)).toBe(join(tmp.dir, "ulid-migration.yaml"));
    expect(() => loadConfig(join(tmp.dir, "nope.yaml"))).toThrow(
      /nope.yaml: cannot read \(ENOENT\)/,
    );
    const s = loadSystem("akosha", join(tmp.dir, "ulid-migration.yaml"));
    expect(s.repo).toBe(join(tmp.dir, "..", "akosha"));
    expect(() => loadSystem("nemo", join(tmp.dir, "ulid-migration.yaml"))).toThrow(
      /systems.nemo: no such system \(known: crackerjack, session-buddy, akosha\)/,
    );
  });

  const cli = (args: string[]) => cliCapture(args);

  test("init writes the commented seed, refuses to overwrite, --force overwrites", async () => {
    const file = join(tmp.dir, "plan.yaml");
    expect((await cli(["init", "--out", file])).code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("# ulid-codemod migration plan");
    expect(text).toContain("naturalKeys: rewrite-and-flag");
    expect(loadConfig(file).systems).toHaveLength(3);

    writeFileSync(file, "mine\n");
    const again = await cli(["init", "--out", file]);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`error: ${file}: already exists (use --force to overwrite)\n`);
    expect(readFileSync(file, "utf8")).toBe("mine\n");
    expect((await cli(["init", "--out", file, "--force"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("version: 1");
  });

  test("migrate: usage errors exit 2, config errors exit 1 with the key path", async () => {
    const file = join(tmp.dir, "ulid-migration.yaml");
    writeFileSync(file, seedConfig());
    const none = await cli(["migrate", "--config", file]);
    expect(none).toMatchObject({
      code: 2,
      err: "error: migrate: give either --system NAME or --all\n",
    });
    const unknown = await cli(["migrate", "--config", file, "--system", "nemo"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no system "nemo"');
    expect((await cli(["migrate", "--bogus"])).code).toBe(2);
    mkdirSync(join(tmp.dir, "bad"));
    const bad = join(tmp.dir, "bad", "ulid-migration.yaml");
    writeFileSync(bad, seedConfig().replace("remote: origin", "remote: -origin"));
    const r = await cli(["migrate", "--config", bad, "--all", "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${bad}: systems.crackerjack.remote: expected a git remote name, got "-origin"`,
    );
  });
});
