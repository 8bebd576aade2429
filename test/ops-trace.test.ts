// `trace ID` after a real `migrate --all --apply`: both ways on SQLite and DuckDB, the ULID's time,
// the references counted in the databases themselves, "not found", and the lookups the engines
// plan as index lookups (no scans).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { decodeTime } from "ulid";
import { beforeAll, describe, expect, test } from "vitest";
import { buildDemoWorkspace, type DemoWorkspace } from "../src/cli/demo-workspace.ts";
import { lookupSql } from "../src/live/trace.ts";
import { traceJsonSchema } from "../src/report/schema.ts";
import { openDb } from "../src/sql/db.ts";
import { cliCapture } from "./helpers/repos.ts";
import { tempDir } from "./helpers.ts";

const dir = tempDir("ulid-trace-");
let ws: DemoWorkspace;
const dbOf = (system: string) => ws.databases.find((d) => d.system === system)?.path as string;

beforeAll(async () => {
  ws = await buildDemoWorkspace(path.join(dir, "ws"), { jobs: 60, sessions: 20 });
  // --allow-blocking: the demo's session-buddy and akosha have blocking sites on purpose.
  const r = await cliCapture([
    "migrate",
    "--config",
    ws.config,
    "--all",
    "--apply",
    "--yes",
    "--allow-blocking",
  ]);
  expect(r.code, r.err).toBe(0);
});

const trace = (...args: string[]) => cliCapture(["trace", ...args, "--config", ws.config]);

async function query(system: string, sql: string): Promise<Record<string, unknown>[]> {
  const d = ws.databases.find((x) => x.system === system);
  const db = await openDb(d?.engine ?? "sqlite", dbOf(system), { readOnly: true });
  try {
    return await db.all(sql);
  } finally {
    db.close();
  }
}

const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("trace after migrate --apply", () => {
  test("SQLite: a legacy job ID finds its ULID, the ULID's time and the rows referencing it", async () => {
    const db = new Database(dbOf("crackerjack"), { readonly: true });
    const row = db
      .prepare(
        `SELECT m.legacy_id, m.ulid, j.start_time FROM ulid_migration_map m JOIN jobs j ON j.job_id = m.ulid WHERE m.table_name = 'jobs' LIMIT 1 OFFSET 3`,
      )
      .get() as { legacy_id: string; ulid: string; start_time: string };
    const errors = (
      db.prepare("SELECT COUNT(*) AS n FROM errors WHERE job_id = ?").get(row.ulid) as { n: number }
    ).n;
    db.close();
    const before = sha(dbOf("crackerjack"));
    const r = await trace(row.legacy_id, "--json");
    expect(r.code, r.err).toBe(0);
    // The one documented shape, with the keys every document has.
    const t = traceJsonSchema.parse(JSON.parse(r.out));
    expect(t).toMatchObject({ format: 1, tool: "ulid-codemod", command: "trace", ok: true });
    expect(t.hits).toHaveLength(1);
    const hit = t.hits[0];
    expect(hit).toMatchObject({
      system: "crackerjack",
      table: "jobs",
      legacyId: row.legacy_id,
      ulid: row.ulid,
      matched: "legacy",
    });
    // The backfill put the row's start_time into the ULID.
    expect(hit?.time).toBe(new Date(decodeTime(row.ulid)).toISOString());
    expect(hit?.time).toBe(
      `${row.start_time.replace(" ", "T")}Z`.replace(/(\d\d:\d\d:\d\d)Z/, "$1.000Z"),
    );
    expect(hit?.children.map((c) => [c.table, c.column, c.count]).sort()).toEqual([
      ["errors", "job_id", errors],
      ["hook_executions", "job_id", 2],
    ]);
    expect(t.notes).toEqual([{ system: "akosha", reason: "no database in the plan" }]);
    expect(sha(dbOf("crackerjack"))).toBe(before);

    // The other way, in lower case, as a table.
    const back = await trace(row.ulid.toLowerCase());
    expect(back.code, back.err).toBe(0);
    expect(back.out).toMatch(
      new RegExp(
        `^crackerjack\\s+jobs\\s+${row.legacy_id}\\s+${row.ulid}\\s+${hit?.time.replace(/\./g, "\\.")}\\s+errors\\.job_id: ${errors}( \\(no index\\))?, hook_executions\\.job_id: 2`,
        "m",
      ),
    );
  });

  test("DuckDB: a session ID and its ULID find each other; reflections counted", async () => {
    const [row] = await query(
      "session-buddy",
      `SELECT legacy_id, ulid FROM ulid_migration_map WHERE table_name = 'sessions' ORDER BY legacy_id LIMIT 1 OFFSET 5`,
    );
    const legacy = String(row?.legacy_id);
    const ulid = String(row?.ulid);
    const [n] = await query(
      "session-buddy",
      `SELECT COUNT(*)::INTEGER AS n FROM reflections WHERE session_id = '${legacy}'`,
    );
    for (const [id, matched] of [
      [legacy, "legacy"],
      [ulid, "ulid"],
    ] as const) {
      const r = await trace(id, "--json");
      expect(r.code, r.err).toBe(0);
      const t = traceJsonSchema.parse(JSON.parse(r.out));
      expect(t.hits).toEqual([
        {
          system: "session-buddy",
          table: "sessions",
          legacyId: legacy,
          ulid,
          time: new Date(decodeTime(ulid)).toISOString(),
          matched,
          children: [
            { table: "reflections", column: "session_id", count: Number(n?.n), indexed: false },
          ],
        },
      ]);
      expect(Number(n?.n)).toBeGreaterThan(0);
    }
  });

  test("an ID in no map: not found, exit 1; a ULID minted later still shows its time", async () => {
    const none = await trace("no-such-id");
    expect(none.code).toBe(1);
    expect(none.out).toContain("no-such-id: not found\n");
    expect(none.err).toContain(
      "error: trace: no-such-id is in no mapping table (looked in crackerjack, session-buddy)",
    );
    const fresh = "01KB0000000000000000000000";
    const r = await trace(fresh);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${fresh} is a ULID minted at ${new Date(decodeTime(fresh)).toISOString()} (no mapping table has it`,
    );
    const j = traceJsonSchema.parse(JSON.parse((await trace(fresh, "--json")).out));
    expect(j).toMatchObject({
      ok: false,
      hits: [],
      ulid: fresh,
      time: new Date(decodeTime(fresh)).toISOString(),
    });
  });

  test("the lookups are index lookups on both engines, both ways", async () => {
    // Values that are in the maps: DuckDB plans an empty result for one outside its statistics.
    const [sb] = await query(
      "session-buddy",
      "SELECT legacy_id, ulid FROM ulid_migration_map ORDER BY ulid LIMIT 1 OFFSET 7",
    );
    for (const by of ["legacy_id", "ulid"] as const) {
      for (const sql of lookupSql("sqlite", ["jobs"], by, "01KB0000000000000000000000")) {
        const plan = await query("crackerjack", `EXPLAIN QUERY PLAN ${sql}`);
        const detail = plan.map((r) => String(r.detail)).join("; ");
        expect(detail).toMatch(/^SEARCH ulid_migration_map USING (INDEX|PRIMARY KEY)/);
        expect(detail).not.toMatch(/\bSCAN\b/);
      }
      // DuckDB picks the scan type when the query runs: EXPLAIN ANALYZE shows it.
      const [sql] = lookupSql("duckdb", ["sessions"], by, String(sb?.[by]));
      const rows = await query("session-buddy", `EXPLAIN ANALYZE ${sql}`);
      const plan = rows.map((r) => String(r.explain_value)).join("\n");
      expect(plan, plan).toContain("Type: Index Scan");
      expect(plan).not.toContain("Sequential Scan");
    }
  });
});
