// Stage 4 of `sql generate`: one table's files — the mapping data, expand and backfill (in apply/,
// in that name order), rollback and contract — each with a header saying what it does, what it
// does to indexes and constraints, in which order it runs, and how to check it.
import path from "node:path";
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { isUlidSql } from "./catalog.ts";
import { commentText, ident, sqlString } from "./escape.ts";
import type { TablePlan } from "./manifest.ts";
import { mapStem } from "./plan-table.ts";
import { orphanLine, undeclaredLine } from "./references.ts";
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
  /** This table's rollback runs last (the first table's): it also drops the mapping table. */
  lastUndo: boolean;
}

type Step = "map" | "expand" | "backfill" | "rollback" | "contract";

function header(ctx: WriteCtx, step: Step, title: string, what: string): string {
  const { cfg, plan, time } = ctx;
  const lines = [
    `ulid-codemod ${ctx.toolVersion}: ${title} for ${ctx.system} ${plan.table}.${plan.key} (${plan.strategy})`,
    what,
    `source database: ${path.basename(cfg.path)} (${cfg.engine})`,
    `table: ${plan.table}  key: ${plan.key}  rows: ${plan.rowCount}`,
    `ULID time: ${time.column !== undefined ? `column ${time.column}` : `legacy ID pattern ${time.fromKey}`}, naive times in ${time.zone}; rows without a usable time take the nearest earlier row's time (${plan.rowsWithoutTime} rows)`,
    `salt: ${cfg.salt}`,
    `sha256 of (rowid, key, time) data generated from: ${plan.sha256}`,
    `mapping data: ${plan.files.map.join(", ")} (${plan.rowCount} rows; sha256 of its INSERT statements: ${plan.mapSha256}). It is data derived from the database, not committed for review: \`ulid-codemod sql export --system ${ctx.system}\` writes it and checks that sha256.`,
  ];
  if (step !== "map") {
    if (plan.children.length > 0) {
      lines.push(
        `references: ${plan.children.map((c) => `${c.table}.${c.column} (${c.source})`).join(", ")}`,
      );
    }
    for (const c of plan.children) {
      const o = orphanLine(plan, c);
      if (o) lines.push(`before the migration: ${o}`);
    }
    if (plan.undeclaredReferences.length > 0) {
      lines.push(
        `NOT in the plan, so NOT rewritten: ${plan.undeclaredReferences.map((u) => undeclaredLine(plan, u)).join("; ")}. List each under references (rewritten like the others) or ignoreReferences (with a reason); migrate --apply refuses until then.`,
      );
    }
    for (const r of plan.ignoredReferences) {
      lines.push(`ignored by the plan (not a reference): ${r.table}.${r.column}: ${r.reason}`);
    }
  }
  lines.push(`indexes and constraints: ${touches(ctx, step)}`);
  lines.push(orderLine(plan));
  lines.push(
    cfg.engine === "sqlite"
      ? "Runs in one transaction; a guard aborts it if a count differs from the one it was generated against."
      : step === "rollback" || step === "contract" || (step === "backfill" && plan.uniqueIndex)
        ? "Transactions as marked below (DuckDB cannot change an index and its table's columns in one); each is all-or-nothing, and the file can be run again after a stop between them. A guard aborts if a count differs from the one it was generated against."
        : "Runs in one transaction; a guard aborts it if a count differs from the one it was generated against.",
  );
  if (cfg.engine === "sqlite") {
    lines.push(
      "Apply with `sqlite3 -bail DB < FILE` (without -bail the sqlite3 shell runs on after an error).",
    );
  }
  return `${lines.map((l) => `-- ${commentText(l)}`).join("\n")}\n\n`;
}

function orderLine(plan: TablePlan): string {
  const f = plan.files;
  return `apply order: ${[...f.map, f.expand, f.backfill].join(", ")} (apply/ in name order); undo with ${f.rollback} (rollback/ in name order); ${f.contract} is a separate, later step`;
}

const list = (xs: string[]) => xs.join(", ");

/** What a step does to indexes and constraints, for its header. */
function touches(ctx: WriteCtx, step: Step): string {
  const { plan, cfg } = ctx;
  const duck = cfg.engine === "duckdb";
  const addColumn = plan.strategy === "add-column";
  const uq = plan.uniqueIndex
    ? `UNIQUE INDEX ${plan.uniqueIndex} ON ${plan.table}(${plan.ulidColumn})`
    : "";
  const recreated = plan.recreatedIndexes.map((ix) => `${ix.name} (${ix.table})`);
  const keyKept = `constraints on ${plan.table}.${plan.key} and its references (PRIMARY KEY, UNIQUE, FOREIGN KEY) are kept`;
  const rebuilt = (plan.rebuiltIndexes ?? []).map((ix) => `${ix.name} (${ix.table})`);
  const rebuiltNote = rebuilt.length
    ? `; drops ${list(rebuilt)} before rewriting the references and recreates them from their own SQL before the parent's keys change`
    : "";
  const temp = plan.children.filter((c) => c.tempIndex);
  const tempNote =
    temp.length > 0
      ? `; temporary indexes ${list(temp.map((c) => `${c.tempIndex} ON ${c.table}(${c.column})`))} exist only inside the transaction (with foreign keys enforced, each key change scans unindexed child columns)`
      : "";
  switch (step) {
    case "map":
      return `creates ${MAP_TABLE}${duck ? " (INDEX ulid_migration_map_ulid, ulid_migration_map_legacy_id, for trace)" : " (PRIMARY KEY table_name, legacy_id; UNIQUE INDEX ulid_migration_map_ulid)"} if missing; touches no table of yours`;
    case "expand":
      if (!addColumn) return `none of yours change (${MAP_TABLE} only)`;
      return duck
        ? `adds the ULID columns; existing indexes and ${keyKept}; ${uq} comes after the backfill (DuckDB cannot index a column with uncommitted updates)`
        : `adds the ULID columns and ${uq}; ${keyKept}`;
    case "backfill":
      if (!addColumn) {
        return `rewrites ${plan.table}.${plan.key} and its references in place: their PRIMARY KEY/UNIQUE/FOREIGN KEY constraints stay (foreign keys checked at COMMIT, deferred)${rebuiltNote}${tempNote}`;
      }
      return duck
        ? `fills the ULID columns, then creates ${uq} in its own transaction; ${keyKept}`
        : `fills the ULID columns (${uq} from the expand step checks them); ${keyKept}`;
    case "rollback":
      if (!addColumn)
        return `restores the legacy values in place; constraints kept${rebuiltNote}${tempNote}`;
      if (duck) {
        return `the first transaction drops ${uq}${recreated.length ? ` and ${list(recreated)}` : ""} (DuckDB cannot drop a column while its table has indexes); the second drops the added columns${recreated.length ? `, recreates ${list(recreated)} from their catalog SQL exactly as they were` : ""} and removes the mapping rows${ctx.lastUndo ? ` and ${MAP_TABLE}` : ""}`;
      }
      return `drops ${uq} and the added columns; other indexes and ${keyKept}${ctx.lastUndo ? `; drops ${MAP_TABLE} and its index` : ""}`;
    case "contract": {
      if (!addColumn) return `deletes this table's rows of ${MAP_TABLE}; nothing of yours changes`;
      const legacy = plan.legacyIndexes.length
        ? `drops ${list(plan.legacyIndexes)} (indexes on the legacy columns) for good`
        : "no index covers the legacy columns";
      if (!duck) return `${legacy}, then the legacy columns`;
      const others = plan.recreatedIndexes.filter((ix) => !plan.legacyIndexes.includes(ix.name));
      return `${legacy}; drops ${uq}${others.length ? ` and ${list(others.map((ix) => ix.name))}` : ""} first (DuckDB cannot drop a column while its table has indexes), then the legacy columns, then recreates ${list([...others.map((ix) => ix.name), plan.uniqueIndex as string])}`;
    }
  }
}

function validationComment(ctx: WriteCtx): string {
  const { plan, cfg } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const u = ident(plan.ulidColumn);
  const fmt = `NOT ${isUlidSql(e, u)}`;
  const orphans = plan.children.reduce((n, c) => n + (c.orphans?.count ?? 0), 0);
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
      ? [
          "PRAGMA integrity_check;  -- expect ok",
          `PRAGMA foreign_key_check;  -- expect ${orphans === 0 ? "no rows" : `only the ${orphans} rows that pointed at no parent before (listed in the header)`}`,
        ]
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
  // One data file, or one per part; a table without rows still gets one (it creates the map).
  const stem = mapStem(plan);
  const bodies = ctx.bodies.length > 0 ? ctx.bodies : [null];
  plan.files.map =
    bodies.length === 1
      ? [`${stem}.sql`]
      : bodies.map((_, i) => `${stem}_part${String(i + 1).padStart(4, "0")}.sql`);
  const open = (name: string) => new SqlFile(path.join(ctx.staging, name));
  const mapRowsGuard = guard(
    e,
    `mapping rows for ${plan.table} (loaded by ${plan.files.map.length === 1 ? plan.files.map[0] : `${stem}_part*.sql`}, data not committed: \`ulid-codemod sql export\` writes it)`,
    `${ident(MAP_TABLE)} WHERE "table_name" = ${parentLit}`,
    plan.rowCount,
  );

  // 1: the mapping data
  const partRows = cfg.partRows;
  for (const [i, name] of plan.files.map.entries()) {
    const out = open(name);
    const n =
      bodies.length === 1 ? plan.rowCount : Math.min(partRows, plan.rowCount - i * partRows);
    out.write(
      header(
        ctx,
        "map",
        bodies.length === 1 ? "mapping data" : `mapping data, part ${i + 1} of ${bodies.length}`,
        `Loads ${n} rows of the mapping table (legacy ID -> ULID); changes no ${plan.table} rows.`,
      ),
    );
    out.write(beginTx(e) + guardSetup(e) + rowsGuard + mapDdl(e));
    // Loaded once, after the parts before it: a second run stops here instead of doubling rows.
    out.write(
      guard(
        e,
        `mapping rows for ${plan.table} before ${name} (each data file loads once, in name order)`,
        `${ident(MAP_TABLE)} WHERE "table_name" = ${parentLit}`,
        i * partRows,
      ),
    );
    const body = bodies[i];
    if (body) out.append(body);
    out.write("COMMIT;\n");
    out.close();
  }

  // 2: expand
  const ex = open(plan.files.expand);
  ex.write(
    header(
      ctx,
      "expand",
      "expand step",
      addColumn
        ? "Adds the new ULID columns, once the mapping data is loaded; changes no values."
        : "Checks the mapping data is loaded; changes nothing else (rewrite-in-place adds no columns).",
    ),
  );
  // The map's DDL again (a no-op then) so the reviewed files show it, and so a missing data
  // file stops here, before any change, with the guard's message instead of "no such table".
  ex.write(beginTx(e) + guardSetup(e) + rowsGuard + mapDdl(e) + mapRowsGuard);
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

  // 3: backfill
  const bf = open(plan.files.backfill);
  bf.write(
    header(
      ctx,
      "backfill",
      "backfill step",
      addColumn
        ? `Fills ${plan.table}.${plan.ulidColumn} and every reference's ULID column from the mapping table.`
        : `Rewrites ${plan.table}.${plan.key} and every reference to it to ULIDs, via the mapping table (kept for rollback).`,
    ),
  );
  bf.write(beginTx(e));
  // Children are rewritten before the parent, so FK checks (deferred) and RESTRICT both hold.
  if (!addColumn) bf.write("PRAGMA defer_foreign_keys = ON;\n");
  bf.write(guardSetup(e) + rowsGuard + mapRowsGuard);
  bf.write(tempIndexes(plan, "create"));
  bf.write(rebuiltIndexes(plan, "drop"));
  for (const c of plan.children) {
    bf.write(updateFromMap(c.table, c.ulidColumn, c.column, plan.table, "legacy_id", "ulid", e));
  }
  bf.write(rebuiltIndexes(plan, "create"));
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
    bf.write(
      `COMMIT;\n-- next transaction: the unique index\n${beginTx(e)}${uniqueIndexSql(plan)}`,
    );
  }
  bf.write("COMMIT;\n");
  bf.write(validationComment(ctx));
  bf.close();

  writeRollback(ctx, open(plan.files.rollback), rowsGuard);
  writeContract(ctx, open(plan.files.contract), rowsGuard);
}

function writeRollback(ctx: WriteCtx, rb: SqlFile, rowsGuard: string): void {
  const { cfg, plan } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const addColumn = plan.strategy === "add-column";
  rb.write(
    header(
      ctx,
      "rollback",
      "rollback step",
      addColumn
        ? `Drops the added ULID columns and index, then ${ctx.lastUndo ? "the mapping table (with this table's mapping rows, the last in it)" : "this table's mapping rows"}: the tables are as before the expand step.`
        : `Restores the legacy ${plan.key} values from the mapping table, then removes ${ctx.lastUndo ? "the mapping table (with this table's mapping rows, the last in it)" : "this table's mapping rows"}.`,
    ),
  );
  rb.write(beginTx(e));
  if (!addColumn) rb.write("PRAGMA defer_foreign_keys = ON;\n");
  rb.write(guardSetup(e) + rowsGuard);
  if (addColumn) {
    rb.write(`DROP INDEX IF EXISTS ${ident(plan.uniqueIndex as string)};\n`);
    if (e === "duckdb") {
      // DuckDB refuses to drop a column while its table has any index, and to drop an index
      // and a column in one transaction: indexes here, columns (and the indexes back) next.
      for (const ix of plan.recreatedIndexes) rb.write(`DROP INDEX IF EXISTS ${ident(ix.name)};\n`);
      rb.write(
        `COMMIT;\n-- next transaction: the columns, and the indexes back\n${beginTx(e)}${rowsGuard}`,
      );
    }
    for (const c of plan.children)
      rb.write(`ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.ulidColumn)};\n`);
    rb.write(`ALTER TABLE ${p} DROP COLUMN ${ident(plan.ulidColumn)};\n`);
    if (e === "duckdb") for (const ix of plan.recreatedIndexes) rb.write(indexSql(ix.sql));
  } else {
    rb.write(tempIndexes(plan, "create"));
    rb.write(rebuiltIndexes(plan, "drop"));
    for (const c of plan.children) {
      rb.write(updateFromMap(c.table, c.column, c.column, plan.table, "ulid", "legacy_id", e));
    }
    rb.write(rebuiltIndexes(plan, "create"));
    rb.write(updateFromMap(plan.table, plan.key, plan.key, plan.table, "ulid", "legacy_id", e));
    rb.write(tempIndexes(plan, "drop"));
  }
  const table = sqlString(plan.table, e);
  if (ctx.lastUndo) {
    // Nothing of ours stays behind; other tables' rows mean their rollback has not run yet.
    // This table's rows go with the table: deleting them first (as the other files do) costs
    // their index entries one by one, 3.0 of 4.3 s for 200k rows on DuckDB, for the same end.
    rb.write(
      guard(
        e,
        `rows of ${MAP_TABLE} other tables still need (run their rollback files first: rollback/ in name order)`,
        `${ident(MAP_TABLE)} WHERE "table_name" <> ${table}`,
        0,
      ),
    );
    rb.write(`DROP TABLE ${ident(MAP_TABLE)};\n`);
  } else {
    rb.write(`DELETE FROM ${ident(MAP_TABLE)} WHERE "table_name" = ${table};\n`);
  }
  rb.write("COMMIT;\n");
  rb.close();
}

function uniqueIndexSql(plan: TablePlan): string {
  return `CREATE UNIQUE INDEX ${ident(plan.uniqueIndex as string)} ON ${ident(plan.table)} (${ident(plan.ulidColumn)});\n`;
}

/** See TablePlan.rebuiltIndexes: dropped before the children's rewrite, recreated after it. */
function rebuiltIndexes(plan: TablePlan, op: "create" | "drop"): string {
  const ixs = plan.rebuiltIndexes ?? [];
  if (ixs.length === 0) return "";
  if (op === "drop") {
    return `-- The references' indexes: built again after their rewrite (cheaper than updating them).\n${ixs.map((ix) => `DROP INDEX ${ident(ix.name)};\n`).join("")}`;
  }
  return `-- The references' indexes back, exactly as they were, before the parent's keys change.\n${ixs.map((ix) => indexSql(ix.sql)).join("")}`;
}

/** A catalog CREATE INDEX, as one statement on one line. */
function indexSql(sql: string): string {
  const s = sql
    .trim()
    .replace(/;$/, "")
    .replace(/\s*\n\s*/g, " ");
  return `${s};\n`;
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

function writeContract(ctx: WriteCtx, out: SqlFile, rowsGuard: string): void {
  const { cfg, plan } = ctx;
  const e = cfg.engine;
  const p = ident(plan.table);
  const addColumn = plan.strategy === "add-column";
  out.write(
    header(
      ctx,
      "contract",
      "contract step",
      addColumn
        ? `Drops the legacy ${plan.key} columns once every reader uses ${plan.ulidColumn}. NOT part of the backfill: apply separately, after review. No rollback file undoes it.`
        : "Deletes this table's mapping rows, which the rollback needs. NOT part of the backfill: apply separately, after review.",
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
      // DuckDB refuses to drop a column while its table has any index, and to drop an index and
      // a column in one transaction: indexes, columns, then the indexes that stay, back.
      const kept = plan.recreatedIndexes.filter((ix) => !plan.legacyIndexes.includes(ix.name));
      const dropped = new Set([
        ...plan.legacyIndexes,
        plan.uniqueIndex as string,
        ...kept.map((ix) => ix.name),
      ]);
      for (const ix of dropped) out.write(`DROP INDEX IF EXISTS ${ident(ix)};\n`);
      out.write(
        `COMMIT;\n-- next transaction: the columns, and the indexes that stay\n${beginTx(e)}${rowsGuard}`,
      );
      for (const c of drops)
        out.write(`ALTER TABLE ${ident(c.table)} DROP COLUMN ${ident(c.column)};\n`);
      for (const ix of kept) out.write(indexSql(ix.sql));
      out.write(uniqueIndexSql(plan));
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
