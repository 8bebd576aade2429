// The checks after the apply files ran (row counts, ULID format, uniqueness, mapping, references,
// SQLite integrity and foreign keys): on a scratch copy for `sql verify`, on the real database
// inside its transaction for `migrate --apply`.
import { createHash } from "node:crypto";
import type { CheckFigures, CheckOutcome } from "../errors.ts";
import { isUlidSql, scalar } from "./catalog.ts";
import type { CatchUpTable } from "./catch-up.ts";
import { type Db, openDb } from "./db.ts";
import { ident, sqlString } from "./escape.ts";
import type { Manifest, TablePlan } from "./manifest.ts";
import { orphanQueries } from "./references.ts";
import { type KeptTable, keepTable } from "./snapshot.ts";
import { MAP_TABLE } from "./sqltext.ts";

export type VerifyCheck = CheckOutcome;

/** What the validation compares against: taken on the database before the files are applied. */
export interface BeforeState {
  tables: string[];
  /** Each table's rows (see keepTable; only their count unless the rollback is checked too). */
  before: Map<string, KeptTable>;
  refsBefore: Map<string, RefState>;
  /** Per reference with orphans: a hash of those rows, which the migration must not touch. */
  orphansBefore: Map<string, OrphanState>;
  /** SQLite: the foreign-key violations there already were (unenforced keys collect them). */
  fkBefore: string[] | null;
  /** Instead of `fkBefore`: where to read them, asked only when there are violations after. */
  fkBeforeFrom?: () => Promise<string[]>;
}

/**
 * `restorable`: also keep every affected table's rows, for `restoredChecks` after a rollback
 * (verify's copy, the apply's rollback check); validation itself needs their counts only.
 * `fkBefore`: where the foreign-key violations before can be read later (the apply's backup), so
 * `foreign_key_check` runs a second time only when there are violations after (1 s at 200k jobs
 * + 600k children).
 */
export async function captureBefore(
  db: Db,
  manifest: Manifest,
  opts: { restorable?: boolean; fkBefore?: () => Promise<string[]> } = {},
): Promise<BeforeState> {
  const restorable = opts.restorable ?? true;
  const tables = affectedTables(manifest.tables);
  const before = new Map<string, KeptTable>();
  for (const t of tables) before.set(t, await keepTable(db, t, !restorable));
  const refsBefore = new Map<string, RefState>();
  const orphansBefore = new Map<string, OrphanState>();
  for (const p of manifest.tables) {
    for (const c of p.children) {
      const kept = { parent: before.get(p.table)?.copy, child: before.get(c.table)?.copy };
      refsBefore.set(refName(p, c), await refState(db, p, c, "before", kept));
      if ((c.orphans?.count ?? 0) > 0)
        orphansBefore.set(refName(p, c), await orphanState(db, p, c));
    }
  }
  if (db.engine === "sqlite" && opts.fkBefore) {
    return {
      tables,
      before,
      refsBefore,
      orphansBefore,
      fkBefore: null,
      fkBeforeFrom: opts.fkBefore,
    };
  }
  const fkBefore = db.engine === "sqlite" ? await fkViolations(db) : null;
  return { tables, before, refsBefore, orphansBefore, fkBefore };
}

/** The foreign-key violations of a SQLite file (a backup), opened read-only. */
export async function fkViolationsIn(file: string): Promise<string[]> {
  const db = await openDb("sqlite", file, { readOnly: true });
  try {
    return await fkViolations(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA foreign_key_check` rows as `table rowid -> parent (fk id)`, sorted. */
async function fkViolations(db: Db): Promise<string[]> {
  const rows = (await db.all("PRAGMA foreign_key_check")) as {
    table: string;
    rowid: number | null;
    parent: string;
    fkid: number;
  }[];
  return rows.map((r) => `${r.table} rowid ${r.rowid ?? "?"} -> ${r.parent} (fk ${r.fkid})`).sort();
}

export interface OrphanState {
  rows: number;
  sha256: string;
}

/** The rows of a reference that point at no parent row: which rows, and what they hold. */
async function orphanState(
  db: Db,
  p: TablePlan,
  c: TablePlan["children"][number],
): Promise<OrphanState> {
  // The query findOrphans runs; SQLite rowids are stable, DuckDB's may move on update, so
  // there the values are compared.
  const sql = orphanQueries(db.engine, {
    parent: { table: p.table, key: p.key },
    child: { table: c.table, column: c.column },
    withoutRowid: db.engine === "duckdb" || !!c.withoutRowid,
  }).rows;
  const found: string[] = [];
  for await (const batch of db.batches(sql)) {
    for (const row of batch) {
      const v = String(row[1]);
      found.push(`${String(row[0]).padStart(20, "0")}|${v.length}:${v}`);
    }
  }
  found.sort();
  const hash = createHash("sha256");
  for (const f of found) hash.update(`${f}\n`);
  const rows = found.length;
  return { rows, sha256: hash.digest("hex") };
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
  /**
   * SQLite: `integrity_check` (also every index against its table) on verify's scratch copy;
   * the apply, which runs the same files on the same data afterwards, takes `quick_check`
   * (page and constraint structure: 0.3 s instead of 1.9 s at 200k jobs + 600k children).
   */
  integrity: "integrity_check" | "quick_check" = "integrity_check",
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const check: CheckFn = (name, ok, detail = "", measured) => {
    checks.push({ name, ok, detail, ...measured });
    return ok;
  };
  for (const p of manifest.tables) {
    await checkTable(db, p, state.before, state.refsBefore, check);
    for (const c of p.children) {
      const was = state.orphansBefore.get(refName(p, c));
      if (!was) continue;
      const now = await orphanState(db, p, c);
      check(
        `${refName(p, c)}: rows that pointed at no parent left as they were`,
        now.rows === was.rows && now.sha256 === was.sha256,
        `${was.rows} before, ${now.rows} after${now.rows === was.rows && now.sha256 !== was.sha256 ? ", content differs" : ""}`,
      );
    }
  }
  if (db.engine === "sqlite") {
    const ic = (await db.all(`PRAGMA ${integrity}`)) as Record<string, string>[];
    const lines = ic.map((r) => String(Object.values(r)[0]));
    check(`sqlite ${integrity}`, lines[0] === "ok", lines.join("; "));
    // Violations that were there before are the data's, not the migration's: only new ones fail.
    const fk = await fkViolations(db);
    const was = new Set(
      fk.length > 0 && state.fkBeforeFrom ? await state.fkBeforeFrom() : (state.fkBefore ?? []),
    );
    const added = fk.filter((v) => !was.has(v));
    check(
      "sqlite foreign_key_check: no new violations",
      added.length === 0,
      added.length > 0
        ? `${added.length} new: ${added.slice(0, 5).join(", ")}${added.length > 5 ? ", …" : ""}`
        : was.size > 0
          ? `none new; ${was.size} there before the migration, left as they were`
          : "none",
    );
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
  /** DuckDB: an order-free hash of the (child, parent) legacy value pairs. */
  pairs: string;
  /** SQLite, before: the TEMP table of (child rowid, parent rowid) pairs. */
  table?: string;
  /** SQLite, before, instead of `table`: the tables' kept copies (see keepTable). */
  kept?: { parent: string; child: string };
}

let refTables = 0;

/**
 * Which parent row each child row points at. Before: joined on the legacy key. After:
 * joined on the ULID (the rewritten key, or the added columns).
 */
async function refState(
  db: Db,
  p: TablePlan,
  c: TablePlan["children"][number],
  when: "before" | "after",
  kept: { parent?: string | undefined; child?: string | undefined } = {},
): Promise<RefState> {
  const [pc, cc] = when === "before" ? [p.key, c.column] : [p.ulidColumn, c.ulidColumn];
  const from = `FROM ${ident(c.table)} AS c JOIN ${ident(p.table)} AS p ON p.${ident(pc)} = c.${ident(cc)}`;
  if (db.engine === "duckdb") {
    // DuckDB rowids can move on update, and add-column keeps the legacy values to compare by;
    // hashed in the engine, order-free (see snapshotTable).
    const [r] = await db.all(
      `SELECT count(*) AS n, COALESCE(sum(hash(c.${ident(c.column)}, p.${ident(p.key)})::HUGEINT), 0)::VARCHAR AS h ${from}`,
    );
    return { joined: Number(r?.n ?? 0), pairs: String(r?.h) };
  }
  // SQLite, with both tables kept (the rollback is checked too): the pairs are in those copies,
  // found again by rowid after (0.3 s for three references of 200k jobs + 600k children).
  if (kept.parent && kept.child) {
    const both = { parent: kept.parent, child: kept.child };
    return { joined: await scalar(db, `SELECT COUNT(*) ${from}`), pairs: "", kept: both };
  }
  // Else the pairs kept in the engine, in a TEMP table keyed by the child's rowid, instead of
  // hashed in JavaScript (three references of 200k jobs + 600k children: 1.9 s per side, against
  // about 0.8 s for both). A child row that finds two parents (a legacy key that is not unique)
  // is kept once: `joined` counts both, which no check after can match.
  const name = ident(`ulid_ref_${++refTables}`);
  await db.execScript(
    `DROP TABLE IF EXISTS temp.${name}; CREATE TEMP TABLE ${name} (c INTEGER PRIMARY KEY, p INTEGER NOT NULL); INSERT OR IGNORE INTO temp.${name} SELECT c.rowid, p.rowid ${from} ORDER BY c.rowid;`,
  );
  return { joined: await scalar(db, `SELECT COUNT(*) ${from}`), pairs: "", table: `temp.${name}` };
}

/**
 * SQLite, after: the child rows that resolve by ULID, and how many of them resolve to another
 * parent row than their kept pair (or had none). `joined` equal to the pairs kept and none
 * `moved`: every pair now is a kept one, and as many, so they are exactly the kept ones.
 */
async function refsNow(
  db: Db,
  p: TablePlan,
  c: TablePlan["children"][number],
  was: RefState,
): Promise<{ joined: number; moved: number; dangling: number }> {
  const [pu, cu] = [ident(p.ulidColumn), ident(c.ulidColumn)];
  // The kept pair: the parent row the child's legacy value named, by the kept copies (legacy
  // keys are unique, or `joined` could not match), or by the kept pairs' table.
  const [moved, join] = was.kept
    ? [
        `kc.${ident(c.column)} IS NOT kp.${ident(p.key)}`,
        `LEFT JOIN ${was.kept.child} AS kc ON kc.rowid = c.rowid LEFT JOIN ${was.kept.parent} AS kp ON kp.rowid = p.rowid`,
      ]
    : ["k.p IS NOT p.rowid", `LEFT JOIN ${was.table} AS k ON k.c = c.rowid`];
  // One pass over the child: `dangling` (see danglingSql) asks the map only of rows that found
  // no parent.
  const [r] = await db.all(
    `SELECT COUNT(p.rowid) AS n, COALESCE(SUM(p.rowid IS NOT NULL AND ${moved}), 0) AS moved, COALESCE(SUM(p.rowid IS NULL AND c.${cu} IS NOT NULL AND c.${cu} IN (SELECT "ulid" FROM ${ident(MAP_TABLE)})), 0) AS dangling FROM ${ident(c.table)} AS c LEFT JOIN ${ident(p.table)} AS p ON p.${pu} = c.${cu} ${join}`,
  );
  return {
    joined: Number(r?.n ?? 0),
    moved: Number(r?.moved ?? 0),
    dangling: Number(r?.dangling ?? 0),
  };
}

/** Child rows holding a ULID of the map that no parent row holds: a reference the apply broke. */
function danglingSql(p: TablePlan, c: TablePlan["children"][number]): string {
  const cu = `c.${ident(c.ulidColumn)}`;
  return `FROM ${ident(c.table)} AS c WHERE ${cu} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ident(p.table)} AS p WHERE p.${ident(p.ulidColumn)} = ${cu}) AND ${cu} IN (SELECT "ulid" FROM ${ident(MAP_TABLE)})`;
}

async function checkTable(
  db: Db,
  p: TablePlan,
  before: Map<string, KeptTable>,
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
    // SQLite compares (child rowid, parent rowid) pairs; DuckDB the legacy pairs, and per row.
    let now: { joined: number };
    let same: boolean;
    let unresolved: number;
    if (e === "sqlite") {
      const after = await refsNow(db, p, c, was);
      now = after;
      same = after.joined === was.joined && after.moved === 0;
      unresolved = after.dangling;
    } else {
      const after = await refState(db, p, c, "after");
      now = after;
      same =
        after.joined === was.joined &&
        after.pairs === was.pairs &&
        (await scalar(
          db,
          `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${t} AS p ON p.${u} = c.${ident(c.ulidColumn)} WHERE p.${ident(p.key)} IS DISTINCT FROM c.${ident(c.column)}`,
        )) === 0;
      unresolved = await scalar(db, `SELECT COUNT(*) ${danglingSql(p, c)}`);
    }
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

/** What a catch-up's validation compares against: row counts and (SQLite) foreign-key state. */
export interface CatchUpBefore {
  rows: Map<string, number>;
  fkBefore: string[] | null;
}

export async function captureCatchUp(db: Db, tables: CatchUpTable[]): Promise<CatchUpBefore> {
  const rows = new Map<string, number>();
  for (const t of tables) {
    for (const name of [t.table, ...t.children.map((c) => c.table)]) {
      rows.set(name, await scalar(db, `SELECT COUNT(*) FROM ${ident(name)}`));
    }
  }
  return { rows, fkBefore: db.engine === "sqlite" ? await fkViolations(db) : null };
}

/**
 * After a catch-up: no rows added or lost, every row has a well-formed unique ULID, every child
 * row that finds its parent by the legacy column holds the parent's ULID, integrity and foreign
 * keys as before (SQLite).
 */
export async function validateCatchUp(
  db: Db,
  tables: CatchUpTable[],
  before: CatchUpBefore,
): Promise<VerifyCheck[]> {
  const checks: VerifyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const e = db.engine;
  for (const [name, was] of before.rows) {
    const n = await scalar(db, `SELECT COUNT(*) FROM ${ident(name)}`);
    check(`${name}: row count before = after`, n === was, `${was} -> ${n}`);
  }
  for (const t of tables) {
    const p = ident(t.table);
    const u = ident(t.ulidColumn);
    const where = `${t.table}.${t.ulidColumn}`;
    const nulls = await scalar(db, `SELECT COUNT(*) FROM ${p} WHERE ${u} IS NULL`);
    check(`${where}: no NULL ULID`, nulls === 0, `${nulls} NULL`);
    const bad = await scalar(db, `SELECT COUNT(*) FROM ${p} WHERE NOT ${isUlidSql(e, u)}`);
    check(`${where}: 26-char Crockford base32`, bad === 0, `${bad} malformed`);
    const dup = await scalar(db, `SELECT COUNT(${u}) - COUNT(DISTINCT ${u}) FROM ${p}`);
    check(`${where}: unique`, dup === 0, `${dup} duplicates`);
    for (const c of t.children) {
      const off = await scalar(
        db,
        `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${p} AS p ON p.${ident(t.key)} = c.${ident(c.column)} WHERE c.${ident(c.ulidColumn)} IS DISTINCT FROM p.${u}`,
      );
      check(
        `${c.table}.${c.ulidColumn}: equals the parent's ULID`,
        off === 0,
        `${off} rows differ`,
      );
    }
  }
  if (e === "sqlite") {
    const ic = (await db.all("PRAGMA integrity_check")) as { integrity_check: string }[];
    check(
      "sqlite integrity_check",
      ic[0]?.integrity_check === "ok",
      ic.map((r) => r.integrity_check).join("; "),
    );
    const was = new Set(before.fkBefore ?? []);
    const added = (await fkViolations(db)).filter((v) => !was.has(v));
    check(
      "sqlite foreign_key_check: no new violations",
      added.length === 0,
      added.length ? `${added.length} new: ${added.slice(0, 5).join(", ")}` : "none new",
    );
  }
  return checks;
}
