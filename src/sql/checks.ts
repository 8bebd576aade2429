// The checks after the apply files ran (row counts, ULID format, uniqueness, mapping, references,
// SQLite integrity and foreign keys): on a scratch copy for `sql verify`, on the real database
// inside its transaction for `migrate --apply`.
import { createHash } from "node:crypto";
import type { CheckFigures, CheckOutcome } from "../errors.ts";
import { isUlidSql, scalar } from "./catalog.ts";
import type { Db } from "./db.ts";
import { ident, sqlString } from "./escape.ts";
import type { Manifest, TablePlan } from "./manifest.ts";
import { snapshotTable, type TableSnapshot } from "./snapshot.ts";
import { MAP_TABLE } from "./sqltext.ts";

export type VerifyCheck = CheckOutcome;

/** What the validation compares against: taken on the database before the files are applied. */
export interface BeforeState {
  tables: string[];
  before: Map<string, TableSnapshot>;
  refsBefore: Map<string, RefState>;
}

export async function captureBefore(db: Db, manifest: Manifest): Promise<BeforeState> {
  const tables = affectedTables(manifest.tables);
  const before = new Map<string, TableSnapshot>();
  for (const t of tables) before.set(t, await snapshotTable(db, t));
  const refsBefore = new Map<string, RefState>();
  for (const p of manifest.tables) {
    for (const c of p.children) refsBefore.set(refName(p, c), await refState(db, p, c, "before"));
  }
  return { tables, before, refsBefore };
}

/**
 * The checks of `sql verify` after the apply files ran: row counts, ULID shape, uniqueness,
 * mapping completeness, references, and (SQLite) integrity and foreign keys. Used on the
 * scratch copy by verify and on the real database by `migrate --apply`.
 */
export async function validateApplied(
  db: Db,
  manifest: Manifest,
  state: BeforeState,
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const check: CheckFn = (name, ok, detail = "", measured) => {
    checks.push({ name, ok, detail, ...measured });
    return ok;
  };
  for (const p of manifest.tables) {
    await checkTable(db, p, state.before, state.refsBefore, check);
  }
  if (db.engine === "sqlite") {
    const ic = (await db.all("PRAGMA integrity_check")) as { integrity_check: string }[];
    check(
      "sqlite integrity_check",
      ic[0]?.integrity_check === "ok",
      ic.map((r) => r.integrity_check).join("; "),
    );
    const fk = await db.all("PRAGMA foreign_key_check");
    check("sqlite foreign_key_check", fk.length === 0, `${fk.length} violations`);
  }
  return checks;
}

type CheckFn = (
  name: string,
  ok: boolean,
  detail?: string,
  measured?: { table: string; figures: CheckFigures },
) => boolean;

function affectedTables(plans: TablePlan[]): string[] {
  return [...new Set(plans.flatMap((p) => [p.table, ...p.children.map((c) => c.table)]))];
}

const refName = (p: TablePlan, c: { table: string; column: string }) =>
  `${c.table}.${c.column} -> ${p.table}.${p.key}`;

export interface RefState {
  /** Child rows that resolve to a parent row. */
  joined: number;
  /** Hash of (child row, parent row) pairs (SQLite: rowids; DuckDB: legacy values). */
  pairs: string;
}

/**
 * Which parent row each child row points at. Before: joined on the legacy key. After:
 * joined on the ULID (the rewritten key, or the added columns).
 */
async function refState(
  db: Db,
  p: TablePlan,
  c: TablePlan["children"][number],
  when: "before" | "after",
): Promise<RefState> {
  const [pc, cc] = when === "before" ? [p.key, c.column] : [p.ulidColumn, c.ulidColumn];
  const on = `p.${ident(pc)} = c.${ident(cc)}`;
  // DuckDB rowids can move on update, and add-column keeps the legacy values to compare by.
  const sel =
    db.engine === "sqlite" ? "c.rowid, p.rowid" : `c.${ident(c.column)}, p.${ident(p.key)}`;
  const sql = `SELECT ${sel} FROM ${ident(c.table)} AS c JOIN ${ident(p.table)} AS p ON ${on} ORDER BY ALL`;
  const hash = createHash("sha256");
  let joined = 0;
  const stable = db.engine === "sqlite" ? sql.replace("ORDER BY ALL", "ORDER BY 1, 2") : sql;
  for await (const batch of db.batches(stable)) {
    for (const row of batch) {
      joined++;
      hash.update(`${String(row[0])}|${String(row[1])}\n`);
    }
  }
  return { joined, pairs: hash.digest("hex") };
}

async function checkTable(
  db: Db,
  p: TablePlan,
  before: Map<string, TableSnapshot>,
  refsBefore: Map<string, RefState>,
  check: CheckFn,
): Promise<void> {
  const e = db.engine;
  const t = ident(p.table);
  const u = ident(p.ulidColumn);
  const where = `${p.table}.${p.ulidColumn}`;
  let rows = 0;
  for (const name of [p.table, ...p.children.map((c) => c.table)]) {
    const n = await scalar(db, `SELECT COUNT(*) FROM ${ident(name)}`);
    if (name === p.table) rows = n;
    const was = before.get(name)?.rows;
    check(`${name}: row count before = after`, n === was, `${was} -> ${n}`, {
      table: name,
      figures: { ...(was === undefined ? {} : { rowsBefore: was }), rowsAfter: n },
    });
  }
  const nulls = await scalar(db, `SELECT COUNT(*) FROM ${t} WHERE ${u} IS NULL`);
  check(`${where}: no NULL ULID`, nulls === 0, `${nulls} NULL`, {
    table: p.table,
    figures: { ulidsInvalid: nulls },
  });
  const badN = await scalar(
    db,
    `SELECT COUNT(*) FROM ${t} WHERE ${u} IS NOT NULL AND NOT ${isUlidSql(e, u)}`,
  );
  check(`${where}: 26-char Crockford base32`, badN === 0, `${badN} malformed`, {
    table: p.table,
    figures: { ulidsChecked: rows, ulidsInvalid: badN },
  });
  const dup = await scalar(db, `SELECT COUNT(${u}) - COUNT(DISTINCT ${u}) FROM ${t}`);
  check(`${where}: unique`, dup === 0, `${dup} duplicates`, {
    table: p.table,
    figures: { duplicates: dup },
  });
  const mapped = await scalar(
    db,
    `SELECT COUNT(*) FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(p.table, e)}`,
  );
  check(`${p.table}: mapping rows = rows`, mapped === p.rowCount, `${mapped} of ${p.rowCount}`);
  for (const c of p.children) {
    const name = refName(p, c);
    const was = refsBefore.get(name) as RefState;
    const now = await refState(db, p, c, "after");
    // SQLite compares row pairs exactly; DuckDB compares the legacy pair per joined row.
    const same =
      e === "sqlite"
        ? now.joined === was.joined && now.pairs === was.pairs
        : now.joined === was.joined &&
          (await scalar(
            db,
            `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${t} AS p ON p.${u} = c.${ident(c.ulidColumn)} WHERE p.${ident(p.key)} IS DISTINCT FROM c.${ident(c.column)}`,
          )) === 0;
    const unresolved = await scalar(
      db,
      `SELECT COUNT(*) FROM ${ident(c.table)} AS c WHERE c.${ident(c.ulidColumn)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${t} AS p WHERE p.${u} = c.${ident(c.ulidColumn)}) AND c.${ident(c.ulidColumn)} IN (SELECT "ulid" FROM ${ident(MAP_TABLE)})`,
    );
    check(
      `${name}: child ULID equals parent's`,
      same && unresolved === 0,
      `${now.joined} of ${was.joined} references resolve to the same parent row${unresolved ? `, ${unresolved} dangling` : ""}`,
      {
        table: c.table,
        figures: { orphans: Math.max(0, was.joined - now.joined) + unresolved },
      },
    );
  }
}
