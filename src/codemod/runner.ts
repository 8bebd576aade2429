// Runs the plugins it is given over a tree: read and pre-filter every file, parse the candidates
// once, let cross-file indexes see all of them, then transform and (unless dry-run) write. The
// files are spread over worker threads when the tree is big enough to pay for them (see
// shares.ts); the result is the same, byte for byte, either way.
import { readFileSync, writeFileSync } from "node:fs";
import type { Worker } from "node:worker_threads";
import type {
  CodemodPlugin,
  Language,
  ReportEntry,
  TransformedFile,
  TransformOptions,
} from "./plugin.ts";
import { type FileRef, LocalShare, type Parsed, type Share, type Transformed } from "./share.ts";
import { openShares, THREAD_MIN_BYTES, THREAD_START_COST } from "./shares.ts";
import { encodeSource } from "./source.ts";
import { rangeKey } from "./transform-file.ts";
import { collectRooted } from "./walk.ts";

export interface RunOptions {
  /** Files or directories. */
  paths: string[];
  /**
   * Report paths (and include/exclude globs) are relative to this. Absent: to each path's
   * repository root, or to the path itself when it is in no repository.
   */
  root?: string;
  plugins: readonly CodemodPlugin[];
  options: TransformOptions;
  include?: string[];
  exclude?: string[];
  /** True: write nothing. */
  dryRun: boolean;
  /** False parses every file, skipping the plugins' text pre-filter (for checking it). */
  prefilter?: boolean;
  /** Called just before a file is written (tests use it to race the write). */
  beforeWrite?: (absPath: string) => void;
  /**
   * Starts a worker thread serving a share of the files (see share-thread.ts), given its
   * `workerData`; the caller knows the entry, which knows the plugins by name. Absent: one thread.
   */
  startThread?: (workerData: unknown) => Worker;
  /**
   * Worker threads: "auto" (the default) when the tree is big enough to pay for their start-up,
   * and each takes files once started; `true` whenever they can be used, and the run waits for
   * them to start (tests: every thread gets files); `false` never.
   */
  threads?: boolean | "auto";
}

export interface FileChange {
  /** Absolute. */
  path: string;
  /** Relative to its root (see RunOptions.root). */
  file: string;
  before: string;
  after: string;
  /** The encoding a PEP 263 coding line declares, when not UTF-8 (the file is written in it). */
  encoding?: string;
}

export interface RunResult {
  changes: FileChange[];
  entries: ReportEntry[];
  /** Files not transformed, with why (does not parse, not decodable, symlink, ...). Never written. */
  skipped: { file: string; reason: string }[];
  filesScanned: number;
}

/** A candidate file of the run: parsed by `share`, which holds its tree. */
interface Candidate extends FileRef {
  share: Share;
  /** Its facts for the indexes, by plugin name. */
  facts: Record<string, unknown>;
}

/** The plugins of one language, and the files of the run that are theirs. */
export interface Group {
  language: Language;
  plugins: CodemodPlugin[];
  files: string[];
}

/**
 * The run, language by language. A file the pre-filter rules out (it cannot hold a site) is never
 * parsed, so a syntax error in it is not reported.
 */
export async function runCodemod(opts: RunOptions): Promise<RunResult> {
  const groups = groupByLanguage(opts.plugins);
  const walked = collectRooted(opts.paths, opts.root, {
    include: opts.include,
    exclude: opts.exclude,
    extensions: groups.flatMap((g) => g.language.extensions),
  });
  const { rel } = walked;
  const skipped = [...walked.skipped];
  for (const abs of walked.files.sort()) {
    const group =
      groups.find((g) => g.language.extensions.some((e) => abs.endsWith(e))) ??
      // A file named on the command line with another extension: the run's only language reads it.
      (groups.length === 1 ? groups[0] : undefined);
    if (group) group.files.push(abs);
    else skipped.push({ file: rel(abs), reason: "no transform of this run reads this file type" });
  }

  const changes: FileChange[] = [];
  const entries: ReportEntry[] = [];
  const write = (
    abs: string,
    file: string,
    read: Uint8Array | undefined,
    before: string,
    after: string,
    encoding?: string,
  ) => {
    let bytes: Buffer;
    try {
      bytes = encodeSource(after, encoding);
    } catch (e) {
      skipped.push({ file, reason: `${(e as Error).message}; not written` });
      return;
    }
    if (!opts.dryRun) {
      opts.beforeWrite?.(abs);
      // Someone (an editor, a formatter) changed the file since we read it: theirs wins.
      if (!read || !readFileSync(abs).equals(read)) {
        skipped.push({ file, reason: "modified while the codemod ran; not overwritten" });
        return;
      }
      writeFileSync(abs, bytes);
    }
    changes.push({ path: abs, file, before, after, ...(encoding ? { encoding } : {}) });
  };
  for (const group of groups) {
    const shares = await openShares(group, opts);
    let done: Awaited<ReturnType<typeof transformGroup>>;
    try {
      const files = group.files.map((abs) => ({ abs, rel: rel(abs) }));
      const candidates = await parseCandidates(shares, files, skipped);
      const indexes = await buildIndexes(group, opts, shares, candidates, skipped);
      done = await transformGroup(group, shares, candidates.all, indexes, walked.rootOf, skipped);
    } finally {
      await shares.close();
    }
    for (const t of done.files.values()) {
      entries.push(...t.entries);
      const c = t.change;
      if (!c) continue;
      const bom = c.bom ? "\uFEFF" : "";
      write(t.abs, rel(t.abs), c.bytes, bom + c.source, bom + c.output, c.encoding);
    }
    entries.push(...done.extraEntries);
    for (const x of done.extra) {
      entries.push(...x.entries);
      write(x.abs, rel(x.abs), Buffer.from(x.before), x.before, x.after);
    }
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { changes, entries, skipped, filesScanned: walked.files.length };
}

/** The shares of a group's files: this thread's, and the worker threads' when there are any. */
export interface Shares {
  /** Every share, worker threads first (they are asked before this thread gets busy). */
  all: Share[];
  local: LocalShare;
  /** Threads parse whatever the size of the run (tests). */
  forced: boolean;
  close(): Promise<void>;
}

/**
 * Every candidate of a language through its plugins (on the share that holds it), then the
 * language's run-level step (once per root: paths can lie in different repositories), which may
 * take edits back (the file is transformed again without them) and change other files. A
 * language with such a step runs on this thread only (see shares.ts).
 */
async function transformGroup(
  group: Group,
  shares: Shares,
  candidates: Candidate[],
  indexes: Map<string, unknown>,
  rootOf: (abs: string) => string,
  skipped: RunResult["skipped"],
) {
  // By absolute path: files of different roots can share a report path.
  const files = new Map<string, Transformed>();
  const extra: { abs: string; before: string; after: string; entries: ReportEntry[] }[] = [];
  const extraEntries: ReportEntry[] = [];
  const record = (t: Transformed, rel: string) => {
    files.set(t.abs, t);
    if (t.error !== undefined) skipped.push({ file: rel, reason: t.error });
  };
  const { local } = shares;
  if (!group.language.afterTransform) {
    const results = new Map<string, Transformed>();
    const holders = shares.all.filter((s) => candidates.some((c) => c.share === s));
    for (const list of await Promise.all(holders.map((s) => s.transform(indexes)))) {
      for (const t of list) results.set(t.abs, t);
    }
    for (const c of candidates) record(results.get(c.abs) as Transformed, c.rel);
    return { files, extra, extraEntries };
  }
  const withheld = new Map<string, Map<string, string>>();
  const run = (c: Candidate): TransformedFile | null => {
    const file = local.candidates.get(c.abs);
    if (!file) throw new Error(`${c.rel}: not parsed on this thread`);
    const out = local.run(file, indexes, withheld.get(c.abs));
    record(local.result(file, out), c.rel);
    if (!out.ok || !out.changed) return null;
    return { ctx: file.ctx, abs: c.abs, output: out.output, edits: out.edits };
  };
  const changed: TransformedFile[] = [];
  for (const c of candidates) {
    const t = run(c);
    if (t) changed.push(t);
  }
  const byRoot = new Map<string, TransformedFile[]>();
  for (const t of changed) byRoot.set(rootOf(t.abs), [...(byRoot.get(rootOf(t.abs)) ?? []), t]);
  const byPath = new Map(candidates.map((c) => [c.abs, c]));
  for (const [root, mine] of byRoot) {
    await group.language.afterTransform(mine, {
      root,
      withhold(file, edits, reason) {
        const c = byPath.get(file.abs) as Candidate;
        const mine = withheld.get(file.abs) ?? new Map<string, string>();
        withheld.set(file.abs, mine);
        for (const e of edits) if (e.entry) mine.set(rangeKey(e), reason(e));
        return run(c);
      },
      change: (x) => extra.push(x),
      report: (entry) => extraEntries.push(entry),
    });
  }
  return { files, extra, extraEntries };
}

function groupByLanguage(plugins: readonly CodemodPlugin[]): Group[] {
  const groups: Group[] = [];
  for (const p of plugins) {
    const g = groups.find((x) => x.language === p.language);
    if (g) g.plugins.push(p);
    else groups.push({ language: p.language, plugins: [p], files: [] });
  }
  return groups;
}

/** How many files a share is given at a time (each asks for more when done). */
const BATCH = 8;
const LOCAL_BATCH = 2;

/**
 * `work` over every file, in batches handed to whichever share is free (a worker thread joins
 * once it has started); the answers in the order of `files`, each with the share that gave it.
 */
async function spread<R>(
  shares: Share[],
  files: FileRef[],
  work: (share: Share, batch: FileRef[]) => Promise<R[]>,
): Promise<{ share: Share; answer: R }[]> {
  const out: { share: Share; answer: R }[] = new Array(files.length);
  let next = 0;
  let failed = false;
  let drained = () => {};
  const ranOut = new Promise<void>((resolve) => {
    drained = resolve;
  });
  const take = async (share: Share) => {
    const local = share instanceof LocalShare;
    // A thread not started by the time this one runs out of files takes none (nor one that failed).
    if (!local) await Promise.race([share.ready, ranOut]);
    if (!share.started) return;
    while (next < files.length && !failed) {
      const start = next;
      // This thread's batches are smaller: a worker thread's answer waits for one to end.
      next = Math.min(files.length, next + (local ? LOCAL_BATCH : BATCH));
      let answers: R[];
      try {
        answers = await work(share, files.slice(start, next));
      } catch (e) {
        failed = true;
        throw e;
      }
      for (let i = 0; i < answers.length; i++) out[start + i] = { share, answer: answers[i] as R };
      // This thread's batches run synchronously: let the worker threads' answers in between.
      if (local && shares.length > 1) await new Promise(setImmediate);
    }
  };
  // Batches in flight per worker thread, so that it never waits for the next one.
  await Promise.all(
    shares.flatMap((s) =>
      s instanceof LocalShare ? [take(s).finally(drained)] : [1, 2, 3, 4].map(() => take(s)),
    ),
  );
  return out;
}

/**
 * Every file is read and checked (a binary or non-UTF-8 file is reported whatever the
 * pre-filter says), but only those a pre-filter asks the text of are decoded. Files that failed
 * every pre-filter come back as `later`, for the second pass (`mayMatter`).
 */
async function parseCandidates(
  shares: Shares,
  files: FileRef[],
  skipped: RunResult["skipped"],
): Promise<{ all: Candidate[]; later: FileRef[]; load: Load }> {
  const scanned = await spread(shares.all, files, (s, batch) => s.scan(batch));
  // Only the paths: holding every other file's bytes for the second pass cost the memory of the
  // whole tree (192 MB on a copy of this machine's Python); it reads them again if it runs.
  const later: FileRef[] = [];
  const wanted: { file: FileRef; bytes: number }[] = [];
  scanned.forEach(({ answer }, i) => {
    const file = files[i] as FileRef;
    if (answer.kind === "problem") skipped.push({ file: file.rel, reason: answer.reason });
    else if (answer.kind === "later") later.push(file);
    else wanted.push({ file, bytes: answer.bytes });
  });
  const all: Candidate[] = [];
  const load: Load = { byShare: new Map(), bytes: 0 };
  await parseWanted(shares, wanted, load, all, skipped);
  return { all, later, load };
}

/** What each share holds to transform (in `cost`), and the bytes of every file wanted so far. */
interface Load {
  byShare: Map<Share, number>;
  bytes: number;
}

/** What a file costs to parse and transform, roughly: its size, and a little for being a file. */
const cost = (bytes: number) => bytes + 2048;

/**
 * Parses wanted files, shared out by size so that every share gets about as much to parse now,
 * and to transform later (a share keeps what it parsed); `load` is what each holds so far.
 * Candidates and parse errors in the order of `wanted`.
 */
async function parseWanted(
  shares: Shares,
  wanted: { file: FileRef; bytes: number }[],
  load: Load,
  into: Candidate[],
  skipped: RunResult["skipped"],
): Promise<void> {
  // Threads parse once the candidates are enough to pay for it (see THREAD_MIN_BYTES).
  for (const x of wanted) load.bytes += x.bytes;
  const threads = shares.forced || load.bytes >= THREAD_MIN_BYTES;
  const able = shares.all.filter((s) => s === shares.local || (threads && s.started));
  const held = load.byShare;
  for (const s of able) {
    if (!held.has(s)) held.set(s, s === shares.local || shares.forced ? 0 : THREAD_START_COST);
  }
  const mine = new Map<Share, number[]>(able.map((s) => [s, []]));
  // Largest first, each to the least loaded share (ties: worker threads first).
  const order = wanted
    .map((_, i) => i)
    .sort((a, b) => (wanted[b]?.bytes ?? 0) - (wanted[a]?.bytes ?? 0) || a - b);
  for (const i of order) {
    let best = able[0] as Share;
    for (const s of able) if ((held.get(s) ?? 0) < (held.get(best) ?? 0)) best = s;
    held.set(best, (held.get(best) ?? 0) + cost(wanted[i]?.bytes ?? 0));
    mine.get(best)?.push(i);
  }
  const answers: { share: Share; parsed: Parsed }[] = new Array(wanted.length);
  // Every share that runs is asked, even with nothing to parse: it forgets the files it read.
  await Promise.all(
    shares.all
      .filter((s) => s.started)
      .map(async (s) => {
        const idx = (mine.get(s) ?? []).sort((a, b) => a - b);
        const parsed = await s.parse(idx.map((i) => wanted[i]?.file as FileRef));
        idx.forEach((i, k) => {
          answers[i] = { share: s, parsed: parsed[k] as Parsed };
        });
      }),
  );
  answers.forEach(({ share, parsed }, i) => {
    const file = wanted[i]?.file as FileRef;
    if (parsed.kind === "unparsed") skipped.push({ file: file.rel, reason: parsed.reason });
    else into.push({ ...file, share, facts: parsed.facts });
  });
}

/**
 * Each plugin's cross-file index over every candidate. Files with no site of their own can still
 * matter to an index (a rebuilt natural key): asked, given what the first files hold, and then
 * indexed with the rest (`candidates.all` grows by them).
 */
async function buildIndexes(
  group: Group,
  opts: RunOptions,
  shares: Shares,
  candidates: { all: Candidate[]; later: FileRef[]; load: Load },
  skipped: RunResult["skipped"],
): Promise<Map<string, unknown>> {
  const { all, later, load } = candidates;
  const indexOf = (p: CodemodPlugin, files: Candidate[]): unknown => {
    if (p.facts && p.mergeFacts) {
      return p.mergeFacts(
        files.map((c) => c.facts[p.name]),
        opts.options,
      );
    }
    // An index over the trees: every candidate is on this thread (see shares.ts).
    const ctxs = files.map((c) => {
      const file = shares.local.candidates.get(c.abs);
      if (!file) throw new Error(`${c.rel}: not parsed on this thread`);
      return file.ctx;
    });
    return p.index?.(ctxs, opts.options);
  };
  const indexed = (p: CodemodPlugin) => p.index !== undefined || p.mergeFacts !== undefined;
  const indexes = new Map<string, unknown>();
  const askLater = group.plugins.filter((p) => indexed(p) && p.mayMatter);
  if (askLater.length > 0 && later.length > 0) {
    const byPath = (a: Candidate, b: Candidate) => a.abs.localeCompare(b.abs);
    all.sort(byPath);
    const first = all.length;
    const early = askLater.map((p) => ({ p, index: indexOf(p, all) }));
    const asking = early.filter(({ p, index }) => p.secondPass?.(index) ?? true);
    if (asking.length > 0) {
      const given = new Map(asking.map(({ p, index }) => [p.name, index]));
      const asked = await spread(shares.all, later, (s, batch) => s.ask(batch, given));
      const wanted: { file: FileRef; bytes: number }[] = [];
      asked.forEach(({ answer }, i) => {
        if (answer.kind === "wanted")
          wanted.push({ file: later[i] as FileRef, bytes: answer.bytes });
      });
      await parseWanted(shares, wanted, load, all, skipped);
    }
    // No file added: these are already the indexes of every candidate, in the same order.
    if (all.length === first) for (const e of early) indexes.set(e.p.name, e.index);
    else all.sort(byPath);
  }
  for (const p of group.plugins) {
    if (indexed(p) && !indexes.has(p.name)) indexes.set(p.name, indexOf(p, all));
  }
  return indexes;
}
