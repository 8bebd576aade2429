// What the references to a key hold before the migration: child rows that already point at no
// parent (unenforced foreign keys collect them) or are NULL, and columns that hold key values
// without being declared a reference anywhere (found by sampling their values).
import { startWorker } from "../util/worker.ts";
import { scalar } from "./catalog.ts";
import type { Db } from "./db.ts";
import { type Engine, ident } from "./escape.ts";
import type { ChildRef, OrphanInfo, TablePlan, UndeclaredRef } from "./manifest.ts";
import type { ProbeColumn } from "./plan-table.ts";

/** Values sampled per column when looking for undeclared references. */
export const SAMPLE_VALUES = 1000;
/** Orphans listed one by one (the rest are counted). */
export const FIRST_ORPHANS = 5;

/** Text as the engine stores it: DuckDB's client strips a leading BOM, so read behind a `#`. */
function textExpr(db: Db, column: string, quoted = false): { expr: string; strip: boolean } {
  const c = quoted ? column : ident(column);
  return db.engine === "duckdb" ? { expr: `'#' || ${c}`, strip: true } : { expr: c, strip: false };
}

const byRow = (a: { n: number; value: string }, b: { n: number; value: string }) =>
  a.n - b.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** A reference to look for orphans in: the parent key and the child column. */
export interface OrphanSearch {
  parent: { table: string; key: string };
  child: { table: string; column: string };
  /** SQLite WITHOUT ROWID: rows are named by value only. */
  withoutRowid: boolean;
}

/**
 * The queries for one reference: its NULL count, and its rows whose value matches no parent key.
 * SQLite: the orphan values come from `child EXCEPT parent`, which it merges from the two columns'
 * indexes in order (0.5 s per 1M child rows; a NOT EXISTS lookup per row took 3 s, NOT IN in rowid
 * order 5.5 s); a child column without an index is sorted first. DuckDB: an anti-join.
 */
export function orphanQueries(engine: Engine, s: OrphanSearch): { nulls: string; rows: string } {
  const t = ident(s.child.table);
  const col = ident(s.child.column);
  const c = `c.${col}`;
  const rowid = s.withoutRowid ? "NULL" : "c.rowid";
  const nulls = `SELECT COUNT(*) FROM ${t} AS c WHERE ${c} IS NULL`;
  if (engine === "duckdb") {
    return {
      nulls,
      rows: `SELECT ${rowid}, '#' || ${c} FROM ${t} AS c WHERE ${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ident(s.parent.table)} AS p WHERE p.${ident(s.parent.key)} = ${c})`,
    };
  }
  return {
    nulls,
    rows: `SELECT ${rowid}, ${c} FROM ${t} AS c WHERE ${c} IN (SELECT ${col} FROM ${t} WHERE ${col} IS NOT NULL EXCEPT SELECT ${ident(s.parent.key)} FROM ${ident(s.parent.table)} ORDER BY 1)`,
  };
}

/** Counts orphan rows as they go by and keeps the first few by rowid. */
export class OrphanCollector {
  private first: { n: number; rowid: string; value: string }[] = [];
  private count = 0;
  constructor(private readonly strip: boolean) {}

  add(rowid: unknown, value: unknown): void {
    this.count++;
    const n = rowid === null ? Number.POSITIVE_INFINITY : Number(rowid);
    if (this.first.length === FIRST_ORPHANS && n >= (this.first.at(-1)?.n ?? 0)) return;
    const raw = String(value);
    this.first.push({
      n,
      rowid: rowid === null ? "?" : String(rowid),
      value: this.strip ? raw.slice(1) : raw,
    });
    this.first = this.first.sort(byRow).slice(0, FIRST_ORPHANS);
  }

  result(nulls: number): OrphanInfo {
    return {
      count: this.count,
      nulls,
      first: this.first.map(({ rowid, value }) => ({ rowid, value })),
    };
  }
}

/**
 * Child rows whose reference matches no parent key, and child rows where it is NULL. The
 * migration leaves both exactly as they are; they are reported so nobody blames it for them.
 */
export async function findOrphans(db: Db, s: OrphanSearch): Promise<OrphanInfo> {
  const q = orphanQueries(db.engine, s);
  const nulls = await scalar(db, q.nulls);
  const found = new OrphanCollector(db.engine === "duckdb");
  for await (const batch of db.batches(q.rows)) for (const row of batch) found.add(row[0], row[1]);
  return found.result(nulls);
}

/** The searches for a plan's children. */
export function orphanSearches(plan: TablePlan): OrphanSearch[] {
  return plan.children.map((c) => ({
    parent: { table: plan.table, key: plan.key },
    child: { table: c.table, column: c.column },
    withoutRowid: !!c.withoutRowid,
  }));
}

/**
 * On SQLite the searches cost about 0.7 s per million child rows: for large tables they run on
 * a worker thread with their own read-only connection, while this thread reads the key.
 */
export function findOrphansOnThread(file: string, searches: OrphanSearch[]): Promise<OrphanInfo[]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, "orphans-worker", {
      workerData: { file, searches },
    });
    let done = false;
    worker.on("message", (m: { results: OrphanInfo[] } | { error: string }) => {
      done = true;
      if ("results" in m) resolve(m.results);
      else reject(new Error(m.error));
      void worker.terminate();
    });
    worker.on("error", (e) => {
      done = true;
      reject(e);
    });
    worker.on("exit", (code) => {
      if (!done) reject(new Error(`orphan search thread exited (${code})`));
    });
  });
}

/** One line per orphaned reference: table, column, count, the first rows and values. */
export function orphanLine(plan: TablePlan, c: ChildRef): string | null {
  const o = c.orphans;
  if (!o || (o.count === 0 && o.nulls === 0)) return null;
  const parts: string[] = [];
  if (o.count > 0) {
    const shown = o.first.map((r) => `rowid ${r.rowid} ${JSON.stringify(r.value)}`).join(", ");
    parts.push(
      `${o.count} ${o.count === 1 ? "row points" : "rows point"} at no ${plan.table}.${plan.key} (${shown}${o.count > o.first.length ? `, … ${o.count - o.first.length} more` : ""})`,
    );
  }
  if (o.nulls > 0) parts.push(`${o.nulls} NULL`);
  return `${c.table}.${c.column} -> ${plan.table}.${plan.key}: ${parts.join("; ")}; left exactly as they are`;
}

/**
 * Sampled values of the probe columns, looked up among the key's values in one query (the key is
 * usually indexed; a lookup per key row in JS cost a second per million rows).
 */
export class KeyProbe {
  private readonly owners = new Map<string, number[]>();
  private readonly found = new Set<string>();
  private readonly sampled: number[];

  constructor(
    readonly columns: ProbeColumn[],
    samples: string[][],
  ) {
    this.sampled = samples.map((s) => s.length);
    samples.forEach((values, i) => {
      for (const v of values) {
        const o = this.owners.get(v);
        if (o) o.push(i);
        else this.owners.set(v, [i]);
      }
    });
  }

  /** Which sampled values are values of `table.key`. */
  async lookUp(db: Db, table: string, key: string): Promise<void> {
    if (this.owners.size === 0) return;
    const values = [...this.owners.keys()];
    const exists = (v: string) =>
      `EXISTS (SELECT 1 FROM ${ident(table)} AS p WHERE p.${ident(key)} = ${v})`;
    // EXISTS, not IN: SQLite would build a list of every key for IN (0.5 s per 1M keys); this
    // looks each value up in the key's index.
    const rows =
      db.engine === "sqlite"
        ? await db.all(`SELECT j.value AS v FROM json_each(?) AS j WHERE ${exists("j.value")}`, [
            JSON.stringify(values),
          ])
        : await db.all(
            `SELECT '#' || s.v AS v FROM (SELECT unnest($1::VARCHAR[]) AS v) AS s WHERE ${exists("s.v")}`,
            [values],
          );
    for (const r of rows) {
      const v = String(r.v);
      this.found.add(db.engine === "duckdb" ? v.slice(1) : v);
    }
  }

  /** Columns found by name or by value, with the overlap. */
  results(): UndeclaredRef[] {
    const matched = this.columns.map(() => 0);
    for (const v of this.found)
      for (const i of this.owners.get(v) ?? []) matched[i] = (matched[i] ?? 0) + 1;
    const out: UndeclaredRef[] = [];
    this.columns.forEach((c, i) => {
      const m = matched[i] as number;
      const by: UndeclaredRef["by"] = [];
      if (c.byName) by.push("name");
      if (m > 0) by.push("value");
      if (by.length > 0) {
        out.push({
          table: c.table,
          column: c.column,
          by,
          sampled: this.sampled[i] as number,
          matched: m,
        });
      }
    });
    return out;
  }
}

/** The first SAMPLE_VALUES distinct text values of each probe column, in scan order. */
export async function sampleProbes(db: Db, probes: ProbeColumn[]): Promise<KeyProbe> {
  const samples: string[][] = [];
  for (const p of probes) {
    const v = textExpr(db, p.column);
    const c = ident(p.column);
    // Scan order, not sorted: cheap, and the same file gives the same sample.
    const where = db.engine === "sqlite" ? `typeof(${c}) = 'text'` : `${c} IS NOT NULL`;
    const rows = await db.all(
      `SELECT ${v.expr} AS v FROM ${ident(p.table)} WHERE ${where} LIMIT ${SAMPLE_VALUES}`,
    );
    const values = new Set<string>();
    for (const r of rows) values.add(v.strip ? String(r.v).slice(1) : String(r.v));
    samples.push([...values]);
  }
  return new KeyProbe(probes, samples);
}

/** One line per undeclared reference: what it is, how it was found, what to do. */
export function undeclaredLine(plan: TablePlan, u: UndeclaredRef): string {
  const how = [
    ...(u.by.includes("name") ? [`named like ${plan.table}.${plan.key}`] : []),
    u.sampled === 0
      ? "no values to sample"
      : `${u.matched} of ${u.sampled} sampled values are ${plan.table}.${plan.key} values`,
  ].join(", ");
  return `${u.table}.${u.column} (${how})`;
}

/** What `migrate` shows about a system's references: in the confirmation, summary and PR body. */
export interface ReferenceFindings {
  /** Columns that look like references but are in neither `references` nor `ignoreReferences`. */
  undeclared: string[];
  /** References whose rows already pointed at no parent (or are NULL): left as they are. */
  orphans: string[];
  /** Columns the plan says are not references, with its reason. */
  ignored: string[];
}

export function referenceFindings(plans: TablePlan[]): ReferenceFindings {
  return {
    undeclared: plans.flatMap((p) =>
      p.undeclaredReferences.map(
        (u) => `${undeclaredLine(p, u)}: not in the plan for ${p.table}.${p.key}`,
      ),
    ),
    orphans: plans.flatMap((p) =>
      p.children.map((c) => orphanLine(p, c)).filter((l): l is string => l !== null),
    ),
    ignored: plans.flatMap((p) =>
      p.ignoredReferences.map(
        (r) => `${r.table}.${r.column} (for ${p.table}.${p.key}): ${r.reason}`,
      ),
    ),
  };
}
