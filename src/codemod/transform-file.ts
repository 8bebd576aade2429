// One file through a run's plugins: their edits (a later one never overrides an earlier one's),
// then the language's own (imports), then the check that the result is still valid.
import { applyEdits, orderEdits } from "./edits.ts";
import type { CodemodPlugin, Edit, ParsedFile, ReportEntry, TransformOptions } from "./plugin.ts";

export type FileOutcome =
  | { ok: true; output: string; changed: boolean; entries: ReportEntry[]; edits: Edit[] }
  | { ok: false; error: string; entries: ReportEntry[] };

/** Transform edits to leave out, by `start:end` in the source, with the reason to report. */
export type Withheld = ReadonlyMap<string, string>;

export const rangeKey = (e: Pick<Edit, "start" | "end">) => `${e.start}:${e.end}`;

/**
 * Runs plugins (all of one language) over one parsed file. Pure: text in, text and report
 * entries out.
 */
export function transformContext(
  ctx: ParsedFile,
  plugins: readonly CodemodPlugin[],
  options: TransformOptions,
  indexes: ReadonlyMap<string, unknown> = new Map(),
  withheld: Withheld = new Map(),
): FileOutcome {
  const language = plugins[0]?.language;
  const entries: ReportEntry[] = [];
  const edits: Edit[] = [];
  const owner = new Map<Edit, string>();
  for (const plugin of plugins) {
    const result = plugin.analyze(ctx, options, indexes.get(plugin.name));
    if (withheld.size > 0) {
      result.edits = result.edits.filter((e) => {
        const reason = withheld.get(rangeKey(e));
        if (reason === undefined) return true;
        if (e.entry) Object.assign(e.entry, { outcome: "needs-review", after: null, reason });
        return false;
      });
    }
    const { accepted, rejected } = orderEdits([...edits, ...result.edits]);
    const rejectedSet = new Set(rejected);
    for (const e of result.edits) {
      if (!rejectedSet.has(e)) {
        owner.set(e, plugin.name);
        continue;
      }
      const entry = e.entry;
      if (!entry) continue;
      const outer = edits.find((a) => a.start <= e.start && e.end <= a.end && a.start < a.end);
      if (outer) {
        entry.outcome = "unchanged";
        entry.reason = `inside code that ${owner.get(outer)} replaced as a whole (${entry.reason})`;
      } else {
        entry.outcome = "needs-review";
        entry.reason = `overlaps an edit of an earlier transform; not rewritten (${entry.reason})`;
      }
      entry.after = null;
    }
    edits.length = 0;
    edits.push(...accepted);
    entries.push(...result.entries);
  }
  if (edits.length === 0 || !language) {
    return { ok: true, output: ctx.source, changed: false, entries, edits: [] };
  }
  let all: Edit[];
  try {
    all = [...edits, ...language.finalize(ctx, edits)];
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}; file left unchanged`, entries };
  }
  let output: string;
  try {
    output = applyEdits(ctx.source, all);
  } catch (err) {
    return {
      ok: false,
      error: `internal error applying edits: ${(err as Error).message}`,
      entries,
    };
  }
  const problem = language.check(output, ctx, all);
  if (problem) {
    // Never write what we could not parse: this is a bug in a transform, not in the user's file.
    return {
      ok: false,
      error: `rewrite would not parse (${problem}); file left unchanged`,
      entries,
    };
  }
  return { ok: true, output, changed: output !== ctx.source, entries, edits: all };
}

/**
 * One file, text in and text out (a BOM kept); the shape jscodeshift transforms need. `abs`: the
 * file on disk, when there is one.
 */
export function transformSource(
  path: string,
  source: string,
  plugins: readonly CodemodPlugin[],
  options: TransformOptions,
  abs?: string,
): FileOutcome {
  const language = plugins[0]?.language;
  if (!language) return { ok: true, output: source, changed: false, entries: [], edits: [] };
  const bom = source.charCodeAt(0) === 0xfeff;
  const text = bom ? source.slice(1) : source;
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  const ctx = language.parse(path, text, newline, abs);
  if ("error" in ctx) return { ok: false, error: ctx.error, entries: [] };
  const indexes = new Map<string, unknown>();
  for (const p of plugins) {
    if (p.facts && p.mergeFacts)
      indexes.set(p.name, p.mergeFacts([p.facts(ctx, options)], options));
    else if (p.index) indexes.set(p.name, p.index([ctx], options));
  }
  const out = transformContext(ctx, plugins, options, indexes);
  if (out.ok && bom) return { ...out, output: `\uFEFF${out.output}` };
  return out;
}
