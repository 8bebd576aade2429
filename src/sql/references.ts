// What the references to a key hold before the migration: child rows that already point at no
// parent (unenforced foreign keys collect them) or are NULL, and columns that hold key values
// without being declared a reference anywhere (found by sampling their values).
import type { Db } from "./db.ts";
import { ident } from "./escape.ts";
import type { SchemaInfo } from "./introspect.ts";
import { findTable } from "./introspect.ts";
import type { ChildRef, OrphanInfo, TablePlan, UndeclaredRef } from "./manifest.ts";
import type { ProbeColumn } from "./plan-table.ts";

/** Values sampled per column when looking for undeclared references. */
export const SAMPLE_VALUES = 1000;
/** Orphans listed one by one (the rest are counted). */
export const FIRST_ORPHANS = 5;

/** Text as the engine stores it: DuckDB's client strips a leading BOM, so read behind a `#`. */
function textExpr(db: Db, column: string): { expr: string; strip: boolean } {
  const c = ident(column);
  return db.engine === "duckdb" ? { expr: `'#' || ${c}`, strip: true } : { expr: c, strip: false };
}

/**
 * Child rows whose reference matches no parent key, and child rows where it is NULL. The
 * migration leaves both exactly as they are; they are reported so nobody blames it for them.
 */
export async function findOrphans(
  db: Db,
  schema: SchemaInfo,
  plan: TablePlan,
  child: ChildRef,
): Promise<OrphanInfo> {
  const c = ident(child.column);
  const t = ident(child.table);
  const nulls = await db.all(`SELECT COUNT(*) AS n FROM ${t} WHERE ${c} IS NULL`);
  const rowid = findTable(schema, child.table)?.withoutRowid ? "NULL" : "rowid";
  const v = textExpr(db, child.column);
  // NOT IN over the parent's keys: one lookup per child row (the key is usually indexed).
  const sql = `SELECT ${rowid}, ${v.expr} FROM ${t} WHERE ${c} IS NOT NULL AND ${c} NOT IN (SELECT ${ident(plan.key)} FROM ${ident(plan.table)} WHERE ${ident(plan.key)} IS NOT NULL) ORDER BY ${rowid === "NULL" ? c : "rowid"}`;
  const first: OrphanInfo["first"] = [];
  let count = 0;
  for await (const batch of db.batches(sql)) {
    for (const row of batch) {
      count++;
      if (first.length < FIRST_ORPHANS) {
        const raw = String(row[1]);
        first.push({
          rowid: row[0] === null ? "?" : String(row[0]),
          value: v.strip ? raw.slice(1) : raw,
        });
      }
    }
  }
  return { count, nulls: Number(nulls[0]?.n ?? 0), first };
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
 * Sampled values of the probe columns, looked up among the key's values while the key is read
 * (see readRows): one Set lookup per key row, whatever the number of columns.
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

  get empty(): boolean {
    return this.owners.size === 0;
  }

  /** Before a (re)read of the key column. */
  reset(): void {
    this.found.clear();
  }

  see(key: string): void {
    if (this.owners.has(key)) this.found.add(key);
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
