// Where a group's files are read, parsed and transformed: this thread alone, or this thread and
// worker threads, each holding the trees of the files it parsed. Threads pay when there are
// files enough to share: a thread's start-up (its modules, the parser) is tenths of a second.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { Group, RunOptions, Shares } from "./runner.ts";
import {
  type Asked,
  type FileRef,
  LocalShare,
  type Parsed,
  type Scanned,
  type Share,
  type ShareSetup,
  type Transformed,
} from "./share.ts";

/**
 * Below this many files of a language, "auto" starts no thread. A thread that only reads and
 * pre-filters costs little (measured: 66 ms of CPU, 9 MB), but so does the reading it takes
 * over on a small tree; one that parses and transforms costs more, with the parser and ruff
 * loaded there too (0.3-0.5 s of CPU, 50-60 MB). Measured on parts of the synthetic corpus (real
 * statistics), forced threads against one: 100 to 800 files (7 to 36 mention uuid) were as fast
 * or slower; 1,700 files were 10-20% faster.
 */
export const THREAD_MIN_FILES = 1000;
/**
 * Below this many bytes of wanted files (the candidates so far), "auto" parses them on this
 * thread only: too little to share for what a thread that parses costs (see above).
 */
export const THREAD_MIN_BYTES = 512 * 1024;
/** What a thread's start of parsing costs, in bytes parsed: it is given that much less. */
export const THREAD_START_COST = 256 * 1024;
/** Worker threads at most (each loads the parser and, to place imports, ruff). */
const MAX_THREADS = 3;

/** What a worker thread is started with (its `workerData`). */
export interface ThreadSetup {
  /** Plugin names: the entry finds the plugins by name. */
  plugins: string[];
  options: ShareSetup["options"];
  prefilter: boolean;
  dryRun: boolean;
}

export type ToThread =
  | { id: number; op: "scan"; files: FileRef[] }
  | { id: number; op: "ask"; files: FileRef[]; early: [string, unknown][] }
  | { id: number; op: "parse"; files: FileRef[] }
  | { id: number; op: "transform"; indexes: [string, unknown][] };

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export type FromThread =
  | { ready: true }
  | { id: number; answer: unknown }
  | { id: number; error: string; stack?: string };

/** How many worker threads a group's run gets (0: this thread only), and why not, if none. */
export function threadCount(group: Group, opts: RunOptions): number {
  if (!opts.startThread || opts.threads === false) return 0;
  // A run-level step (type-checking a TypeScript project) needs every tree on one thread, and so
  // does an index built from trees rather than facts.
  if (group.language.afterTransform) return 0;
  if (group.plugins.some((p) => p.index && !(p.facts && p.mergeFacts))) return 0;
  const cores = availableParallelism();
  if (opts.threads !== true && (cores < 2 || group.files.length < THREAD_MIN_FILES)) return 0;
  try {
    structuredClone(opts.options);
  } catch {
    return 0; // options a thread cannot be given
  }
  return Math.max(1, Math.min(cores - 1, MAX_THREADS));
}

export async function openShares(group: Group, opts: RunOptions): Promise<Shares> {
  const setup: ShareSetup = {
    plugins: group.plugins,
    options: opts.options,
    prefilter: opts.prefilter !== false,
    dryRun: opts.dryRun,
  };
  const local = new LocalShare(setup);
  const start = opts.startThread;
  const count = start ? threadCount(group, opts) : 0;
  const threads: ThreadShare[] = [];
  for (let i = 0; i < count && start; i++) {
    const data: ThreadSetup = {
      plugins: group.plugins.map((p) => p.name),
      options: opts.options,
      prefilter: setup.prefilter,
      dryRun: setup.dryRun,
    };
    let worker: Worker;
    try {
      worker = start(data);
    } catch {
      break; // no thread to be had: the run goes on without (a thread that fails later, too)
    }
    threads.push(new ThreadShare(worker));
  }
  // Forced threads (tests) all take part: this thread waits for them before it takes files.
  if (opts.threads === true) await Promise.all(threads.map((t) => t.ready));
  return {
    all: [...threads, local],
    local,
    forced: opts.threads === true,
    async close() {
      await Promise.all([...threads.map((t) => t.close()), local.close()]);
    },
  };
}

/** A share on a worker thread (share-worker.ts serves it): asked by message, answered in kind. */
class ThreadShare implements Share {
  readonly ready: Promise<void>;
  /** True once it has started (and not failed). */
  started = false;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure?: Error;
  private closing = false;

  constructor(private readonly worker: Worker) {
    let started: () => void = () => {};
    this.ready = new Promise((resolve) => {
      started = resolve;
    });
    worker.on("message", (m: FromThread) => {
      if ("ready" in m) {
        this.started = true;
        return started();
      }
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if ("error" in m) {
        const err = new Error(m.error);
        if (m.stack) err.stack = m.stack;
        p?.reject(err);
      } else p?.resolve(m.answer);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.started = false;
      started(); // a share that never starts takes no files; one that failed fails its askers
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closing) fail(new Error(`a codemod worker thread exited (${code})`));
    });
  }

  private request<T>(message: WithoutId<ToThread>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  scan(files: FileRef[]): Promise<Scanned[]> {
    return this.request({ op: "scan", files });
  }

  ask(files: FileRef[], early: ReadonlyMap<string, unknown>): Promise<Asked[]> {
    return this.request({ op: "ask", files, early: [...early] });
  }

  parse(files: FileRef[]): Promise<Parsed[]> {
    return this.request({ op: "parse", files });
  }

  transform(indexes: ReadonlyMap<string, unknown>): Promise<Transformed[]> {
    return this.request({ op: "transform", indexes: [...indexes] });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}
