// migrate on the services' real schemas: an undeclared reference stops --apply until the plan
// says what it is; rows written by the migrated code after an add-column apply get a catch-up
// backfill; DuckDB tables with indexes migrate and roll back exactly; an earlier SQL layout on the
// branch is replaced; guard failures say what they counted; sizes and VACUUM are reported.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ulid } from "ulid";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ApplyFailure } from "../src/errors.ts";
import { applyDatabase } from "../src/live/apply.ts";
import { listBackups } from "../src/live/backup.ts";
import { inspectDatabase } from "../src/live/state.ts";
import { parseDatabaseConfig } from "../src/plan/database.ts";
import { loadSystem } from "../src/plan/load.ts";
import { reportSchema } from "../src/report/schema.ts";
import { openDb } from "../src/sql/db.ts";
import { generateSql } from "../src/sql/generate.ts";
import { schemaSnapshot, snapshotTable } from "../src/sql/snapshot.ts";
import {
  cliCapture,
  crackerjackFiles,
  git,
  makeRepo,
  migrateCli,
  tempDir,
} from "./helpers/repos.ts";
import {
  makeCrackerjackReal,
  makeSessionBuddyReal,
  sessionBuddyRealConfig,
} from "./sql-fixtures.ts";

let tmp: ReturnType<typeof tempDir>;
let repo: string;
beforeEach(() => {
  tmp = tempDir("ulid-refs-");
  repo = makeRepo(path.join(tmp.dir, "svc"), crackerjackFiles);
});
afterEach(() => tmp.cleanup());

/** A plan with one system whose database section is `database` (YAML, indented 4). */
function plan(database: string): string {
  const file = path.join(tmp.dir, "ulid-migration.yaml");
  fs.writeFileSync(
    file,
    `version: 1\nsystems:\n  svc:\n    repo: ./svc\n    transforms: [uuid4-to-ulid]\n    database:\n${database.replace(/^/gm, "      ").trimEnd()}\n`,
  );
  return file;
}

const cjDb = (table: string, extra = "") =>
  plan(`engine: sqlite
path: ./cj.db
backupDir: ./backups
salt: refs-salt
${extra}tables:
  - table: jobs
    key: job_id
    time: { column: start_time }
${table.replace(/^/gm, "    ").trimEnd()}`);

/** Every table and the schema, opened read-write so nothing is left to recover. */
async function dbState(file: string, engine: "sqlite" | "duckdb") {
  const db = await openDb(engine, file, { readOnly: false });
  try {
    const schema = await schemaSnapshot(db);
    const tables: Record<string, unknown> = {};
    for (const l of schema.filter((x) => x.startsWith("table "))) {
      const t = l.split(/[ :]/)[1] as string;
      tables[t] = await snapshotTable(db, t);
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}

describe("a column that holds the key without a FOREIGN KEY", () => {
  test("is found by its values, shown in the confirmation, summary, SQL header and PR body; --apply is refused until the plan lists it", async () => {
    const dbPath = path.join(tmp.dir, "cj.db");
    makeCrackerjackReal(dbPath, 200, { audit: true });
    const config = cjDb("strategy: rewrite-in-place");
    const original = await dbState(dbPath, "sqlite");

    const refused = await migrateCli(config, ["--system", "svc", "--apply"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("svc: --apply refused: 1 column(s) in ");
    expect(refused.err).toContain(
      "audit.job_ref (200 of 200 sampled values are jobs.job_id values): not in the plan for jobs.job_id",
    );
    // Nothing was committed, nothing changed, no backup.
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
    expect(await dbState(dbPath, "sqlite")).toEqual(original);
    expect(fs.existsSync(path.join(tmp.dir, "backups"))).toBe(false);

    // Without --apply the migration is committed, and says so everywhere.
    const shown = await migrateCli(config, ["--system", "svc"]);
    expect(shown.code).toBe(0);
    // The confirmation (on stderr, with the other details).
    expect(shown.err).toContain(
      "    NOT in the plan, NOT rewritten (--apply refuses until listed under references or ignoreReferences): 1\n      audit.job_ref (200 of 200 sampled values are jobs.job_id values): not in the plan for jobs.job_id\n",
    );
    expect(shown.out).toMatch(
      /^svc: NOT in the plan, NOT rewritten: audit\.job_ref \(200 of 200 sampled values are jobs\.job_id values\): not in the plan for jobs\.job_id \(add to references or ignoreReferences\)$/m,
    );
    const sql = ".ulid-migration/svc/sql";
    expect(git(repo, "show", `ulid-migration:${sql}/apply/0001_jobs_3_backfill.sql`)).toMatch(
      /^-- NOT in the plan, so NOT rewritten: audit\.job_ref \(200 of 200 sampled values are jobs\.job_id values\)\. List each under references/m,
    );
    const report = git(repo, "show", "ulid-migration:.ulid-migration/svc/report.md");
    expect(report).toContain("## References in the database");
    expect(report).toContain(
      "- `audit.job_ref (200 of 200 sampled values are jobs.job_id values): not in the plan for jobs.job_id`",
    );
    // The reviewer's checklist says so; the table names the column.
    expect(report).toContain(
      "- [ ] 1 column in the database looks like a reference to a migrated key but is not in the plan",
    );
    expect(report).toContain("**`audit.job_ref` not in the plan**");
    // report.json carries the same, in its documented shape.
    const json = reportSchema.parse(
      JSON.parse(git(repo, "show", "ulid-migration:.ulid-migration/svc/report.json")),
    );
    expect(json.database?.references.undeclared).toEqual([
      "audit.job_ref (200 of 200 sampled values are jobs.job_id values): not in the plan for jobs.job_id",
    ]);
    expect(json.database?.tables[0]?.undeclaredReferences).toEqual([
      { table: "audit", column: "job_ref", by: ["value"], sampled: 200, matched: 200 },
    ]);

    // Listed under references: rewritten with the key.
    const listed = cjDb(
      "strategy: rewrite-in-place\nreferences: [{ table: audit, column: job_ref }]",
    );
    const applied = await migrateCli(listed, ["--system", "svc", "--apply"]);
    expect(applied.err).not.toContain("FAILED");
    expect(applied.code).toBe(0);
    const db = new Database(dbPath, { readonly: true });
    expect(
      db
        .prepare(
          "SELECT COUNT(*) FROM audit a JOIN jobs j ON j.job_id = a.job_ref WHERE length(a.job_ref) = 26",
        )
        .pluck()
        .get(),
    ).toBe(200);
    db.close();
  }, 60_000);

  test("under ignoreReferences, with a reason, it is left as it is and --apply goes ahead", async () => {
    const dbPath = path.join(tmp.dir, "cj.db");
    makeCrackerjackReal(dbPath, 60, { audit: true });
    const config = cjDb(
      'strategy: add-column\nignoreReferences:\n  - { table: audit, column: job_ref, reason: "audit log: keeps the ID it was written with" }',
    );
    const before = new Database(dbPath, { readonly: true });
    const audit = before.prepare("SELECT * FROM audit ORDER BY id").all();
    before.close();
    const r = await migrateCli(config, ["--system", "svc", "--apply"]);
    expect(r.code).toBe(0);
    const header = git(
      repo,
      "show",
      "ulid-migration:.ulid-migration/svc/sql/apply/0001_jobs_3_backfill.sql",
    );
    expect(header).toContain(
      "-- ignored by the plan (not a reference): audit.job_ref: audit log: keeps the ID it was written with",
    );
    expect(header).not.toContain("NOT in the plan");
    const after = new Database(dbPath, { readonly: true });
    expect(after.prepare("SELECT * FROM audit ORDER BY id").all()).toEqual(audit);
    after.close();
    expect(() =>
      parseDatabaseConfig({
        engine: "sqlite",
        path: "x.db",
        salt: "s",
        tables: [
          {
            table: "jobs",
            key: "job_id",
            strategy: "add-column",
            time: { column: "t" },
            ignoreReferences: [{ table: "audit", column: "job_ref", reason: " " }],
          },
        ],
      }),
    ).toThrow(
      /database\.tables\.0\.ignoreReferences\.0\.reason: say why this column is not a reference/,
    );
  }, 60_000);
});

describe("add-column: rows the migrated code wrote after the apply", () => {
  test("SQLite: detected as 'partly migrated: N new rows', then a catch-up backfill fills them (children too); rows with legacy keys are refused", async () => {
    const dbPath = path.join(tmp.dir, "cj.db");
    makeCrackerjackReal(dbPath, 80, { orphans: 1, nulls: 1 });
    const config = cjDb("strategy: add-column");
    expect((await migrateCli(config, ["--system", "svc", "--apply"])).code).toBe(0);
    const database = loadSystem("svc", config).database as NonNullable<
      ReturnType<typeof loadSystem>["database"]
    >;
    expect((await inspectDatabase(database)).state).toBe("applied");

    // What the migrated code writes: a ULID in job_id, nothing in job_ulid.
    const w = new Database(dbPath);
    const fresh = [ulid(), ulid()];
    for (const id of fresh) {
      w.prepare("INSERT INTO jobs (job_id, start_time) VALUES (?, '2024-06-01T00:00:00')").run(id);
      w.prepare("INSERT INTO errors (job_id, message) VALUES (?, 'new')").run(id);
    }
    const oldJob = w.prepare("SELECT job_id, job_ulid FROM jobs WHERE id = 1").get() as {
      job_id: string;
      job_ulid: string;
    };
    w.prepare("INSERT INTO hook_executions (job_id, hook_name) VALUES (?, 'ruff')").run(
      oldJob.job_id,
    );
    w.close();
    const state = await inspectDatabase(database);
    expect(state).toMatchObject({
      state: "catch-up",
      rows: 5,
      detail:
        "partly migrated: 5 new rows without a ULID in the new column (jobs: 2 new rows, errors: 2, hook_executions: 1)",
    });

    const shown = await migrateCli(config, ["--system", "svc"]);
    expect(shown.code).toBe(0);
    expect(shown.err).toContain("rerun with --apply for a catch-up backfill that fills them");
    expect(shown.out).toMatch(/svc\s+done\s+\S+\s+\S+\s+\S+\s+0\s+catch-up: 5 new rows/);

    const caught = await migrateCli(config, ["--system", "svc", "--apply"]);
    expect(caught.code).toBe(0);
    expect(caught.err).toContain("svc: apply a catch-up backfill for 5 new rows to ");
    expect(caught.out).toMatch(/svc\s+done\s+\S+\s+\S+\s+\S+\s+5\s+caught up \(\d+ checks\)/);
    expect((await inspectDatabase(database)).state).toBe("applied");
    const db = new Database(dbPath, { readonly: true });
    for (const id of fresh) {
      expect(db.prepare("SELECT job_ulid FROM jobs WHERE job_id = ?").pluck().get(id)).toBe(id);
      expect(db.prepare("SELECT job_ulid FROM errors WHERE job_id = ?").pluck().get(id)).toBe(id);
    }
    expect(
      db
        .prepare("SELECT job_ulid FROM hook_executions WHERE job_id = ? ORDER BY id DESC LIMIT 1")
        .pluck()
        .get(oldJob.job_id),
    ).toBe(oldJob.job_ulid);
    db.close();
    expect(listBackups(database)).toHaveLength(2);

    // A row written by code that is not migrated: a legacy key, no ULID. Not for a catch-up.
    const legacy = new Database(dbPath);
    legacy
      .prepare("INSERT INTO jobs (job_id, start_time) VALUES ('3f2a9c1e-old-code', '2024-06-02')")
      .run();
    legacy.close();
    const partial = await inspectDatabase(database);
    expect(partial.state).toBe("partial");
    expect("detail" in partial && partial.detail).toContain(
      "1 rows without a ULID have a legacy job_id: written by code that is not migrated yet?",
    );
    const undo = new Database(dbPath);
    undo.prepare("DELETE FROM jobs WHERE job_id = '3f2a9c1e-old-code'").run();
    undo.close();

    // Rollback goes back past the catch-up to the migration's backup, keeping the new rows.
    const rb = await cliCapture(["rollback", "--yes", "--config", config, "--system", "svc"]);
    expect(rb.code).toBe(0);
    expect(rb.out).toContain("back by SQL from the mapping table, keeping what was written since");
    const back = new Database(dbPath, { readonly: true });
    expect(back.prepare("SELECT COUNT(*) FROM jobs").pluck().get()).toBe(82);
    expect(
      back.prepare("SELECT name FROM pragma_table_info('jobs') WHERE name = 'job_ulid'").all(),
    ).toEqual([]);
    back.close();
  }, 90_000);

  test("DuckDB (a FOREIGN KEY on the parent, a unique index on the new column): the catch-up works around both", async () => {
    const file = path.join(tmp.dir, "sb.duckdb");
    await makeSessionBuddyReal(file, 120);
    const cfg = sessionBuddyRealConfig(file, { backupDir: path.join(tmp.dir, "backups") });
    const sqlDir = path.join(tmp.dir, "sql");
    await generateSql({ system: "sb", database: cfg, outDir: sqlDir });
    expect((await applyDatabase({ system: "sb", database: cfg, sqlDir })).status).toBe("applied");
    const id = ulid();
    const db = await openDb("duckdb", file, { readOnly: false });
    await db.execScript(`
      INSERT INTO sessions (session_id, project, started_at) VALUES ('${id}', 'session-buddy', TIMESTAMP '2024-06-01');
      INSERT INTO session_events (session_id, kind) VALUES ('${id}', 'checkpoint');
      INSERT INTO reflections (id, session_id, content) VALUES ('r-new', '${id}', 'fresh');
    `);
    db.close();
    expect(await inspectDatabase(cfg)).toMatchObject({ state: "catch-up", rows: 3 });
    // The backfill path refuses, pointing at the catch-up.
    await expect(applyDatabase({ system: "sb", database: cfg, sqlDir })).rejects.toThrow(
      /already migrated, and partly migrated: 3 new rows .*offers a catch-up backfill for them; nothing was changed/,
    );
    const r = await applyDatabase({ system: "sb", database: cfg, sqlDir, catchUp: true });
    expect(r).toMatchObject({ status: "caught-up", rows: 3 });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(await inspectDatabase(cfg)).toMatchObject({ state: "applied" });
    const check = await openDb("duckdb", file, { readOnly: true });
    expect(
      await check.all(
        `SELECT (SELECT session_ulid FROM sessions WHERE session_id = '${id}') AS s, (SELECT session_ulid FROM session_events WHERE session_id = '${id}') AS e, (SELECT session_ulid FROM reflections WHERE id = 'r-new') AS r`,
      ),
    ).toEqual([{ s: id, e: id, r: id }]);
    expect((await schemaSnapshot(check)).filter((l) => l.startsWith("index sessions_"))).toEqual([
      "index sessions_session_ulid_key on sessions: CREATE UNIQUE INDEX sessions_session_ulid_key ON sessions(session_ulid);",
    ]);
    check.close();
  }, 60_000);
});

test("DuckDB with secondary indexes: migrate --apply, then rollback: every table, column, index and row as before", async () => {
  const file = path.join(tmp.dir, "sb.duckdb");
  await makeSessionBuddyReal(file, 200);
  const config = plan(`engine: duckdb
path: ./sb.duckdb
backupDir: ./backups
salt: sb-salt
tables:
  - table: sessions
    key: session_id
    strategy: add-column
    time: { column: started_at }
    references: [{ table: reflections, column: session_id }]`);
  const before = await dbState(file, "duckdb");
  const r = await migrateCli(config, ["--system", "svc", "--apply"]);
  expect(r.err).not.toContain("FAILED");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/svc\s+done\s+.*\s+200\s+pass \(\d+ checks\)\s+-\s+[\d.]+ MB -> [\d.]+ MB/);
  expect(r.out).toMatch(/svc: database [\d.]+ MB -> [\d.]+ MB; afterwards: CHECKPOINT/);
  expect(r.out).toMatch(
    /^svc: time: generate [\d.]+ s, code [\d.]+ s, backup [\d.]+ s, sql files [\d.]+ s, validate [\d.]+ s, rollback check [\d.]+ s, reclaim [\d.]+ s$/m,
  );
  const after = await dbState(file, "duckdb");
  expect(after.schema.filter((l) => l.startsWith("index"))).toEqual([
    ...before.schema.filter((l) => l.startsWith("index")),
    "index sessions_session_ulid_key on sessions: CREATE UNIQUE INDEX sessions_session_ulid_key ON sessions(session_ulid);",
    // The mapping table's, for trace.
    "index ulid_migration_map_legacy_id on ulid_migration_map: CREATE INDEX ulid_migration_map_legacy_id ON ulid_migration_map(legacy_id);",
    "index ulid_migration_map_ulid on ulid_migration_map: CREATE INDEX ulid_migration_map_ulid ON ulid_migration_map(ulid);",
  ]);
  const rb = await cliCapture(["rollback", "--yes", "--config", config, "--system", "svc"]);
  expect(rb.code).toBe(0);
  expect(await dbState(file, "duckdb")).toEqual(before);
}, 90_000);

test("migrations committed by an earlier version (one folder, apply order not name order) are replaced on rerun", async () => {
  const dbPath = path.join(tmp.dir, "cj.db");
  makeCrackerjackReal(dbPath, 30);
  const config = cjDb("strategy: rewrite-in-place");
  // The branch as an earlier ulid-codemod left it: its commit, its trailer, the old names.
  git(repo, "checkout", "-q", "-b", "ulid-migration");
  const old = ".ulid-migration/svc/sql";
  fs.mkdirSync(path.join(repo, old), { recursive: true });
  for (const f of ["0001_jobs_backfill.sql", "0001_jobs_expand.sql", "manifest.json"]) {
    fs.writeFileSync(path.join(repo, old, f), "-- earlier generation\n");
  }
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "ulid-migration(svc): earlier\n\nUlid-Codemod: svc");
  git(repo, "checkout", "-q", "main");
  const r = await migrateCli(config, ["--system", "svc"]);
  expect(r.code).toBe(0);
  expect(r.err).toContain("removing 2 files of an earlier generation in .ulid-migration/svc/sql");
  expect(
    git(repo, "ls-tree", "-r", "--name-only", "ulid-migration", "--", old).split("\n"),
  ).toEqual([
    `${old}/.gitignore`,
    `${old}/README.md`,
    `${old}/apply/0001_jobs_2_expand.sql`,
    `${old}/apply/0001_jobs_3_backfill.sql`,
    `${old}/contract/0001_jobs_contract.sql`,
    `${old}/manifest.json`,
    `${old}/rollback/0001_jobs_rollback.sql`,
  ]);
}, 60_000);

describe("apply on SQLite", () => {
  test("a guard that trips says what it counted, the actual and the expected number", async () => {
    const dbPath = path.join(tmp.dir, "cj.db");
    makeCrackerjackReal(dbPath, 40);
    const database = loadSystem("svc", cjDb("strategy: rewrite-in-place")).database as NonNullable<
      ReturnType<typeof loadSystem>["database"]
    >;
    const sqlDir = path.join(tmp.dir, "sql");
    await generateSql({ system: "svc", database, outDir: sqlDir });
    const w = new Database(dbPath);
    w.prepare("INSERT INTO jobs (job_id, start_time) VALUES ('late', '2024-06-01')").run();
    w.close();
    const original = await dbState(dbPath, "sqlite");
    const err = await applyDatabase({ system: "svc", database, sqlDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyFailure);
    expect((err as Error).message).toContain(
      "apply/0001_jobs_1_map.sql: ulid-codemod guard failed: row count of jobs is 41, expected 40",
    );
    expect(await dbState(dbPath, "sqlite")).toEqual(original);
  });

  test("the size before and after; WAL checkpointed; VACUUM only when asked, and its time said", async () => {
    const dbPath = path.join(tmp.dir, "cj.db");
    makeCrackerjackReal(dbPath, 300);
    const w = new Database(dbPath);
    w.pragma("journal_mode = WAL");
    w.close();
    const database = loadSystem("svc", cjDb("strategy: rewrite-in-place", "vacuum: true\n"))
      .database as NonNullable<ReturnType<typeof loadSystem>["database"]>;
    const sqlDir = path.join(tmp.dir, "sql");
    await generateSql({ system: "svc", database, outDir: sqlDir });
    const r = await applyDatabase({ system: "svc", database, sqlDir });
    expect(r.reclaimed).toMatch(/^VACUUM \(\d+\.\d s\), WAL checkpoint$/);
    expect(r.size?.after).toBe(fs.statSync(dbPath).size);
    expect(fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0).toBe(0);
    expect(() =>
      parseDatabaseConfig({ ...sessionBuddyRealConfig("x.duckdb"), vacuum: true }),
    ).toThrow(/database\.vacuum: DuckDB has no VACUUM that gives space back/);
  });
});
