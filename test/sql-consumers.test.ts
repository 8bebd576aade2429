// sql-consumers from the command line: the tables come from --table (migrate fills them from the
// plan's database section: see safe-run.test.ts), the findings get their own terminal section.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { statementsIn } from "../transforms/sql-consumers.ts";
import { makeRepo } from "./helpers/repos.ts";
import { runCli, scratch } from "./helpers.ts";

const { fresh } = scratch("ulid-sql-code-");

const STORE = [
  "def save(con, session_id, project, started):",
  '    con.execute("INSERT INTO sessions VALUES (?, ?, ?)", [session_id, project, started])',
  "",
  "",
  "def note(con, session_id, text):",
  '    con.execute("INSERT INTO reflections (session_id, content) VALUES (?, ?)", [session_id, text])',
  "",
  "",
  "def load(con, session_id):",
  '    sid, project, started = con.execute("SELECT * FROM sessions WHERE session_id = ?", [session_id]).fetchone()',
  "    return project",
  "",
].join("\n");

test("transform --table: each statement judged against the table's strategy; nothing written", () => {
  const repo = makeRepo(fresh("repo"), { "session_buddy/store.py": STORE });
  const r = runCli([
    "transform",
    repo,
    "-t",
    "sql-consumers",
    "--table",
    "sessions:session_id:add-column",
    "--reference",
    "reflections.session_id",
    "--report",
    `${fresh("report")}.json`,
  ]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("SQL in the code that touches a migrated table (3):");
  expect(r.stdout).toContain(
    'BLOCKING session_buddy/store.py:2:17  "INSERT INTO sessions VALUES (?, ?, ?)"',
  );
  expect(r.stdout).toContain("write the new ID to `session_ulid` as well");
  expect(r.stdout).toContain("unpacks 3 values by position (line 10)");
  expect(readFileSync(path.join(repo, "session_buddy/store.py"), "utf8")).toBe(STORE);

  const inPlace = runCli([
    "transform",
    repo,
    "-t",
    "sql-consumers",
    "--table",
    "sessions:session_id:rewrite-in-place",
  ]);
  expect(inPlace.status).toBe(0);
  expect(inPlace.stdout).toMatch(/rewritten\s+needs review\s+blocking[^\n]*\n[^\n]*\n\s*0\s+0\s+0/);
  expect(inPlace.stdout).toContain("NOTE session_buddy/store.py:2:17");
});

test("statements: column lists, quoting, schema names, f-string placeholders", () => {
  expect(
    statementsIn('INSERT OR REPLACE INTO "main"."Sessions" ("session_id", x) VALUES (?, ?)'),
  ).toEqual([{ kind: "insert", table: "sessions", columns: ["session_id", "x"] }]);
  expect(
    statementsIn("insert into jobs select * from staging; SELECT DISTINCT * FROM jobs j"),
  ).toEqual([
    { kind: "insert", table: "jobs" },
    { kind: "select-star", table: "staging" },
    { kind: "select-star", table: "jobs" },
  ]);
  // An interpolated table name is not known: not a migrated table.
  expect(statementsIn("INSERT INTO {} VALUES (?)")).toEqual([]);
  expect(statementsIn("UPDATE sessions SET a = 1")).toEqual([]);
});
