import { startWorker } from "../util/worker.ts";
import { type Engine, ident, sqlString } from "./escape.ts";
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
 */
export class MapBody {
  private readonly files: string[] = [];
  private out?: SqlFile;
  private rows = 0;
  private inBatch = 0;
  private stmt = "";
  private readonly deriver: UlidDeriver;
  private readonly insert: string;
  private readonly rowStart: string;

  constructor(private readonly args: MapBodyArgs) {
    this.deriver = new UlidDeriver(args.salt);
    this.insert = `INSERT INTO ${ident(MAP_TABLE)} ("table_name", "legacy_id", "ulid") VALUES\n`;
    this.rowStart = `(${sqlString(args.table, args.engine)}, `;
  }

  add(ms: number, legacy: string): void {
    if (!this.out || this.rows === this.args.partRows) this.nextFile();
    const row = `${this.rowStart}${sqlString(legacy, this.args.engine)}, '${this.deriver.next(ms, legacy)}')`;
    // A statement is built as one string and written once: far fewer UTF-8 encoder calls.
    this.stmt = this.inBatch === 0 ? this.insert + row : `${this.stmt},\n${row}`;
    this.rows++;
    if (++this.inBatch === this.args.batchSize) this.endStatement();
  }

  private endStatement(): void {
    if (this.inBatch === 0) return;
    this.out?.write(`${this.stmt};\n`);
    this.stmt = "";
    this.inBatch = 0;
  }

  /** Ends the last statement; returns the files in order. */
  close(): string[] {
    this.endFile();
    return this.files;
  }

  /** After a failure or an abandoned stream: closes the open file, if any. */
  discardIfOpen(): void {
    this.out?.close();
    this.out = undefined;
  }

  private nextFile(): void {
    this.endFile();
    const file = `${this.args.stem}-${this.files.length}.sql`;
    this.out = new SqlFile(file);
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

/** Where a table's mapping rows go, fed in (time, rowid) order. */
export interface MapBodySink {
  add(ms: number, legacy: string): void;
  /** Resolves once the writer has caught up enough: call it every few thousand rows. */
  drain(): Promise<void>;
  /** Ends the last statement; the files in order. */
  close(): Promise<string[]>;
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

type FromWorker = { done: true } | { files: string[] } | { error: string };

class ThreadSink implements MapBodySink {
  private readonly worker;
  private ms = new Float64Array(THREAD_BATCH);
  private legacy: string[] = [];
  private inFlight = 0;
  private files?: string[];
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
      else if ("files" in m) this.files = m.files;
      else this.failure = new Error(m.error);
      this.wake?.();
    });
    this.worker.on("error", (e) => {
      this.failure = e;
      this.wake?.();
    });
    this.worker.on("exit", (code) => {
      this.failure ??= this.files
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

  async close(): Promise<string[]> {
    this.send();
    this.worker.postMessage("close");
    while (!this.failure && !this.files) await this.next();
    await this.worker.terminate();
    if (this.failure) throw this.failure;
    return this.files as string[];
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
