// `ulid-codemod trace ID`: where an ID lives after the migration. Every system's mapping table is
// asked (read-only) both ways, legacy ID -> ULID and ULID -> legacy ID, by index lookups only:
// SQLite's primary key (table_name, legacy_id) and unique index (table_name, ulid); DuckDB's
// single-column indexes on legacy_id and ulid (DuckDB uses an index only for a scan filtered by
// one indexed column alone, so the table name is matched here, on the few rows it returns).
import fs from "node:fs";
import { decodeTime } from "ulid";
import type { SystemConfig } from "../plan/schema.ts";
import { scalar, tableNames } from "../sql/catalog.ts";
import { type Db, openDb } from "../sql/db.ts";
import { type Engine, ident, sqlString } from "../sql/escape.ts";
import { colKey, readSchema } from "../sql/introspect.ts";
import { MAP_TABLE } from "../sql/sqltext.ts";
import { listBackups } from "./backup.ts";

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Crockford base32 reads I/L as 1 and O as 0, in any case. */
function normalizeUlid(id: string): string | null {
  const up = id.trim().toUpperCase().replace(/[IL]/g, "1").replace(/O/g, "0");
  return ULID_RE.test(up) ? up : null;
}

/** The millisecond a ULID encodes, as ISO-8601. */
export function ulidTime(ulid: string): string {
  return new Date(decodeTime(ulid)).toISOString();
}

export interface ChildCount {
  table: string;
  column: string;
  count: number;
  /** False: the column leads no index, so the count scanned the table. */
  indexed: boolean;
}

export interface TraceHit {
  system: string;
  table: string;
  legacyId: string;
  ulid: string;
  /** The time encoded in the ULID (ISO-8601). */
  time: string;
  /** Which way it was found: the ID given is this row's legacy ID or its ULID. */
  matched: "legacy" | "ulid";
  /** Child tables referencing the row (by its legacy ID or its ULID), with counts. */
  children: ChildCount[];
}

export interface TraceResult {
  id: string;
  /** The ID read as a ULID (normalized), or null. */
  ulid: string | null;
  /** The time the ULID encodes, when the ID is one: shown even when no map has it. */
  time: string | null;
  hits: TraceHit[];
  /** Systems whose mapping tables were asked. */
  searched: string[];
  /** Systems that could not be asked, and why (no database, not migrated, unreadable). */
  notes: { system: string; reason: string }[];
}

/**
 * The lookups of one value in a map (one per table on SQLite, one for all on DuckDB), exported so
 * a test can check the engines run them as index lookups.
 */
export function lookupSql(
  engine: Engine,
  tables: readonly string[],
  by: "legacy_id" | "ulid",
  value: string,
): string[] {
  const select = `SELECT "table_name", "legacy_id", "ulid" FROM ${ident(MAP_TABLE)} WHERE ${ident(by)} = ${sqlString(value, engine)}`;
  if (engine === "duckdb") return [select];
  return tables.map((t) => `${select} AND "table_name" = ${sqlString(t, engine)}`);
}

/** The references to a keyed table: from the newest backup marker (what the migration changed), else the schema and plan. */
async function referencesOf(
  system: SystemConfig,
  db: Db,
  table: string,
  schema: Awaited<ReturnType<typeof readSchema>>,
): Promise<{ table: string; column: string }[]> {
  const cfg = system.database;
  if (!cfg) return [];
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  for (const m of listBackups(cfg)) {
    const t = m.migration?.find((x) => same(x.table, table));
    if (t) return t.children.map((c) => ({ table: c.table, column: c.column }));
  }
  const t = cfg.tables.find((x) => same(x.table, table));
  const refs = [
    ...(t?.references ?? []),
    ...schema.foreignKeys
      .filter((fk) => same(fk.refTable, table) && t && same(fk.refColumn, t.key))
      .map((fk) => ({ table: fk.table, column: fk.column })),
  ];
  const existing = new Set(await tableNames(db));
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = colKey(r.table, r.column);
    if (seen.has(k) || ![...existing].some((e) => same(e, r.table))) return false;
    seen.add(k);
    return true;
  });
}

async function traceSystem(
  system: SystemConfig,
  id: string,
  ulid: string | null,
  out: TraceResult,
): Promise<void> {
  const cfg = system.database;
  if (!cfg) {
    out.notes.push({ system: system.name, reason: "no database in the plan" });
    return;
  }
  if (!fs.existsSync(cfg.path)) {
    out.notes.push({ system: system.name, reason: `${cfg.path} does not exist` });
    return;
  }
  let db: Db;
  try {
    db = await openDb(cfg.engine, cfg.path, { readOnly: true });
  } catch (e) {
    out.notes.push({ system: system.name, reason: `cannot be read: ${(e as Error).message}` });
    return;
  }
  try {
    if (!(await tableNames(db)).includes(MAP_TABLE)) {
      out.notes.push({
        system: system.name,
        reason: `not migrated (no ${MAP_TABLE} in ${cfg.path})`,
      });
      return;
    }
    out.searched.push(system.name);
    let schema: Awaited<ReturnType<typeof readSchema>> | undefined;
    const tables = cfg.tables.map((t) => t.table);
    const found: {
      table: string;
      legacy_id: unknown;
      ulid: unknown;
      matched: "legacy" | "ulid";
    }[] = [];
    for (const [by, value, matched] of [
      ["legacy_id", id, "legacy"],
      ...(ulid ? [["ulid", ulid, "ulid"] as const] : []),
    ] as const) {
      for (const sql of lookupSql(cfg.engine, tables, by, value)) {
        for (const row of await db.all(sql)) {
          const table = tables.find((x) => x === row.table_name);
          if (table) found.push({ table, legacy_id: row.legacy_id, ulid: row.ulid, matched });
        }
      }
    }
    for (const f of found) {
      const legacyId = String(f.legacy_id);
      const rowUlid = String(f.ulid);
      schema ??= await readSchema(db);
      const children: ChildCount[] = [];
      for (const ref of await referencesOf(system, db, f.table, schema)) {
        // Whichever the column holds now: the ULID (rewrite-in-place) or the legacy ID (add-column).
        const count = await scalar(
          db,
          `SELECT COUNT(*) FROM ${ident(ref.table)} WHERE ${ident(ref.column)} IN (${sqlString(legacyId, cfg.engine)}, ${sqlString(rowUlid, cfg.engine)})`,
        );
        children.push({
          table: ref.table,
          column: ref.column,
          count,
          indexed: schema.leading.has(colKey(ref.table, ref.column)),
        });
      }
      out.hits.push({
        system: system.name,
        table: f.table,
        legacyId,
        ulid: rowUlid,
        time: normalizeUlid(rowUlid) ? ulidTime(rowUlid) : "",
        matched: f.matched,
        children,
      });
    }
  } finally {
    db.close();
  }
}

/** Looks `id` up in every system's mapping table; systems that cannot be asked are noted. */
export async function traceId(id: string, systems: readonly SystemConfig[]): Promise<TraceResult> {
  const ulid = normalizeUlid(id);
  const out: TraceResult = {
    id,
    ulid,
    time: ulid ? ulidTime(ulid) : null,
    hits: [],
    searched: [],
    notes: [],
  };
  for (const s of systems) await traceSystem(s, id, ulid, out);
  return out;
}
