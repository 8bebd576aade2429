// manifest.json: what `sql generate` wrote, in which order the files apply, and what each table's
// plan is. Apply, verify and rollback read it; nothing else describes the files.
import fs from "node:fs";
import path from "node:path";
import type { TableConfig } from "../plan/database.ts";
import type { DatabaseReport } from "../report/schema.ts";
import type { Engine } from "./escape.ts";

export const MANIFEST = "manifest.json";

export interface ChildRef {
  table: string;
  column: string;
  /** add-column: the child's new column; rewrite-in-place: same as `column`. */
  ulidColumn: string;
  source: "foreign-key" | "config";
  /**
   * rewrite-in-place on SQLite with foreign keys on: every parent key change scans child
   * tables for references, so unindexed child columns get an index for the duration.
   */
  tempIndex?: string;
}

export interface TablePlan {
  table: string;
  key: string;
  strategy: TableConfig["strategy"];
  /** Column holding the ULID after backfill (the key itself for rewrite-in-place). */
  ulidColumn: string;
  uniqueIndex?: string;
  /** Plain indexes on the legacy columns, dropped by the contract step. */
  legacyIndexes: string[];
  /** Why the contract step cannot run (constraints ALTER TABLE cannot drop); empty if it can. */
  contractBlockedBy: string[];
  children: ChildRef[];
  likelyReferences: { table: string; column: string }[];
  rowCount: number;
  sha256: string;
  rowsWithoutTime: number;
  files: { expand: string; parts: string[]; backfill: string; rollback: string; contract: string };
}

export interface Manifest {
  system: string;
  engine: Engine;
  toolVersion: string;
  salt: string;
  tables: TablePlan[];
  /** Apply order (names relative to the manifest). */
  apply: string[];
  /** Undo order: tables in reverse. */
  rollback: string[];
  /** Separate, later step; never applied with the others. */
  contract: string[];
}

export function readManifest(outDir: string): Manifest {
  const file = path.join(outDir, MANIFEST);
  if (!fs.existsSync(file)) {
    throw new Error(`no ${MANIFEST} in ${outDir}: run \`ulid-codemod sql generate\` first`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

/** A table's plan as the report shows it. */
export function tableReport(t: TablePlan): DatabaseReport["tables"][number] {
  return {
    table: t.table,
    key: t.key,
    strategy: t.strategy,
    ulidColumn: t.ulidColumn,
    rows: t.rowCount,
    rowsWithoutTime: t.rowsWithoutTime,
    files: [t.files.expand, ...t.files.parts, t.files.backfill],
    children: t.children.map((c) => ({ table: c.table, column: c.column, source: c.source })),
    likelyReferences: t.likelyReferences.map((l) => ({ table: l.table, column: l.column })),
    contractBlockedBy: t.contractBlockedBy,
  };
}
