// rollback on a live database that went on living after the migration: it restores only the
// backup taken before the migration the database holds, says what a restore would lose, keeps
// rows written since by putting the keys back with SQL, and never restores a backup twice.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { buildDemoWorkspace, type DemoWorkspace } from "../src/cli/demo-workspace.ts";
import { listBackups } from "../src/live/backup.ts";
import { parseConfig } from "../src/plan/load.ts";
import { openDb } from "../src/sql/db.ts";
import { cliCapture, tempDir } from "./helpers/repos.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

async function workspace(): Promise<DemoWorkspace> {
  tmp = tempDir("ulid-rollback-");
  return buildDemoWorkspace(path.join(tmp.dir, "ws"), { jobs: 200, sessions: 40 });
}

const cli = (args: string[]) => cliCapture(args);
const migrate = (ws: DemoWorkspace, system: string) =>
  cli(["migrate", "--config", ws.config, "--system", system, "--apply", "--yes"]);
const rollback = (ws: DemoWorkspace, system: string, ...more: string[]) =>
  cli(["rollback", "--config", ws.config, "--system", system, "--yes", ...more]);

function jobs(ws: DemoWorkspace): { job_id: string; status: string }[] {
  const db = new Database(ws.databases[0]?.path as string, { readonly: true });
  try {
    return db.prepare("SELECT job_id, status FROM jobs ORDER BY id").all() as {
      job_id: string;
      status: string;
    }[];
  } finally {
    db.close();
  }
}

/** What the service does after the migration: a new job (a ULID from the migrated code) with a hook. */
function serviceWritesJob(ws: DemoWorkspace, jobId = "01KB00000000000000000000AA"): void {
  const db = new Database(ws.databases[0]?.path as string);
  try {
    db.prepare(
      "INSERT INTO jobs (job_id, start_time, status) VALUES (?, '2026-12-01 10:00:00', 'new')",
    ).run(jobId);
    db.prepare("INSERT INTO hook_executions (job_id, hook) VALUES (?, 'ruff')").run(jobId);
  } finally {
    db.close();
  }
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

const database = (ws: DemoWorkspace, system: string) =>
  parseConfig(fs.readFileSync(ws.config, "utf8"), ws.config).systems.find((s) => s.name === system)
    ?.database as NonNullable<ReturnType<typeof parseConfig>["systems"][number]["database"]>;

describe("rollback on a database that went on living", () => {
  test("a second rollback finds nothing to restore: the row written since is kept, the backup is marked", async () => {
    const ws = await workspace();
    const original = jobs(ws);
    expect((await migrate(ws, "crackerjack")).code).toBe(0);
    const first = await rollback(ws, "crackerjack");
    expect(first.code).toBe(0);
    expect(first.out).toContain("crackerjack: database: restored");
    expect(jobs(ws)).toEqual(original);
    const [marker] = listBackups(database(ws, "crackerjack"));
    expect(marker?.restoredBy).toBe("backup");
    expect(marker?.restoredAt).toMatch(/^\d{4}-/);

    // The service, back on UUIDs, writes a job; then someone runs rollback again.
    serviceWritesJob(ws, "9b2c3d4e-0000-4000-8000-000000000001");
    const plan = await cli([
      "rollback",
      "--config",
      ws.config,
      "--system",
      "crackerjack",
      "--dry-run",
    ]);
    expect(plan.out).toContain("is not migrated (legacy keys, no mapping): nothing to restore");
    const again = await rollback(ws, "crackerjack");
    expect(again.code).toBe(0);
    expect(again.out).toContain("is not migrated (legacy keys, no mapping): nothing to restore");
    expect(jobs(ws)).toEqual([
      ...original,
      { job_id: "9b2c3d4e-0000-4000-8000-000000000001", status: "new" },
    ]);
  }, 90_000);

  test("rows written since the migration: the dry run says so, and rollback keeps them by SQL", async () => {
    const ws = await workspace();
    const original = jobs(ws);
    expect((await migrate(ws, "crackerjack")).code).toBe(0);
    serviceWritesJob(ws);
    const plan = await cli([
      "rollback",
      "--config",
      ws.config,
      "--system",
      "crackerjack",
      "--dry-run",
    ]);
    expect(plan.out).toContain("would put the legacy keys of");
    expect(plan.out).toContain(
      "jobs: 1 row written since the migration, rows changed since the backup (201 now, 200 in the backup)",
    );
    expect(plan.out).toContain("hook_executions: 1 more row than the backup");

    const r = await rollback(ws, "crackerjack");
    expect(r.code).toBe(0);
    expect(r.out).toContain("put the legacy keys of");
    expect(r.out).toContain("back by SQL from the mapping table, keeping what was written since");
    // Every original row has its legacy key back; the new one keeps the ULID it was written with.
    expect(jobs(ws)).toEqual([
      ...original,
      { job_id: "01KB00000000000000000000AA", status: "new" },
    ]);
    const file = ws.databases[0]?.path as string;
    expect(tables(file)).not.toContain("ulid_migration_map");
    const db = new Database(file, { readonly: true });
    try {
      // Only the error row the demo database already had for a deleted job.
      expect(db.pragma("foreign_key_check")).toEqual([
        { table: "errors", rowid: expect.any(Number), parent: "jobs", fkid: 0 },
      ]);
      expect(
        db
          .prepare(
            "SELECT COUNT(*) AS n FROM hook_executions h WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_id = h.job_id)",
          )
          .get(),
      ).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(listBackups(database(ws, "crackerjack"))[0]?.restoredBy).toBe("sql");
  }, 90_000);

  test("--restore backup refuses to lose rows without --force, naming them; --force restores the backup", async () => {
    const ws = await workspace();
    const original = jobs(ws);
    expect((await migrate(ws, "crackerjack")).code).toBe(0);
    serviceWritesJob(ws);
    const migrated = jobs(ws);
    const refused = await rollback(ws, "crackerjack", "--restore", "backup");
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("NOT restored: restoring");
    expect(refused.out).toContain("would lose what was written since the migration (");
    expect(refused.out).toContain("jobs: 1 row written since the migration");
    expect(refused.out).toContain("--force restores the backup anyway");
    expect(jobs(ws)).toEqual(migrated);

    const forced = await rollback(ws, "crackerjack", "--restore", "backup", "--force");
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("crackerjack: database: restored");
    expect(forced.out).toMatch(/; LOSES [^\n]*jobs: 1 row written since the migration/);
    expect(jobs(ws)).toEqual(original);
  }, 90_000);

  test("a backup taken before another migration is refused unless --force; the newest unrestored one is used", async () => {
    const ws = await workspace();
    expect((await migrate(ws, "crackerjack")).code).toBe(0);
    expect((await rollback(ws, "crackerjack")).code).toBe(0);
    const [first] = listBackups(database(ws, "crackerjack"));
    // The service writes a (legacy) job, and the migration runs again: a second backup.
    serviceWritesJob(ws, "9b2c3d4e-0000-4000-8000-000000000002");
    const withNewJob = jobs(ws);
    expect((await migrate(ws, "crackerjack")).code).toBe(0);
    expect(listBackups(database(ws, "crackerjack"))).toHaveLength(2);

    const stale = await rollback(ws, "crackerjack", "--backup", first?.backup as string);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain("is not the backup taken before this migration");
    expect(stale.out).toContain("jobs: the mapping holds 201 legacy keys, the backup 200 keys");

    const r = await rollback(ws, "crackerjack");
    expect(r.code).toBe(0);
    expect(r.out).toContain("crackerjack: database: restored");
    expect(jobs(ws)).toEqual(withNewJob);
  }, 120_000);

  test("DuckDB, add-column: a session written since keeps its row when the added columns go", async () => {
    const ws = await workspace();
    const file = ws.databases[1]?.path as string;
    const count = async () => {
      const db = await openDb("duckdb", file, { readOnly: true });
      try {
        return await db.all("SELECT COUNT(*)::INT AS n FROM sessions");
      } finally {
        db.close();
      }
    };
    const before = await count();
    expect((await migrate(ws, "session-buddy")).code).toBe(0);
    // Migrated code writes the ULID into the legacy column; the added one stays NULL.
    const db = await openDb("duckdb", file, { readOnly: false });
    try {
      await db.execScript(
        "INSERT INTO sessions (session_id, project, started) VALUES ('01KB00000000000000000000BB', 'new', TIMESTAMP '2026-12-01 10:00:00');",
      );
    } finally {
      db.close();
    }
    const r = await rollback(ws, "session-buddy");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "back by SQL from the mapping table, keeping what was written since (sessions: 1 row written since the migration",
    );
    expect(await count()).toEqual([{ n: (before[0]?.n as number) + 1 }]);
    const after = await openDb("duckdb", file, { readOnly: true });
    try {
      const cols = await after.all(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'sessions' ORDER BY column_index",
      );
      expect(cols.map((c) => c.column_name)).toEqual([
        "session_id",
        "project",
        "started",
        "tags",
        "created_at",
      ]);
      // DuckDB drops no column while a table has an index: they went, and came back as they were.
      expect(
        (
          await after.all(
            "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'sessions' ORDER BY 1",
          )
        ).map((r) => r.index_name),
      ).toEqual(["idx_sessions_project", "idx_sessions_started"]);
      expect(
        await after.all(
          "SELECT COUNT(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'ulid_migration_map'",
        ),
      ).toEqual([{ n: 0 }]);
    } finally {
      after.close();
    }
    expect(fs.existsSync(`${file}.ulid-restore-tmp`)).toBe(false);
  }, 90_000);
});
