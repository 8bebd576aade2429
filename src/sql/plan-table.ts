// Stage 1 of `sql generate`: what migrating one configured table means in this database — its key
// and ULID columns, the child columns that reference it (foreign keys, the plan), the columns that
// may reference it without saying so (to be sampled), the indexes the column changes must work
// around, and the file names.
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import type { Engine } from "./escape.ts";
import {
  type ColumnInfo,
  colKey,
  findColumn,
  findTable,
  indexesOn,
  type SchemaInfo,
} from "./introspect.ts";
import {
  APPLY_DIR,
  type ChildRef,
  CONTRACT_DIR,
  type RecreatedIndex,
  ROLLBACK_DIR,
  type TablePlan,
} from "./manifest.ts";
import { MAP_TABLE } from "./sqltext.ts";

/** A column whose values are sampled and looked up among the key's (see references.ts). */
export interface ProbeColumn {
  table: string;
  column: string;
  /** It has the key's name. */
  byName: boolean;
}

/** True when a column of this declared type can hold a text legacy ID. */
export function holdsText(engine: Engine, type: string): boolean {
  const t = type.toUpperCase();
  if (engine === "duckdb") return t === "VARCHAR" || t.startsWith("VARCHAR(");
  // SQLite's affinity rules: INTEGER, REAL and NUMERIC columns store numbers; TEXT and none text.
  if (t.includes("INT")) return false;
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return true;
  if (t === "" || t.includes("BLOB")) return true;
  return false;
}

export function planTable(
  t: TableConfig,
  schema: SchemaInfo,
  cfg: DatabaseConfig,
  pos: { nnnn: string; undo: string },
  report: string[],
  /** The expand step already ran (a catch-up backfill): the ULID columns exist. */
  opts: { expanded?: boolean } = {},
): { plan: TablePlan; probes: ProbeColumn[] } {
  const where = `${cfg.path} (${cfg.engine})`;
  const parent = findTable(schema, t.table);
  if (!parent) throw new Error(`table ${t.table} not found in ${where}`);
  const key = findColumn(parent, t.key);
  if (!key) throw new Error(`column ${parent.name}.${t.key} not found in ${where}`);
  if (t.time.column !== undefined && !findColumn(parent, t.time.column)) {
    throw new Error(`time column ${parent.name}.${t.time.column} not found in ${where}`);
  }
  const addColumn = t.strategy === "add-column";
  const ulidColumn = addColumn ? (t.ulidColumn ?? ulidColumnFor(key.name)) : key.name;
  const newColumn = (table: string, col: string) => {
    const info = findTable(schema, table);
    if (addColumn && !opts.expanded && info && findColumn(info, col)) {
      throw new Error(
        `column ${table}.${col} already exists in ${where}: was the expand step already applied?`,
      );
    }
    return col;
  };
  newColumn(parent.name, ulidColumn);

  const children: ChildRef[] = [];
  const isChild = (table: string, column: string) =>
    children.some((c) => colKey(c.table, c.column) === colKey(table, column));
  const addChild = (table: string, column: string, source: ChildRef["source"]) => {
    if (isChild(table, column)) return;
    const ulid = !addColumn
      ? column
      : colKey(table, column) === colKey(parent.name, key.name)
        ? ulidColumn
        : ulidColumnFor(column);
    const tempIndex =
      !addColumn && cfg.engine === "sqlite" && !schema.leading.has(colKey(table, column))
        ? `ulid_tmp_${table}_${column}`.replace(/[^A-Za-z0-9_]/g, "_")
        : undefined;
    children.push({
      table,
      column,
      ulidColumn: addColumn ? newColumn(table, ulid) : ulid,
      source,
      ...(tempIndex ? { tempIndex } : {}),
      ...(findTable(schema, table)?.withoutRowid ? { withoutRowid: true } : {}),
    });
  };
  for (const fk of schema.foreignKeys) {
    if (
      fk.refTable.toLowerCase() === parent.name.toLowerCase() &&
      fk.refColumn.toLowerCase() === key.name.toLowerCase()
    ) {
      addChild(fk.table, fk.column, "foreign-key");
    }
  }
  for (const ref of t.references) {
    const child = findTable(schema, ref.table);
    const col = child && findColumn(child, ref.column);
    if (!child || !col) {
      report.push(
        `${parent.name}.${key.name}: configured reference ${ref.table}.${ref.column} does not exist in ${where}; skipped`,
      );
      continue;
    }
    addChild(child.name, col.name, "config");
  }

  const ignoredReferences: TablePlan["ignoredReferences"] = [];
  for (const ig of t.ignoreReferences) {
    const tbl = findTable(schema, ig.table);
    const col = tbl && findColumn(tbl, ig.column);
    if (!tbl || !col) {
      report.push(
        `${parent.name}.${key.name}: ignoreReferences entry ${ig.table}.${ig.column} does not exist in ${where}; skipped`,
      );
    } else if (isChild(tbl.name, col.name)) {
      report.push(
        `${parent.name}.${key.name}: ${tbl.name}.${col.name} is in ignoreReferences but is a reference (${children.find((c) => colKey(c.table, c.column) === colKey(tbl.name, col.name))?.source}); it is rewritten`,
      );
    } else {
      ignoredReferences.push({ table: tbl.name, column: col.name, reason: ig.reason });
    }
  }
  const ignored = (table: string, column: string) =>
    ignoredReferences.some((r) => colKey(r.table, r.column) === colKey(table, column));

  // Every other column that can hold a legacy ID is sampled: by name alone a reference called
  // `job_ref` (or one in a schema without foreign keys) would be missed.
  const probes: ProbeColumn[] = [];
  for (const other of schema.tables) {
    if (other.name === MAP_TABLE) continue;
    for (const c of other.columns) {
      if (
        other.name === parent.name &&
        colKey(other.name, c.name) === colKey(parent.name, key.name)
      )
        continue;
      if (isChild(other.name, c.name) || ignored(other.name, c.name)) continue;
      if (!holdsText(cfg.engine, c.type)) continue;
      probes.push({
        table: other.name,
        column: c.name,
        byName: other.name !== parent.name && sameName(c, key),
      });
    }
  }

  const legacyCols = [...children, { table: parent.name, column: key.name, source: "key" }];
  const legacyIndexes = [
    ...new Set(legacyCols.flatMap((c) => schema.indexes.get(colKey(c.table, c.column)) ?? [])),
  ];
  const contractBlockedBy: string[] = [];
  if (addColumn) {
    for (const c of legacyCols) {
      const k = colKey(c.table, c.column);
      if (schema.unique.has(k))
        contractBlockedBy.push(`${c.table}.${c.column} is UNIQUE or a PRIMARY KEY`);
      else if (c.source === "foreign-key")
        contractBlockedBy.push(`${c.table}.${c.column} has a FOREIGN KEY`);
    }
    for (const why of contractBlockedBy) {
      report.push(
        `${parent.name}.${key.name}: the contract step cannot drop legacy columns with ALTER TABLE: ${why}; that file stops at its first statement until the table is rebuilt without the constraint`,
      );
    }
  }

  // DuckDB refuses ALTER TABLE ... DROP COLUMN while any index is on the table: the rollback
  // and contract drop these first and recreate them from the catalog's own SQL afterwards.
  const recreatedIndexes: RecreatedIndex[] = [];
  if (addColumn && cfg.engine === "duckdb") {
    const altered = [...new Set([parent.name, ...children.map((c) => c.table)])];
    for (const table of altered) {
      for (const ix of indexesOn(schema, table)) {
        if (!ix.sql) {
          throw new Error(
            `index ${ix.name} on ${table} in ${where}: duckdb_indexes() has no SQL for it, so it could not be recreated after the column change; drop it before migrating and recreate it after`,
          );
        }
        recreatedIndexes.push({ table: ix.table, name: ix.name, sql: ix.sql });
      }
    }
  }

  const rebuiltIndexes: RecreatedIndex[] = [];
  if (!addColumn && cfg.engine === "sqlite") {
    for (const c of children) {
      for (const ix of indexesOn(schema, c.table)) {
        const covers = ix.columns.some((col) => col.toLowerCase() === c.column.toLowerCase());
        if (!covers || !ix.sql || rebuiltIndexes.some((r) => r.name === ix.name)) continue;
        rebuiltIndexes.push({ table: ix.table, name: ix.name, sql: ix.sql });
      }
    }
  }

  const safe = t.table.replace(/[^A-Za-z0-9_]/g, "_");
  const base = `${APPLY_DIR}/${pos.nnnn}_${safe}`;
  const plan: TablePlan = {
    table: parent.name,
    key: key.name,
    strategy: t.strategy,
    ulidColumn,
    uniqueIndex: addColumn ? `${parent.name}_${ulidColumn}_key` : undefined,
    legacyIndexes,
    contractBlockedBy,
    children,
    undeclaredReferences: [],
    ignoredReferences,
    recreatedIndexes,
    ...(rebuiltIndexes.length ? { rebuiltIndexes } : {}),
    rowCount: 0,
    sha256: "",
    mapSha256: "",
    rowsWithoutTime: 0,
    files: {
      map: [],
      expand: `${base}_2_expand.sql`,
      backfill: `${base}_3_backfill.sql`,
      rollback: `${ROLLBACK_DIR}/${pos.undo}_${safe}_rollback.sql`,
      contract: `${CONTRACT_DIR}/${pos.nnnn}_${safe}_contract.sql`,
    },
  };
  return { plan, probes };
}

/** The stem of the data files: `apply/NNNN_<table>_1_map`. */
export function mapStem(plan: TablePlan): string {
  return plan.files.expand.replace(/_2_expand\.sql$/, "_1_map");
}

function sameName(a: ColumnInfo, b: ColumnInfo): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase();
}
