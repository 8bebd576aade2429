// Stages 2 and 3 of `sql generate`: read a table's rows (key and time) in rowid order, hash what
// was read, and derive the mapping rows in (time, rowid) order, straight from the source when it
// already is in time order, else through an on-disk work table that checks uniqueness and sorts.
import { createHash } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import type { DatabaseConfig, TableConfig } from "../plan/database.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import type { Db } from "./db.ts";
import { type Engine, ident } from "./escape.ts";
import { colKey, findColumn, findTable, type SchemaInfo } from "./introspect.ts";
import type { TablePlan } from "./manifest.ts";
import { type MapBodySink, openMapBody, THREAD_BATCH } from "./map-body.ts";
import { Utf8Buffer } from "./sql-file.ts";
import { SMALL_CACHE } from "./sqltext.ts";
import {
  checkRange,
  compileKeyPattern,
  parseTimeValue,
  type TimeResult,
  ZoneConverter,
} from "./time.ts";

export interface TablePass {
  table: string;
  /** Streamed from the source in one pass, or read again into a work table and sorted. */
  read: "streamed" | "sorted";
  /** Where ULIDs were derived and the mapping rows written. */
  writer: "thread" | "main";
}

/** Rows without a usable time listed one by one in the report; the rest are counted. */
const MAX_ROW_REPORTS = 50;

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
    // A page at a time: an interrupted generate stops here and removes what it wrote.
    checkInterrupted("sql generate");
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
export async function mapTable(
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
    const body = await out.close();
    plan.mapSha256 = body.sha256;
    return { bodies: body.files, pass: { table: plan.table, read: how, writer } as const };
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
