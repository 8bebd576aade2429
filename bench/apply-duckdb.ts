/**
 * `migrate --apply` on DuckDB against the engine floor: a hand-written apply of the same change
 * (add-column: sessions, session_events and reflections each get `session_ulid`, filled through a
 * mapping table) in one Node process with @duckdb/node-api, on a copy of the same database. Runs
 * alternate, each on a fresh copy made outside the timed part.
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { benchGitEnv, benchRepo } from "./apply.ts";
import { sessionBuddySystem } from "./databases.ts";
import { measure, median, type Sample } from "./measure.ts";

/**
 * The floor: what a DBA would write by hand for the change our generated SQL makes, minimal work
 * for the same result.
 * - The mapping table in one set-based statement: legacy ID -> ULID from the row's start time
 *   (48 bits of ms, naive times as UTC like ours) and 80 random bits, Crockford-encoded in SQL; no
 *   round trip through JavaScript. Kept afterwards with its two lookup indexes, like ours (trace
 *   and the rollback read it), but without our `table_name` column (one table here).
 * - The ULID columns added and filled with one UPDATE ... FROM the map per table, children first
 *   (session_events through its FOREIGN KEY, reflections by value). Only the new, unindexed column
 *   changes, so no index has to be dropped and recreated around the updates (DuckDB turns updates
 *   of indexed columns into delete + insert, and refuses them on columns a FOREIGN KEY points at).
 * - Validation before COMMIT, comparable to the SQLite floor's foreign_key_check: every session
 *   has a ULID and the map has a row per session (counts), and every child row carries exactly
 *   its parent's ULID (a child with no parent, or no legacy ID, carries none: no orphans
 *   created, none hidden).
 * - The UNIQUE index on sessions.session_ulid after COMMIT, in a transaction of its own: DuckDB
 *   cannot index a column with uncommitted updates (our generated SQL does the same). Its build
 *   is the duplicate-ULID check.
 * Closing the database checkpoints the WAL into the file, as ours does on close.
 */
export const FLOOR_JS = (duckdbUrl: string) => `
const { DuckDBInstance } = await import(${JSON.stringify(duckdbUrl)});
const inst = await DuckDBInstance.create(process.argv.at(-1));
const con = await inst.connect();
const one = async (sql) => Number((await con.runAndReadAll(sql)).getRows()[0][0]);
const A = "'0123456789ABCDEFGHJKMNPQRSTVWXYZ'";
await con.run("BEGIN TRANSACTION");
await con.run(\`CREATE TABLE ulid_migration_map AS SELECT session_id AS legacy_id,
  array_to_string(list_transform(range(45, -5, -5), k -> substr(\${A}, ((ms >> k) & 31)::INT + 1, 1)), '')
  || array_to_string(list_transform(range(16), k -> substr(\${A}, floor(random() * 32)::INT + 1, 1)), '') AS ulid
  FROM (SELECT session_id, epoch_ms(started_at) AS ms FROM sessions)\`);
await con.run("CREATE INDEX ulid_migration_map_legacy_id ON ulid_migration_map (legacy_id)");
await con.run("CREATE INDEX ulid_migration_map_ulid ON ulid_migration_map (ulid)");
const tables = ["session_events", "reflections", "sessions"];
for (const t of tables) await con.run(\`ALTER TABLE \${t} ADD COLUMN session_ulid VARCHAR\`);
for (const t of tables)
  await con.run(\`UPDATE \${t} SET session_ulid = m.ulid FROM ulid_migration_map AS m WHERE m.legacy_id = \${t}.session_id\`);
const n = await one("SELECT count(*) FROM sessions");
if (n !== (await one("SELECT count(*) FROM ulid_migration_map"))) throw new Error("map rows");
if (await one("SELECT count(*) FROM sessions WHERE session_ulid IS NULL")) throw new Error("unmapped sessions");
for (const t of tables.slice(0, 2))
  if (await one(\`SELECT count(*) FROM \${t} AS c LEFT JOIN sessions AS p ON p.session_id = c.session_id WHERE c.session_ulid IS DISTINCT FROM p.session_ulid\`))
    throw new Error(\`\${t}: ULID differs from its session's\`);
await con.run("COMMIT");
await con.run("CREATE UNIQUE INDEX sessions_session_ulid_key ON sessions (session_ulid)");
con.closeSync();
inst.closeSync();
`;

const CHILDREN = ["session_events", "reflections"];

export interface DuckApplyBench {
  ours: Sample & { samples: Sample[] };
  floor: Sample & { samples: Sample[] };
  sessions: number;
  children: Record<string, number>;
}

/**
 * A Session-Buddy-shaped repository whose plan points at `db`: the demo's sessions.py without its
 * INSERT (an INSERT that writes `session_id` but not `session_ulid` is, rightly, a blocking site,
 * and migrate then applies nothing).
 */
function sessionBuddyRepo(dir: string, db: string): string {
  const sessions = [
    "from datetime import datetime",
    "",
    "",
    "def start_session(db, project_name: str) -> str:",
    '    timestamp = datetime.now().strftime("%Y%m%d-%H%M%S")',
    '    session_id = f"{project_name}-{timestamp}"',
    "    return session_id",
    "",
  ].join("\n");
  return benchRepo(
    dir,
    { "session_buddy/sessions.py": sessions },
    (extra) => sessionBuddySystem(JSON.stringify(db), extra),
    db,
  );
}

/** Row counts of the source (sessions, and each child table). */
async function counts(db: string): Promise<{ sessions: number; children: Record<string, number> }> {
  const inst = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
  const con = await inst.connect();
  try {
    const n = async (t: string) =>
      Number((await con.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0]?.[0]);
    const children: Record<string, number> = {};
    for (const t of CHILDREN) children[t] = await n(t);
    return { sessions: await n("sessions"), children };
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

/**
 * After a run (not timed): the database really is migrated, or the bench throws. Every session
 * has a well-formed, distinct ULID with a map row, each child row carries its session's ULID
 * (none where it has no session), the tables kept their rows, and the ULIDs carry the start time.
 */
async function assertMigrated(db: string, who: string, expect: Awaited<ReturnType<typeof counts>>) {
  const inst = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
  const con = await inst.connect();
  try {
    const one = async (sql: string) =>
      Number((await con.runAndReadAll(sql)).getRows()[0]?.[0] ?? Number.NaN);
    const checks: [string, string, number][] = [
      ["sessions", "SELECT count(*) FROM sessions", expect.sessions],
      ["distinct ULIDs", "SELECT count(DISTINCT session_ulid) FROM sessions", expect.sessions],
      [
        "well-formed ULIDs",
        "SELECT count(*) FROM sessions WHERE regexp_full_match(session_ulid, '[0-7][0-9A-HJKMNP-TV-Z]{25}')",
        expect.sessions,
      ],
      [
        "map rows",
        "SELECT count(*) FROM sessions AS s JOIN ulid_migration_map AS m ON m.legacy_id = s.session_id AND m.ulid = s.session_ulid",
        expect.sessions,
      ],
      [
        "ULID time = started_at (first 10 chars of a sample)",
        `SELECT count(*) FROM (SELECT session_ulid, epoch_ms(started_at) AS ms FROM sessions USING SAMPLE 100 ROWS)
         WHERE left(session_ulid, 10) <> array_to_string(list_transform(range(45, -5, -5),
           k -> substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((ms >> k) & 31)::INT + 1, 1)), '')`,
        0,
      ],
      [
        "unique index on session_ulid",
        "SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'sessions' AND is_unique AND expressions LIKE '%session_ulid%'",
        1,
      ],
    ];
    for (const t of CHILDREN) {
      checks.push(
        [`${t} rows`, `SELECT count(*) FROM ${t}`, expect.children[t] as number],
        [
          `${t} ULID = its session's`,
          `SELECT count(*) FROM ${t} AS c LEFT JOIN sessions AS p ON p.session_id = c.session_id WHERE c.session_ulid IS DISTINCT FROM p.session_ulid`,
          0,
        ],
        [
          `${t} rows with a ULID`,
          `SELECT count(*) FROM ${t} WHERE session_ulid IS NOT NULL`,
          await one(
            `SELECT count(*) FROM ${t} AS c JOIN sessions AS p ON p.session_id = c.session_id`,
          ),
        ],
      );
    }
    for (const [what, sql, want] of checks) {
      const got = await one(sql);
      if (got !== want)
        throw new Error(
          `${who}: the database is not migrated: ${what} is ${got}, expected ${want}`,
        );
    }
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

/**
 * Alternating rounds: ours (`migrate --apply --yes` on a fresh repository and copy) and the floor
 * (FLOOR_JS on a fresh copy); copies made outside the timed part, each result checked after.
 */
export async function benchApplyDuckAt(
  source: string,
  work: string,
  runs: number,
  cli: string[],
): Promise<DuckApplyBench> {
  const expect = await counts(source);
  const ours: Sample[] = [];
  const floor: Sample[] = [];
  const env = benchGitEnv();
  const floorJs = FLOOR_JS(import.meta.resolve("@duckdb/node-api"));
  const dbDir = path.join(work, "apply-duckdb");
  const repo = path.join(work, "apply-duckdb-repo");
  const fresh = (db: string) => {
    rmSync(dbDir, { recursive: true, force: true });
    mkdirSync(dbDir, { recursive: true });
    copyFileSync(source, db);
  };
  for (let i = 0; i < runs; i++) {
    const db = path.join(dbDir, "session_buddy.duckdb");
    fresh(db);
    const plan = sessionBuddyRepo(repo, db);
    // measure throws when the command exits non-zero (with its stderr).
    ours.push(
      measure(
        [...cli, "migrate", "--config", plan, "--system", "session-buddy", "--apply", "--yes"],
        env,
      ),
    );
    await assertMigrated(db, "ours", expect);
    fresh(db);
    floor.push(measure([process.execPath, "--input-type=module", "-e", floorJs, db]));
    await assertMigrated(db, "floor", expect);
  }
  rmSync(dbDir, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
  const sum = (s: Sample[]) => ({
    wallMs: median(s.map((x) => x.wallMs)),
    peakRssKb: Math.max(...s.map((x) => x.peakRssKb)),
    samples: s,
  });
  return { ours: sum(ours), floor: sum(floor), ...expect };
}
