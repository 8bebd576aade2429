// A share of a run's files: read, pre-filter, parse and transform them where their trees live.
// The runner gives each share its files and gets plain data back (facts for the cross-file
// indexes, edits' results, report entries), so a share can be this thread or a worker thread.
import { readFileSync } from "node:fs";
import type {
  CodemodPlugin,
  Language,
  ParsedFile,
  ReportEntry,
  TransformOptions,
} from "./plugin.ts";
import { FileSource, sourceProblem } from "./source.ts";
import { type FileOutcome, transformContext, type Withheld } from "./transform-file.ts";

/** A file of the run: absolute, and its report path. */
export interface FileRef {
  abs: string;
  rel: string;
}

/** One file of the first pass. */
export type Scanned =
  /** Not source the engine rewrites (binary, not decodable): reported skipped. */
  | { kind: "problem"; reason: string }
  /** No pre-filter wants it: a file for the second pass, if one runs. */
  | { kind: "later" }
  /** A pre-filter wants it parsed (its size, to share the parsing out evenly). */
  | { kind: "wanted"; bytes: number };

/** One file of the second pass: `no` when it does not matter (or is gone, or not source). */
export type Asked = { kind: "no" } | { kind: "wanted"; bytes: number };

/** A wanted file parsed: a candidate, with its facts by plugin name, or why it is not one. */
export type Parsed =
  | { kind: "unparsed"; reason: string }
  | { kind: "candidate"; facts: Record<string, unknown> };

/** A candidate after its transforms. */
export interface Transformed {
  abs: string;
  entries: ReportEntry[];
  /** Why it is left unchanged (does not parse after the rewrite, imports cannot be placed). */
  error?: string;
  /** Set when the file changes: its text before and after (BOM and encoding apart). */
  change?: {
    source: string;
    output: string;
    bom: boolean;
    encoding?: string;
    /** The bytes read (to refuse a write over someone else's change); absent in a dry run. */
    bytes?: Uint8Array;
  };
}

/** What the runner asks of a share; every answer is in the order of the files asked. */
export interface Share {
  /** Settles once the share can take files (a worker thread has started). */
  readonly ready: Promise<void>;
  /** Whether it has (files are parsed only where a thread is there to parse them). */
  readonly started: boolean;
  scan(files: FileRef[]): Promise<Scanned[]>;
  /** Does each file matter to an index after all (`mayMatter`, given the early indexes)? */
  ask(files: FileRef[], early: ReadonlyMap<string, unknown>): Promise<Asked[]>;
  /**
   * Parses wanted files (any share's: those this one read are not read again); the share keeps
   * the candidates. Forgets the other files it read.
   */
  parse(files: FileRef[]): Promise<Parsed[]>;
  /** Every candidate the share holds, through the plugins. */
  transform(indexes: ReadonlyMap<string, unknown>): Promise<Transformed[]>;
  close(): Promise<void>;
}

export interface ShareSetup {
  plugins: readonly CodemodPlugin[];
  options: TransformOptions;
  prefilter: boolean;
  dryRun: boolean;
}

export interface Candidate {
  abs: string;
  bytes: Buffer;
  bom: boolean;
  encoding?: string;
  ctx: ParsedFile;
}

/** An error of one file, with the file named (it may have happened on another thread). */
function inFile<T>(file: FileRef, work: () => T): T {
  try {
    return work();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    throw new Error(`${file.rel}: ${err.message}`, { cause: err });
  }
}

/** The share of this thread: its candidates' trees stay here. */
export class LocalShare implements Share {
  readonly candidates = new Map<string, Candidate>();
  readonly ready = Promise.resolve();
  readonly started = true;
  /** Wanted files read by `scan` or `ask`, until `parse`. */
  private readonly wanted = new Map<string, FileSource>();
  private readonly language: Language;

  constructor(private readonly setup: ShareSetup) {
    this.language = setup.plugins[0]?.language as Language;
  }

  async scan(files: FileRef[]): Promise<Scanned[]> {
    return files.map((f) => inFile(f, () => this.scanOne(f)));
  }

  private scanOne(file: FileRef): Scanned {
    const { plugins, options, prefilter } = this.setup;
    const bytes = readFileSync(file.abs);
    const problem = sourceProblem(bytes);
    if (problem) return { kind: "problem", reason: problem };
    const source = new FileSource(bytes);
    const wanted = !prefilter || plugins.some((p) => p.mayMatch(source, options));
    return wanted ? this.want(file, source) : { kind: "later" };
  }

  private want(file: FileRef, source: FileSource): { kind: "wanted"; bytes: number } {
    this.wanted.set(file.abs, source);
    return { kind: "wanted", bytes: source.bytes.length };
  }

  async ask(files: FileRef[], early: ReadonlyMap<string, unknown>): Promise<Asked[]> {
    const { plugins, options } = this.setup;
    const asking = plugins.filter((p) => early.has(p.name));
    return files.map((f) =>
      inFile(f, (): Asked => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(f.abs);
        } catch {
          return { kind: "no" }; // gone since the first read: it was no candidate then either
        }
        if (sourceProblem(bytes)) return { kind: "no" };
        const source = new FileSource(bytes);
        const matters = asking.some((p) => p.mayMatter?.(source, options, early.get(p.name)));
        return matters ? this.want(f, source) : { kind: "no" };
      }),
    );
  }

  async parse(files: FileRef[]): Promise<Parsed[]> {
    const out = files.map((f) => inFile(f, () => this.parseOne(f)));
    this.wanted.clear();
    return out;
  }

  private parseOne(file: FileRef): Parsed {
    let source = this.wanted.get(file.abs);
    if (!source) {
      // Read by another share: read again (changed since? then this is the text parsed).
      const bytes = readFileSync(file.abs);
      const problem = sourceProblem(bytes);
      if (problem) return { kind: "unparsed", reason: problem };
      source = new FileSource(bytes);
    }
    const { text, newline, bom, encoding } = source.decode();
    const ctx = this.language.parse(file.rel, text, newline, file.abs);
    if ("error" in ctx) return { kind: "unparsed", reason: ctx.error };
    this.candidates.set(file.abs, {
      abs: file.abs,
      bytes: source.bytes,
      bom,
      ctx,
      ...(encoding ? { encoding } : {}),
    });
    const facts: Record<string, unknown> = {};
    for (const p of this.setup.plugins) {
      if (p.facts && p.mergeFacts) facts[p.name] = p.facts(ctx, this.setup.options);
    }
    return { kind: "candidate", facts };
  }

  /** One candidate through the plugins (again, with edits withheld, after a run-level step). */
  run(c: Candidate, indexes: ReadonlyMap<string, unknown>, withheld?: Withheld): FileOutcome {
    const { plugins, options } = this.setup;
    return inFile({ abs: c.abs, rel: c.ctx.path }, () =>
      transformContext(c.ctx, plugins, options, indexes, withheld),
    );
  }

  async transform(indexes: ReadonlyMap<string, unknown>): Promise<Transformed[]> {
    return [...this.candidates.values()].map((c) => this.result(c, this.run(c, indexes)));
  }

  /** A candidate's outcome as plain data. */
  result(c: Candidate, out: FileOutcome): Transformed {
    if (!out.ok) return { abs: c.abs, entries: out.entries, error: out.error };
    if (!out.changed) return { abs: c.abs, entries: out.entries };
    const { bom, encoding } = c;
    return {
      abs: c.abs,
      entries: out.entries,
      change: {
        source: c.ctx.source,
        output: out.output,
        bom,
        ...(encoding ? { encoding } : {}),
        ...(this.setup.dryRun ? {} : { bytes: c.bytes }),
      },
    };
  }

  async close(): Promise<void> {
    this.candidates.clear();
  }
}
