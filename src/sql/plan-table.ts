// Stage 1 of `sql generate`: what migrating one configured table means in this database — its key
// and ULID columns, the child columns that reference it (foreign keys, the plan), likely references,
// the indexes the contract step drops, and the file names.
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import { colKey, findColumn, findTable, type SchemaInfo } from "./introspect.ts";
import type { ChildRef, TablePlan } from "./manifest.ts";
import { MAP_TABLE } from "./sqltext.ts";

export function planTable(
  t: TableConfig,
  schema: SchemaInfo,
  cfg: DatabaseConfig,
  nnnn: string,
  report: string[],
): TablePlan {
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
    if (addColumn && info && findColumn(info, col)) {
      throw new Error(
        `column ${table}.${col} already exists in ${where}: was the expand step already applied?`,
      );
    }
    return col;
  };
  newColumn(parent.name, ulidColumn);

  const children: ChildRef[] = [];
  const addChild = (table: string, column: string, source: ChildRef["source"]) => {
    if (children.some((c) => colKey(c.table, c.column) === colKey(table, column))) return;
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
  const likelyReferences: { table: string; column: string }[] = [];
  for (const other of schema.tables) {
    if (other.name === parent.name || other.name === MAP_TABLE) continue;
    const c = findColumn(other, key.name);
    if (!c || c.type.toLowerCase() !== key.type.toLowerCase()) continue;
    if (children.some((ch) => colKey(ch.table, ch.column) === colKey(other.name, c.name))) continue;
    likelyReferences.push({ table: other.name, column: c.name });
    report.push(
      `${parent.name}.${key.name}: ${other.name}.${c.name} has the same name and type but no foreign key; likely a reference (add it to references to migrate it)`,
    );
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
  const base = `${nnnn}_${t.table.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return {
    table: parent.name,
    key: key.name,
    strategy: t.strategy,
    ulidColumn,
    uniqueIndex: addColumn ? `${parent.name}_${ulidColumn}_key` : undefined,
    legacyIndexes,
    contractBlockedBy,
    children,
    likelyReferences,
    rowCount: 0,
    sha256: "",
    rowsWithoutTime: 0,
    files: {
      expand: `${base}_expand.sql`,
      parts: [],
      backfill: `${base}_backfill.sql`,
      rollback: `${base}_rollback.sql`,
      contract: `${base}_contract.sql`,
    },
  };
}
