import { createHash, type Hash } from "node:crypto";
import { startWorker } from "../util/worker.ts";
import { type Engine, ident, isPlainText, sqlString } from "./escape.ts";
import { SqlFile } from "./sql-file.ts";
import { MAP_TABLE } from "./sqltext.ts";
import { UlidDeriver } from "./ulid.ts";

export interface MapBodyArgs {
  /** Files are `${stem}-N.sql`. */
  stem: string;
  engine: Engine;
  table: string;
  /** Rows per INSERT statement. */
  batchSize: number;
  /** Rows per file; 0: one file. */
  partRows: number;
  salt: string;
}

/**
 * The mapping table's INSERT statements, ULIDs derived in feed order, in files of `partRows`
 * rows each (0: one file). Statements hold `batchSize` rows and never span two files.
 *
 * SQLite gets `INSERT ... VALUES` rows. DuckDB spends some 40 µs binding each row of a VALUES
 * list, so there the batch's rows travel in one string literal, a `legacy<TAB>ULID` line each,
 * split apart in SQL (about 3-7 µs a row); rows whose legacy ID holds a control character
 * (a tab or newline among them) go in a VALUES statement after it. Every line of that literal
 * ends with a ULID character, so `;` + newline still only ever ends a statement.
 */
export class MapBody {
  private readonly files: string[] = [];
  private out?: SqlFile;
  private rows = 0;
  private inBatch = 0;
  private stmt = "";
  /** DuckDB: the batch's plain rows, `legacy<TAB>ULID` lines, quotes doubled. */
  private packed = "";
  private readonly deriver: UlidDeriver;
  private readonly insert: string;
  private readonly packedStart: string;
  private readonly packedEnd: string;
  private readonly rowStart: string;
  /** Of every statement, over all files: what the committed manifest records of the data. */
  private readonly hash: Hash = createHash("sha256");

  constructor(private readonly args: MapBodyArgs) {
    this.deriver = new UlidDeriver(args.salt);
    const columns = `${ident(MAP_TABLE)} ("table_name", "legacy_id", "ulid")`;
    const table = sqlString(args.table, args.engine);
    this.insert = `INSERT INTO ${columns} VALUES\n`;
    this.packedStart = `INSERT INTO ${columns} SELECT ${table}, r[1], r[2] FROM (SELECT string_split(unnest(string_split('`;
    this.packedEnd = `', chr(10))), chr(9)) AS r);\n`;
    this.rowStart = `(${table}, `;
  }

  add(ms: number, legacy: string): void {
    if (!this.out || this.rows === this.args.partRows) this.nextFile();
    const ulid = this.deriver.next(ms, legacy);
    // A statement is built as one string and written once: far fewer UTF-8 encoder calls.
    if (this.args.engine === "duckdb" && isPlainText(legacy)) {
      const line = `${legacy.includes("'") ? legacy.replaceAll("'", "''") : legacy}\t${ulid}`;
      this.packed = this.packed === "" ? line : `${this.packed}\n${line}`;
    } else {
      const row = `${this.rowStart}${sqlString(legacy, this.args.engine)}, '${ulid}')`;
      this.stmt = this.stmt === "" ? this.insert + row : `${this.stmt},\n${row}`;
    }
    this.rows++;
    if (++this.inBatch === this.args.batchSize) this.endStatement();
  }

  private endStatement(): void {
    if (this.inBatch === 0) return;
    if (this.packed !== "") this.out?.write(this.packedStart + this.packed + this.packedEnd);
    if (this.stmt !== "") this.out?.write(`${this.stmt};\n`);
    this.stmt = "";
    this.packed = "";
    this.inBatch = 0;
  }

  /** Ends the last statement; returns the files in order and the statements' SHA-256. */
  close(): MapBodyResult {
    this.endFile();
    return { files: this.files, sha256: this.hash.digest("hex") };
  }

  /** After a failure or an abandoned stream: closes the open file, if any. */
  discardIfOpen(): void {
    this.out?.close();
    this.out = undefined;
  }

  private nextFile(): void {
    this.endFile();
    const file = `${this.args.stem}-${this.files.length}.sql`;
    this.out = new SqlFile(file, this.hash);
    this.files.push(file);
    this.rows = 0;
  }

  private endFile(): void {
    if (!this.out) return;
    this.endStatement();
    this.out.close();
    this.out = undefined;
  }
}

export interface MapBodyResult {
  files: string[];
  sha256: string;
}

/** Where a table's mapping rows go, fed in (time, rowid) order. */
export interface MapBodySink {
  add(ms: number, legacy: string): void;
  /** Resolves once the writer has caught up enough: call it every few thousand rows. */
  drain(): Promise<void>;
  /** Ends the last statement; the files in order. */
  close(): Promise<MapBodyResult>;
  /** After a failure or an abandoned read: stops writing; a no-op after close. */
  discard(): Promise<void>;
}

/**
 * A MapBody here, or on a worker thread: deriving ULIDs and encoding SQL is about half of the
 * work for a large table, and can run while this thread reads the next rows.
 */
export function openMapBody(args: MapBodyArgs, onThread: boolean): MapBodySink {
  if (onThread) return new ThreadSink(args);
  const body = new MapBody(args);
  return {
    add: (ms, legacy) => body.add(ms, legacy),
    drain: async () => {},
    close: async () => body.close(),
    discard: async () => body.discardIfOpen(),
  };
}

/** Rows per message to the worker, and messages it may be behind (bounds memory). */
export const THREAD_BATCH = 4096;
const MAX_IN_FLIGHT = 4;

type FromWorker = { done: true } | { result: MapBodyResult } | { error: string };

class ThreadSink implements MapBodySink {
  private readonly worker;
  private ms = new Float64Array(THREAD_BATCH);
  private legacy: string[] = [];
  private inFlight = 0;
  private result?: MapBodyResult;
  private failure?: Error;
  private wake?: () => void;

  constructor(args: MapBodyArgs) {
    this.worker = startWorker(import.meta.url, "map-body-worker", {
      workerData: args,
      // The default young generation lets the thread's heap grow by tens of MB before it
      // collects; its garbage is short-lived strings, so a small one costs nothing in speed.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    this.worker.on("message", (m: FromWorker) => {
      if ("done" in m) this.inFlight--;
      else if ("result" in m) this.result = m.result;
      else this.failure = new Error(m.error);
      this.wake?.();
    });
    this.worker.on("error", (e) => {
      this.failure = e;
      this.wake?.();
    });
    this.worker.on("exit", (code) => {
      this.failure ??= this.result
        ? undefined
        : new Error(`mapping-row writer thread exited (${code})`);
      this.wake?.();
    });
  }

  add(ms: number, legacy: string): void {
    this.ms[this.legacy.length] = ms;
    this.legacy.push(legacy);
    if (this.legacy.length === THREAD_BATCH) this.send();
  }

  async drain(): Promise<void> {
    while (!this.failure && this.inFlight > MAX_IN_FLIGHT) await this.next();
    if (this.failure) throw this.failure;
  }

  async close(): Promise<MapBodyResult> {
    this.send();
    this.worker.postMessage("close");
    while (!this.failure && !this.result) await this.next();
    await this.worker.terminate();
    if (this.failure) throw this.failure;
    return this.result as MapBodyResult;
  }

  async discard(): Promise<void> {
    await this.worker.terminate();
  }

  private send(): void {
    if (this.legacy.length === 0) return;
    const ms = this.ms.slice(0, this.legacy.length);
    this.worker.postMessage({ ms, legacy: this.legacy }, [ms.buffer]);
    this.legacy = [];
    this.inFlight++;
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}
