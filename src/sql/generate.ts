import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { ulidColumnFor } from "../plan/database.ts";
import { TOOL_VERSION } from "../version.ts";
import { type Db, explainDbError, openDb } from "./db.ts";
import { commentText, type Engine, ident, sqlString } from "./escape.ts";
import { type MapBodySink, openMapBody, THREAD_BATCH } from "./map-body.ts";
import { colKey, findColumn, findTable, readSchema, type SchemaInfo } from "./schema.ts";
import { SqlFile, Utf8Buffer } from "./sql-file.ts";
import {
  beginTx,
  guard,
  guardSetup,
  MAP_TABLE,
  mapDdl,
  textType,
  updateFromMap,
} from "./sqltext.ts";
import {
  checkRange,
  compileKeyPattern,
  parseTimeValue,
  type TimeResult,
  ZoneConverter,
} from "./time.ts";

export interface GenerateOptions {
  system: string;
  /** Database section with absolute paths. */
  database: DatabaseConfig;
  /** Absolute output directory. */
  outDir: string;
  /** Recorded in headers; defaults to package.json's version. */
  toolVersion?: string;
  /**
   * Tables with at least this many rows derive and write their mapping rows on a worker
   * thread, in parallel with reading (default 100,000; the thread costs some 50 ms to start).
   */
  threadRows?: number;
}

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

export interface GenerateResult {
  system: string;
  outDir: string;
  manifestPath: string;
  /** Absolute paths in apply order (expand, parts, backfill per table). */
  files: string[];
  rollbackFiles: string[];
  contractFiles: string[];
  tables: TablePlan[];
  /** Rows without a usable time, skipped configured references, contract caveats. */
  report: string[];
  /** How each table was read and written (for benchmarks and tests; the files do not depend on it). */
  passes: TablePass[];
}

export interface TablePass {
  table: string;
  /** Streamed from the source in one pass, or read again into a work table and sorted. */
  read: "streamed" | "sorted";
  /** Where ULIDs were derived and the mapping rows written. */
  writer: "thread" | "main";
}

export const MANIFEST = "manifest.json";
const MAX_ROW_REPORTS = 50;
/** SQLite page cache for generation, in KiB (negative = size, not pages). */
const SMALL_CACHE = -2000;

/** Reads the database (read-only) and writes the reviewable SQL files for every configured table. */
export async function generateSql(opts: GenerateOptions): Promise<GenerateResult> {
  const { database: cfg, system } = opts;
  const toolVersion = opts.toolVersion ?? TOOL_VERSION;
  const threadRows = opts.threadRows ?? 100_000;
  const report: string[] = [];
  const db = await openDb(cfg.engine, cfg.path, { readOnly: true });
  // The source is read once, in rowid order: no use for better-sqlite3's 16 MB default cache.
  if (cfg.engine === "sqlite") await db.execScript(`PRAGMA cache_size = ${SMALL_CACHE}`);
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-sql-gen-"));
  // The first directory this run created, if any: a failed run removes it again.
  const createdDir = fs.mkdirSync(opts.outDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(opts.outDir, ".staging-"));
  let ok = false;
  try {
    const schema = await readSchema(db);
    const plans: TablePlan[] = [];
    const passes: TablePass[] = [];
    for (const [i, t] of cfg.tables.entries()) {
      const nnnn = String(i + 1).padStart(4, "0");
      const plan = planTable(t, schema, cfg, nnnn, report);
      plans.push(plan);
      const dir = fs.mkdtempSync(path.join(scratchDir, `${nnnn}-`));
      const { bodies, pass } = await mapTable(db, cfg, t, plan, schema, dir, report, threadRows);
      passes.push(pass);
      writeTableFiles({ staging, cfg, system, toolVersion, plan, time: t.time, bodies });
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const manifest: Manifest = {
      system,
      engine: cfg.engine,
      toolVersion,
      salt: cfg.salt,
      tables: plans,
      apply: plans.flatMap((p) => [p.files.expand, ...p.files.parts, p.files.backfill]),
      rollback: plans.map((p) => p.files.rollback).reverse(),
      contract: plans.map((p) => p.files.contract),
    };
    fs.writeFileSync(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // Only now replace the previous generation, so a failed run leaves the old files intact.
    for (const f of fs.readdirSync(opts.outDir)) {
      if (/^\d{4}_.+\.sql$/.test(f) || f === MANIFEST) fs.rmSync(path.join(opts.outDir, f));
    }
    for (const f of fs.readdirSync(staging)) {
      fs.renameSync(path.join(staging, f), path.join(opts.outDir, f));
    }
    const abs = (f: string) => path.join(opts.outDir, f);
    ok = true;
    return {
      system,
      outDir: opts.outDir,
      manifestPath: abs(MANIFEST),
      files: manifest.apply.map(abs),
      rollbackFiles: manifest.rollback.map(abs),
      contractFiles: manifest.contract.map(abs),
      tables: plans,
      report,
      passes,
    };
  } catch (e) {
    throw explainDbError(cfg.engine, cfg.path, e);
  } finally {
    db.close();
    fs.rmSync(scratchDir, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    if (!ok && createdDir) fs.rmSync(createdDir, { recursive: true, force: true });
  }
}

function planTable(
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

/** SQL expression reading the time column so JS can parse it; `ms` when it already is epoch ms. */
function timeSelect(engine: Engine, column: string, type: string): { expr: string; ms: boolean } {
  const c = ident(column);
  if (engine === "duckdb") {
    const t = type.toUpperCase();
    if (t === "TIMESTAMP WITH TIME ZONE") return { expr: `epoch_ms(${c})`, ms: true };
    if (t.startsWith("TIMESTAMP") || t === "DATE")
      return { expr: `CAST(${c} AS VARCHAR)`, ms: false };
  }
  return { expr: c, ms: false };
}

function hashValue(v: unknown): string {
  if (v === null || v === undefined) return "N";
  if (typeof v === "string") return `s${v.length}:${v}`;
  if (Buffer.isBuffer(v)) return `b${v.toString("hex")}`;
  return `${typeof v}:${String(v)}`;
}

/** What one read of a table's rows found. */
interface ReadResult {
  /** False when the sink stopped the read early. */
  complete: boolean;
  rowCount: number;
  rowsWithoutTime: number;
  firstGoodMs?: number;
  /** Usable times never went backwards in rowid order. */
  inTimeOrder: boolean;
  sha256: string;
  report: string[];
}

/**
 * Takes each row in rowid order with its time (null before the first row with a usable time:
 * those take that row's time later). Returns false to stop reading.
 */
type RowSink = (seq: number, ms: number | null, legacy: string) => boolean;

/**
 * Reads key and time in rowid order, hashing what was read and filling in fallback times for
 * rows without a usable one (the nearest earlier row's; reported).
 */
async function readRows(
  db: Db,
  cfg: DatabaseConfig,
  t: TableConfig,
  plan: TablePlan,
  schema: SchemaInfo,
  sink: RowSink,
  /** Awaited after each batch of rows (lets a writer thread catch up). */
  afterBatch?: () => Promise<void>,
): Promise<ReadResult> {
  const now = Date.now();
  const report: string[] = [];
  const zone = new ZoneConverter(t.time.zone);
  const fromKey = t.time.fromKey !== undefined ? compileKeyPattern(t.time.fromKey) : undefined;
  const parentInfo = findTable(schema, plan.table);
  const timeCol =
    t.time.column !== undefined && parentInfo ? findColumn(parentInfo, t.time.column) : undefined;
  const ts = timeCol ? timeSelect(cfg.engine, timeCol.name, timeCol.type) : undefined;
  // DuckDB's client decodes text with a BOM-stripping decoder: a leading U+FEFF would vanish
  // from the legacy ID, so read it behind a one-character prefix.
  const keyExpr = cfg.engine === "duckdb" ? `'#' || ${ident(plan.key)}` : ident(plan.key);
  const strip = cfg.engine === "duckdb";
  const hash = createHash("sha256");
  const hashed = new Utf8Buffer((chunk) => hash.update(chunk));
  const timeLabel = fromKey ? `pattern ${t.time.fromKey}` : `column ${t.time.column}`;
  let seq = 0;
  let lastGood: { ms: number; rowid: unknown } | undefined;
  let firstGoodMs: number | undefined;
  let inTimeOrder = true;
  let prevMs = Number.NEGATIVE_INFINITY;
  let bad = 0;
  let complete = true;
  const exprs = ts ? [keyExpr, ts.expr] : [keyExpr];
  read: for await (const rows of db.scan(ident(plan.table), exprs)) {
    for (const row of rows) {
      const rowid = row[0];
      const legacy = strip && typeof row[1] === "string" ? row[1].slice(1) : row[1];
      if (typeof legacy !== "string") {
        throw new Error(
          `${plan.table}.${plan.key} at rowid ${String(rowid)} is ${legacy === null ? "NULL" : `not text (${typeof legacy})`}; every row needs a legacy ID to map`,
        );
      }
      const raw = ts ? row[2] : legacy;
      hashed.write(`${String(rowid)}|${legacy.length}:${legacy}|${hashValue(raw)}\n`);
      let r: TimeResult;
      if (fromKey) r = fromKey(legacy, zone);
      else if (ts?.ms) r = raw === null ? { error: "time is NULL" } : checkRange(Number(raw), raw);
      else r = parseTimeValue(raw, zone);
      // A future time would sort after every ULID the services mint until then: treated like
      // a missing time (and reported), so history keeps its order.
      if ("ms" in r && r.ms > now) {
        r = { error: `time in the future: ${new Date(r.ms).toISOString()}` };
      }
      let ms: number | null;
      if ("ms" in r) {
        ms = r.ms;
        lastGood = { ms, rowid };
        firstGoodMs ??= ms;
      } else {
        bad++;
        ms = lastGood ? lastGood.ms : null;
        if (bad <= MAX_ROW_REPORTS) {
          const using = lastGood
            ? `using the time of the nearest earlier row (rowid ${String(lastGood.rowid)})`
            : "using the time of the nearest later row with a time";
          report.push(
            `${plan.table} rowid ${String(rowid)} (${plan.key} ${JSON.stringify(legacy)}): no usable time from ${timeLabel}: ${r.error}; ${using}`,
          );
        }
      }
      if (ms !== null) {
        if (ms < prevMs) inTimeOrder = false;
        prevMs = ms;
      }
      if (!sink(seq++, ms, legacy)) {
        complete = false;
        break read;
      }
    }
    await afterBatch?.();
  }
  hashed.flush();
  if (bad > MAX_ROW_REPORTS) {
    report.push(
      `${plan.table}: ${bad} rows in all without a usable time (first ${MAX_ROW_REPORTS} listed)`,
    );
  }
  if (complete && seq > 0 && firstGoodMs === undefined) {
    throw new Error(
      `${plan.table}: none of its ${seq} rows has a usable time from ${timeLabel}; refusing to invent ULID times`,
    );
  }
  return {
    complete,
    rowCount: seq,
    rowsWithoutTime: bad,
    firstGoodMs,
    inTimeOrder,
    sha256: hash.digest("hex"),
    report,
  };
}

/** Rows without a time held in memory while streaming, waiting for the first usable time. */
const MAX_PENDING = 10_000;

/**
 * Writes the mapping rows of one table, in (time, rowid) order, to body files in `dir`, and
 * fills in the plan's row count, hash and report. Returns the body files (one per part).
 *
 * When the key is UNIQUE in the source and rows arrive in time order (the usual case: rowid
 * follows creation), rows stream straight from the source to the files. Otherwise, or when
 * that turns out wrong part way, the table is read again into an on-disk work table that
 * checks uniqueness and sorts by time, so memory stays flat either way.
 */
async function mapTable(
  db: Db,
  cfg: DatabaseConfig,
  t: TableConfig,
  plan: TablePlan,
  schema: SchemaInfo,
  dir: string,
  report: string[],
  threadRows: number,
): Promise<{ bodies: string[]; pass: TablePass }> {
  const [{ rows }] = (await db.all(`SELECT count(*) AS rows FROM ${ident(plan.table)}`)) as [
    { rows: unknown },
  ];
  const onThread = Number(rows) >= threadRows;
  const keyUnique = schema.unique.has(colKey(plan.table, plan.key));
  // A stem per attempt: nothing of an abandoned attempt can land in the next one's files.
  const body = (how: TablePass["read"]) =>
    openMapBody(
      {
        stem: path.join(dir, how),
        engine: cfg.engine,
        table: plan.table,
        batchSize: cfg.batchSize,
        partRows: cfg.partRows,
        salt: cfg.salt,
      },
      onThread,
    );
  const writer = onThread ? "thread" : "main";
  const done = async (read: ReadResult, out: MapBodySink, how: TablePass["read"]) => {
    plan.rowCount = read.rowCount;
    plan.rowsWithoutTime = read.rowsWithoutTime;
    plan.sha256 = read.sha256;
    report.push(...read.report);
    return { bodies: await out.close(), pass: { table: plan.table, read: how, writer } as const };
  };

  if (keyUnique) {
    const out = body("streamed");
    try {
      let pending: string[] = [];
      let last = Number.NEGATIVE_INFINITY;
      const sink: RowSink = (_seq, ms, legacy) => {
        if (ms === null) {
          pending.push(legacy);
          return pending.length <= MAX_PENDING;
        }
        if (ms < last) return false;
        last = ms;
        for (const p of pending) out.add(ms, p);
        pending = [];
        out.add(ms, legacy);
        return true;
      };
      const read = await readRows(db, cfg, t, plan, schema, sink, () => out.drain());
      if (read.complete) return await done(read, out, "streamed");
    } finally {
      await out.discard();
    }
  }

  const work = new Database(path.join(dir, "work.db"));
  try {
    work.pragma("journal_mode = OFF");
    work.pragma("synchronous = OFF");
    // A small page cache (and so a small sorter) keeps memory flat as tables grow; the work
    // table is written and read in order, so a bigger cache buys little.
    work.pragma(`cache_size = ${SMALL_CACHE}`);
    // Uniqueness is checked here unless the database already enforces it.
    work.exec(
      `CREATE TABLE work (seq INTEGER PRIMARY KEY, ms INTEGER, legacy TEXT NOT NULL${keyUnique ? "" : " UNIQUE"})`,
    );
    // Multi-row inserts: one native call per INSERT_ROWS rows instead of per row.
    const INSERT_ROWS = 100;
    const insert = work.prepare("INSERT INTO work (seq, ms, legacy) VALUES (?, ?, ?)");
    const insertMany = work.prepare(
      `INSERT INTO work (seq, ms, legacy) VALUES ${Array(INSERT_ROWS).fill("(?, ?, ?)").join(", ")}`,
    );
    const pending: unknown[] = [];
    const flush = () => {
      try {
        if (pending.length === INSERT_ROWS * 3) insertMany.run(pending);
        else for (let i = 0; i < pending.length; i += 3) insert.run(pending.slice(i, i + 3));
        pending.length = 0;
      } catch (e) {
        if (String(e).includes("UNIQUE")) throw duplicateError(work, plan, pending);
        throw e;
      }
    };
    work.exec("BEGIN");
    const read = await readRows(db, cfg, t, plan, schema, (seq, ms, legacy) => {
      pending.push(seq, ms, legacy);
      if (pending.length === INSERT_ROWS * 3) flush();
      return true;
    });
    flush();
    if (read.firstGoodMs !== undefined)
      work.prepare("UPDATE work SET ms = ? WHERE ms IS NULL").run(read.firstGoodMs);
    work.exec("COMMIT");
    const out = body("sorted");
    try {
      // Rows before the first usable time took that time, so time order holds for them too.
      const rows = work
        .prepare(`SELECT ms, legacy FROM work ORDER BY ${read.inTimeOrder ? "seq" : "ms, seq"}`)
        .raw(true)
        .iterate() as IterableIterator<[number, string]>;
      let n = 0;
      for (const [ms, legacy] of rows) {
        out.add(ms, legacy);
        if (++n % THREAD_BATCH === 0) await out.drain();
      }
      return await done(read, out, "sorted");
    } finally {
      await out.discard();
    }
  } finally {
    work.close();
  }
}

function duplicateError(work: Database.Database, plan: TablePlan, pending: unknown[]): Error {
  const ids = pending.filter((_, i) => i % 3 === 2) as string[];
  const inBatch = ids.find((id, i) => ids.indexOf(id) !== i);
  const dup =
    inBatch ??
    work
      .prepare("SELECT legacy FROM work WHERE legacy IN (SELECT value FROM json_each(?)) LIMIT 1")
      .pluck()
      .get(JSON.stringify(ids));
  return new Error(
    `${plan.table}.${plan.key} holds ${JSON.stringify(dup ?? "a value")} more than once; legacy IDs must be unique to map`,
  );
}

interface WriteCtx {
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
  const fmt =
    e === "sqlite"
      ? `length(${u}) != 26 OR ${u} GLOB '*[^0-9A-HJKMNP-TV-Z]*'`
      : `NOT regexp_full_match(${u}, '[0-7][0-9A-HJKMNP-TV-Z]{25}')`;
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

function writeTableFiles(ctx: WriteCtx): void {
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
