import { tableNames } from "./catalog.ts";
import type { Db } from "./db.ts";
import { sqlString } from "./escape.ts";

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** SQLite `WITHOUT ROWID` tables have no rowid to name rows by. */
  withoutRowid?: boolean;
}

/** A user-created index (not a PRIMARY KEY/UNIQUE constraint's own). */
export interface IndexInfo {
  table: string;
  name: string;
  /** The catalog's CREATE INDEX text: what recreating it runs. */
  sql: string | null;
  unique: boolean;
  columns: string[];
}

export interface ForeignKey {
  table: string;
  column: string;
  refTable: string;
  refColumn: string;
}

/** What the database itself says about its tables. */
export interface SchemaInfo {
  tables: TableInfo[];
  foreignKeys: ForeignKey[];
  /** `table.column` (lower case) of single-column UNIQUE/PRIMARY KEY constraints. */
  unique: Set<string>;
  /** Plain (droppable) indexes by `table.column` (lower case). */
  indexes: Map<string, string[]>;
  /** `table.column` (lower case) that lead some index, so lookups by them are cheap. */
  leading: Set<string>;
  /** Every user-created index, by table then name. */
  tableIndexes: IndexInfo[];
}

/** The user-created indexes on `table`, in name order. */
export function indexesOn(schema: SchemaInfo, table: string): IndexInfo[] {
  const t = table.toLowerCase();
  return schema.tableIndexes.filter((ix) => ix.table.toLowerCase() === t);
}

export function findTable(schema: SchemaInfo, name: string): TableInfo | undefined {
  const lower = name.toLowerCase();
  return (
    schema.tables.find((t) => t.name === name) ??
    schema.tables.find((t) => t.name.toLowerCase() === lower)
  );
}

export function findColumn(table: TableInfo, name: string): ColumnInfo | undefined {
  const lower = name.toLowerCase();
  return (
    table.columns.find((c) => c.name === name) ??
    table.columns.find((c) => c.name.toLowerCase() === lower)
  );
}

export const colKey = (table: string, column: string) =>
  `${table.toLowerCase()}.${column.toLowerCase()}`;

export async function readSchema(db: Db): Promise<SchemaInfo> {
  return db.engine === "sqlite" ? readSqliteSchema(db) : readDuckSchema(db);
}

async function readSqliteSchema(db: Db): Promise<SchemaInfo> {
  const names = await tableNames(db);
  const tables: TableInfo[] = [];
  const foreignKeys: ForeignKey[] = [];
  const unique = new Set<string>();
  const indexes = new Map<string, string[]>();
  const leading = new Set<string>();
  const tableIndexes: IndexInfo[] = [];
  const sqlOf = new Map(
    (
      (await db.all("SELECT name, sql FROM sqlite_schema WHERE type IN ('table', 'index')")) as {
        name: string;
        sql: string | null;
      }[]
    ).map((r) => [r.name, r.sql]),
  );
  for (const name of names) {
    const lit = sqlString(name, "sqlite");
    const cols = (await db.all(
      `SELECT name, type, pk FROM pragma_table_info(${lit}) ORDER BY cid`,
    )) as {
      name: string;
      type: string;
      pk: number;
    }[];
    const withoutRowid = /\bWITHOUT\s+ROWID\b/i.test(sqlOf.get(name) ?? "");
    tables.push({
      name,
      columns: cols.map((c) => ({ name: c.name, type: c.type })),
      ...(withoutRowid ? { withoutRowid } : {}),
    });
    const pks = cols.filter((c) => c.pk > 0);
    if (pks.length === 1) unique.add(colKey(name, (pks[0] as { name: string }).name));
    const fks = (await db.all(
      `SELECT id, "table" AS ref, "from" AS col, "to" AS refcol FROM pragma_foreign_key_list(${lit})`,
    )) as { id: number; ref: string; col: string; refcol: string | null }[];
    for (const fk of fks) {
      // Composite keys are not single-column references to a legacy ID.
      if (fks.filter((f) => f.id === fk.id).length !== 1) continue;
      foreignKeys.push({
        table: name,
        column: fk.col,
        refTable: fk.ref,
        refColumn: fk.refcol ?? "",
      });
    }
    const idx = (await db.all(
      `SELECT name, "unique" AS uq, origin FROM pragma_index_list(${lit})`,
    )) as { name: string; uq: number; origin: string }[];
    for (const ix of idx) {
      const ixCols = (await db.all(
        `SELECT name FROM pragma_index_info(${sqlString(ix.name, "sqlite")}) ORDER BY seqno`,
      )) as { name: string | null }[];
      if (ixCols[0]?.name) leading.add(colKey(name, ixCols[0].name));
      if (ix.origin === "c") {
        tableIndexes.push({
          table: name,
          name: ix.name,
          sql: sqlOf.get(ix.name) ?? null,
          unique: !!ix.uq,
          columns: ixCols.map((c) => c.name ?? "<expression>"),
        });
      }
      for (const c of ixCols) {
        if (c.name === null) continue;
        if (ix.uq && ixCols.length === 1) unique.add(colKey(name, c.name));
        if (ix.origin === "c") {
          const k = colKey(name, c.name);
          indexes.set(k, [...(indexes.get(k) ?? []), ix.name]);
        }
      }
    }
  }
  // `REFERENCES jobs` without a column means the parent's primary key.
  for (const fk of foreignKeys) {
    if (fk.refColumn === "") {
      const parent = tables.find((t) => t.name.toLowerCase() === fk.refTable.toLowerCase());
      const pk = parent?.columns.find((c) => unique.has(colKey(parent.name, c.name)));
      fk.refColumn = pk?.name ?? "";
    }
  }
  tableIndexes.sort((a, b) => a.table.localeCompare(b.table) || a.name.localeCompare(b.name));
  return { tables, foreignKeys, unique, indexes, leading, tableIndexes };
}

async function readDuckSchema(db: Db): Promise<SchemaInfo> {
  const where =
    "database_name = current_database() AND schema_name = current_schema() AND NOT internal";
  const cols = (await db.all(
    `SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE ${where} ORDER BY table_name, column_index`,
  )) as { table_name: string; column_name: string; data_type: string }[];
  const tables: TableInfo[] = [];
  for (const c of cols) {
    let t = tables.find((x) => x.name === c.table_name);
    if (!t) {
      t = { name: c.table_name, columns: [] };
      tables.push(t);
    }
    t.columns.push({ name: c.column_name, type: c.data_type });
  }
  const cons = (await db.all(
    `SELECT table_name, constraint_type, constraint_column_names AS cols, referenced_table, referenced_column_names AS refcols FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = current_schema()`,
  )) as {
    table_name: string;
    constraint_type: string;
    cols: string[];
    referenced_table: string | null;
    refcols: string[] | null;
  }[];
  const foreignKeys: ForeignKey[] = [];
  const unique = new Set<string>();
  for (const c of cons) {
    if (c.constraint_type === "FOREIGN KEY" && c.cols.length === 1 && c.refcols?.length === 1) {
      foreignKeys.push({
        table: c.table_name,
        column: c.cols[0] as string,
        refTable: c.referenced_table ?? "",
        refColumn: c.refcols[0] as string,
      });
    }
    if (
      (c.constraint_type === "UNIQUE" || c.constraint_type === "PRIMARY KEY") &&
      c.cols.length === 1
    ) {
      unique.add(colKey(c.table_name, c.cols[0] as string));
    }
  }
  const idx = (await db.all(
    `SELECT index_name, table_name, expressions, sql, is_unique FROM duckdb_indexes() WHERE database_name = current_database() AND schema_name = current_schema() ORDER BY table_name, index_name`,
  )) as {
    index_name: string;
    table_name: string;
    expressions: string | string[];
    sql: string | null;
    is_unique: boolean;
  }[];
  const indexes = new Map<string, string[]>();
  const tableIndexes: IndexInfo[] = [];
  for (const ix of idx) {
    const exprs = duckExpressions(ix.expressions);
    for (const col of exprs) {
      const k = colKey(ix.table_name, col);
      indexes.set(k, [...(indexes.get(k) ?? []), ix.index_name]);
    }
    tableIndexes.push({
      table: ix.table_name,
      name: ix.index_name,
      sql: ix.sql,
      unique: !!ix.is_unique,
      columns: exprs,
    });
  }
  return { tables, foreignKeys, unique, indexes, leading: new Set(indexes.keys()), tableIndexes };
}

/** `duckdb_indexes().expressions` is a list, or its text `[a, "b c"]` on some versions. */
function duckExpressions(e: string | string[]): string[] {
  const list = Array.isArray(e) ? e : e.replace(/^\[|\]$/g, "").split(/,\s*/);
  return list.map((x) => x.replace(/^'?"?|"?'?$/g, "")).filter((x) => x !== "");
}
