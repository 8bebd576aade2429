// Stage 4 of `sql generate`: one table's files — expand, backfill (with its part files), rollback and
// contract — each with a header saying what it does, in which order, and how to check it.
import path from "node:path";
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { isUlidSql } from "./catalog.ts";
import { commentText, ident, sqlString } from "./escape.ts";
import type { TablePlan } from "./manifest.ts";
import { SqlFile } from "./sql-file.ts";
import {
  beginTx,
  guard,
  guardSetup,
  MAP_TABLE,
  mapDdl,
  textType,
  updateFromMap,
} from "./sqltext.ts";

export interface WriteCtx {
  staging: string;
  cfg: DatabaseConfig;
  system: string;
  toolVersion: string;
  plan: TablePlan;
  time: TableConfig["time"];
  /** The mapping rows' INSERT statements: one file per part (see mapTable). */
  bodies: string[];
}

function header(ctx: WriteCtx, step: string, what: string, order: string): string {
  const { cfg, plan, time } = ctx;
  const lines = [
    `ulid-codemod ${ctx.toolVersion}: ${step} step for ${ctx.system} ${plan.table}.${plan.key} (${plan.strategy})`,
    what,
    `source database: ${path.basename(cfg.path)} (${cfg.engine})`,
    `table: ${plan.table}  key: ${plan.key}  rows: ${plan.rowCount}`,
    `ULID time: ${time.column !== undefined ? `column ${time.column}` : `legacy ID pattern ${time.fromKey}`}, naive times in ${time.zone}; rows without a usable time take the nearest earlier row's time (${plan.rowsWithoutTime} rows)`,
    `salt: ${cfg.salt}`,
    `sha256 of (rowid, key, time) data generated from: ${plan.sha256}`,
    ...(plan.children.length > 0
      ? [
          `references: ${plan.children.map((c) => `${c.table}.${c.column} (${c.source})`).join(", ")}`,
        ]
      : []),
    order,
    cfg.engine === "sqlite"
      ? "Runs in one transaction; a guard aborts it if the row count differs from the one above."
      : "One transaction for the data; DuckDB index changes get their own (it cannot change an index and its columns together). A guard aborts if the row count differs from the one above.",
    ...(cfg.engine === "sqlite"
      ? [
          "Apply with `sqlite3 -bail DB < FILE` (without -bail the sqlite3 shell runs on after an error).",
        ]
      : []),
  ];
  return `${lines.map((l) => `-- ${commentText(l)}`).join("\n")}\n\n`;
}

function orderLine(plan: TablePlan): string {
  const f = plan.files;
  return `apply order: ${[f.expand, ...f.parts, f.backfill].join(", ")}; undo with ${f.rollback}; ${f.contract} is a separate, later step`;
}

function validationComment(ctx: WriteCtx): string {
  const { plan, cfg } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const u = ident(plan.ulidColumn);
  const fmt = `NOT ${isUlidSql(e, u)}`;
  const q = [
    `SELECT COUNT(*) FROM ${p};  -- expect ${plan.rowCount}`,
    `SELECT COUNT(*) FROM ${p} WHERE ${u} IS NULL;  -- expect 0`,
    `SELECT COUNT(*) FROM ${p} WHERE ${fmt};  -- expect 0`,
    `SELECT COUNT(*) - COUNT(DISTINCT ${u}) FROM ${p};  -- expect 0`,
    `SELECT COUNT(*) FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(plan.table, e)};  -- expect ${plan.rowCount}`,
    ...plan.children.map((c) =>
      plan.strategy === "add-column"
        ? `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${p} AS p ON p.${ident(plan.key)} = c.${ident(c.column)} WHERE c.${ident(c.ulidColumn)} IS DISTINCT FROM p.${u};  -- expect 0`
        : `SELECT COUNT(*) FROM ${ident(c.table)} AS c JOIN ${ident(MAP_TABLE)} AS m ON m."table_name" = ${sqlString(plan.table, e)} AND m."legacy_id" = c.${ident(c.column)};  -- expect 0 (no legacy reference left)`,
    ),
    ...(e === "sqlite"
      ? ["PRAGMA integrity_check;  -- expect ok", "PRAGMA foreign_key_check;  -- expect no rows"]
      : []),
  ];
  return `\n-- Validation queries (run after the backfill):\n${q.map((l) => `--   ${commentText(l)}`).join("\n")}\n`;
}

export function writeTableFiles(ctx: WriteCtx): void {
  const { cfg, plan } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const parentLit = sqlString(plan.table, e);
  const rowsGuard = guard(e, `row count of ${plan.table}`, p, plan.rowCount);
  const addColumn = plan.strategy === "add-column";
  // More than one body means the mapping rows are split into part files.
  const partBodies = ctx.bodies.length > 1 ? ctx.bodies : [];
  const nParts = partBodies.length;
  const stem = plan.files.backfill.replace(/\.sql$/, "");
  plan.files.parts = partBodies.map((_, i) => `${stem}_part${String(i + 1).padStart(4, "0")}.sql`);
  const order = orderLine(plan);
  const open = (name: string) => new SqlFile(path.join(ctx.staging, name));

  // expand
  const ex = open(plan.files.expand);
  ex.write(
    header(
      ctx,
      "expand",
      "Adds the mapping table (and, for add-column, the new ULID columns).",
      order,
    ),
  );
  ex.write(beginTx(e) + guardSetup(e) + rowsGuard + mapDdl(e));
  if (addColumn) {
    ex.write(`ALTER TABLE ${p} ADD COLUMN ${ident(plan.ulidColumn)} ${textType(e)};\n`);
    for (const c of plan.children) {
      ex.write(`ALTER TABLE ${ident(c.table)} ADD COLUMN ${ident(c.ulidColumn)} ${textType(e)};\n`);
    }
    // DuckDB turns updates of an indexed column into delete+insert, which breaks on rows that
    // foreign keys reference; there the index is created after the backfill instead.
    if (e === "sqlite") ex.write(uniqueIndexSql(plan));
  }
  ex.write("COMMIT;\n");
  ex.close();

  {
    const partRows = ctx.cfg.partRows;
    for (const [i, name] of plan.files.parts.entries()) {
      const part = open(name);
      const n = Math.min(partRows, plan.rowCount - i * partRows);
      part.write(
        header(
          ctx,
          `backfill part ${i + 1} of ${nParts}`,
          `Loads ${n} rows of the mapping table; changes no ${plan.table} rows.`,
          order,
        ),
      );
      part.write(beginTx(e) + guardSetup(e) + rowsGuard);
      part.append(partBodies[i] as string);
      part.write("COMMIT;\n");
      part.close();
    }
    const bf = open(plan.files.backfill);
    bf.write(
      header(
        ctx,
        "backfill",
        addColumn
          ? `Fills ${plan.table}.${plan.ulidColumn} and every reference's ULID column from the mapping table.`
          : `Rewrites ${plan.table}.${plan.key} and every reference to it to ULIDs, via the mapping table (kept for rollback).`,
        order,
      ),
    );
    bf.write(beginTx(e));
    // Children are rewritten before the parent, so FK checks (deferred) and RESTRICT both hold.
    if (!addColumn) bf.write("PRAGMA defer_foreign_keys = ON;\n");
    bf.write(guardSetup(e) + rowsGuard);
    if (nParts === 0 && ctx.bodies[0]) bf.append(ctx.bodies[0]);
    bf.write(
      guard(
        e,
        `mapping rows for ${plan.table}`,
        `${ident(MAP_TABLE)} WHERE "table_name" = ${parentLit}`,
        plan.rowCount,
      ),
    );
    bf.write(tempIndexes(plan, "create"));
    for (const c of plan.children) {
      bf.write(updateFromMap(c.table, c.ulidColumn, c.column, plan.table, "legacy_id", "ulid", e));
    }
    bf.write(
      updateFromMap(plan.table, plan.ulidColumn, plan.key, plan.table, "legacy_id", "ulid", e),
    );
    bf.write(
      guard(
        e,
        `rows of ${plan.table} without a mapped ULID`,
        `${p} WHERE NOT EXISTS (SELECT 1 FROM ${ident(MAP_TABLE)} AS m WHERE m."table_name" = ${parentLit} AND m."ulid" = ${p}.${ident(plan.ulidColumn)})`,
        0,
      ),
    );
    bf.write(tempIndexes(plan, "drop"));
    if (addColumn && e === "duckdb") {
      // Checked here so the index transaction below cannot fail on duplicates.
      bf.write(
        guard(
          e,
          `duplicate ULIDs in ${plan.table}`,
          `(SELECT 1 FROM ${p} GROUP BY ${ident(plan.ulidColumn)} HAVING COUNT(*) > 1)`,
          0,
        ),
      );
      // DuckDB cannot index a column with uncommitted updates: own transaction, after the data.
      bf.write(`COMMIT;\n${beginTx(e)}${uniqueIndexSql(plan)}`);
    }
    bf.write("COMMIT;\n");
    bf.write(validationComment(ctx));
    bf.close();
  }

  // rollback
  const rb = open(plan.files.rollback);
  rb.write(
    header(
      ctx,
      "rollback",
      addColumn
        ? "Drops the added ULID columns and index and this table's mapping rows."
        : `Restores the legacy ${plan.key} values from the mapping table, then removes this table's mapping rows.`,
      order,
    ),
  );
  rb.write(beginTx(e));
  if (!addColumn) rb.write("PRAGMA defer_foreign_keys = ON;\n");
  rb.write(guardSetup(e) + rowsGuard);
  if (addColumn) {
    rb.write(`DROP INDEX IF EXISTS ${ident(plan.uniqueIndex as string)};\n`);
    if (e === "duckdb") {
      // DuckDB cannot drop an index and its column in one transaction; the first one only
      // drops the index, so stopping between the two leaves consistent, re-runnable data.
      rb.write(`COMMIT;\n${beginTx(e)}${rowsGuard}`);
    }
    for (const c of plan.children)
      rb.write(`ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.ulidColumn)};\n`);
    rb.write(`ALTER TABLE ${p} DROP COLUMN ${ident(plan.ulidColumn)};\n`);
  } else {
    rb.write(tempIndexes(plan, "create"));
    for (const c of plan.children) {
      rb.write(updateFromMap(c.table, c.column, c.column, plan.table, "ulid", "legacy_id", e));
    }
    rb.write(updateFromMap(plan.table, plan.key, plan.key, plan.table, "ulid", "legacy_id", e));
    rb.write(tempIndexes(plan, "drop"));
  }
  rb.write(`DELETE FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${parentLit};\n`);
  rb.write("COMMIT;\n");
  rb.close();

  writeContract(ctx, open(plan.files.contract), order, rowsGuard);
}

function uniqueIndexSql(plan: TablePlan): string {
  return `CREATE UNIQUE INDEX ${ident(plan.uniqueIndex as string)} ON ${ident(plan.table)} (${ident(plan.ulidColumn)});\n`;
}

/** Indexes that exist only inside the backfill / rollback transaction (see ChildRef.tempIndex). */
function tempIndexes(plan: TablePlan, op: "create" | "drop"): string {
  if (!plan.children.some((c) => c.tempIndex)) return "";
  const why =
    op === "create"
      ? "-- Temporary indexes: with foreign keys on, each key change scans unindexed child columns.\n"
      : "";
  return (
    why +
    plan.children
      .filter((c) => c.tempIndex)
      .map((c) =>
        op === "create"
          ? `CREATE INDEX ${ident(c.tempIndex as string)} ON ${ident(c.table)} (${ident(c.column)});\n`
          : `DROP INDEX ${ident(c.tempIndex as string)};\n`,
      )
      .join("")
  );
}

function writeContract(ctx: WriteCtx, out: SqlFile, order: string, rowsGuard: string): void {
  const { cfg, plan } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const addColumn = plan.strategy === "add-column";
  out.write(
    header(
      ctx,
      "contract",
      addColumn
        ? `Drops the legacy ${plan.key} columns once every reader uses ${plan.ulidColumn}. NOT part of the backfill: apply separately, after review. No rollback file undoes it.`
        : "Deletes this table's mapping rows, which the rollback needs. NOT part of the backfill: apply separately, after review.",
      order,
    ),
  );
  out.write(beginTx(e) + guardSetup(e) + rowsGuard);
  out.write(
    guard(
      e,
      `rows of ${plan.table} with a NULL ULID`,
      `${p} WHERE ${ident(plan.ulidColumn)} IS NULL`,
      0,
    ),
  );
  if (addColumn) {
    if (plan.contractBlockedBy.length > 0) {
      // Known to fail at ALTER TABLE: stop before changing anything, saying why.
      const why = `contract blocked: ${plan.contractBlockedBy.join("; ")}; rebuild the table without it first`;
      out.write(
        e === "duckdb"
          ? `SELECT error(${sqlString(why, e)});\n`
          : `SELECT * FROM ${ident(why)};  -- fails with "no such table: <reason>"\n`,
      );
    }
    const drops = plan.children.map((c) => ({ table: c.table, column: c.column }));
    drops.push({ table: plan.table, column: plan.key });
    if (e === "duckdb") {
      // DuckDB refuses to drop a column while an index covers it or any later column, and to
      // drop an index and such a column in one transaction: indexes, columns, index again.
      for (const ix of [...plan.legacyIndexes, plan.uniqueIndex as string]) {
        out.write(`DROP INDEX IF EXISTS ${ident(ix)};\n`);
      }
      out.write(`COMMIT;\n${beginTx(e)}${rowsGuard}`);
      for (const c of drops)
        out.write(`ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.column)};\n`);
      out.write(`COMMIT;\n${beginTx(e)}${uniqueIndexSql(plan)}`);
    } else {
      for (const ix of plan.legacyIndexes) out.write(`DROP INDEX IF EXISTS ${ident(ix)};\n`);
      for (const c of drops)
        out.write(`ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.column)};\n`);
    }
  } else {
    out.write(
      `DELETE FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${sqlString(plan.table, e)};\n`,
    );
  }
  out.write("COMMIT;\n");
  out.close();
}
