import { applyEdits, orderEdits } from "./edits.ts";
import type {
  CodemodPlugin,
  Edit,
  FileContext,
  ReportEntry,
  SyntaxNode,
  TransformOptions,
} from "./plugin.ts";
import { ImportManager } from "./python/imports.ts";
import { firstSyntaxProblem, parsePython } from "./python/parse.ts";

export type FileOutcome =
  | { ok: true; output: string; changed: boolean; entries: ReportEntry[] }
  | { ok: false; error: string; entries: ReportEntry[] };

export function parseContext(
  path: string,
  source: string,
  newline: string,
): FileContext | { error: string } {
  const tree = parsePython(source);
  const problem = firstSyntaxProblem(tree);
  if (problem) {
    return {
      error: `does not parse: ${problem.message} at line ${problem.line}, column ${problem.column}`,
    };
  }
  return { path, source, tree, imports: new ImportManager(tree.rootNode, source, newline) };
}

/**
 * Runs plugins over one parsed file, then the import manager, then checks the result parses.
 * Pure: text in, text and report entries out.
 */
export function transformContext(
  ctx: FileContext,
  plugins: readonly CodemodPlugin[],
  options: TransformOptions,
  indexes: ReadonlyMap<string, unknown> = new Map(),
): FileOutcome {
  const entries: ReportEntry[] = [];
  const edits: Edit[] = [];
  const owner = new Map<Edit, string>();
  for (const plugin of plugins) {
    const result = plugin.analyze(ctx, options, indexes.get(plugin.name));
    const { accepted, rejected } = orderEdits([...edits, ...result.edits]);
    // A later transform never overrides an earlier one's edit at the same place.
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
  if (edits.length === 0) return { ok: true, output: ctx.source, changed: false, entries };
  const all = [...edits, ...ctx.imports.finalize(edits)];
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
  const check = firstSyntaxProblem(parsePython(output));
  if (check) {
    // Never write what we could not parse: this is a bug in a transform, not in the user's file.
    return {
      ok: false,
      error: `rewrite would not parse (${check.message} at line ${check.line}); file left unchanged`,
      entries,
    };
  }
  return { ok: true, output, changed: output !== ctx.source, entries };
}

/** One file, text in and text out; the shape jscodeshift transforms need. */
export function transformSource(
  path: string,
  source: string,
  plugins: readonly CodemodPlugin[],
  options: TransformOptions,
): FileOutcome {
  const bom = source.charCodeAt(0) === 0xfeff;
  const text = bom ? source.slice(1) : source;
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  const ctx = parseContext(path, text, newline);
  if ("error" in ctx) return { ok: false, error: ctx.error, entries: [] };
  const indexes = new Map<string, unknown>();
  for (const p of plugins) if (p.index) indexes.set(p.name, p.index([ctx], options));
  const out = transformContext(ctx, plugins, options, indexes);
  if (out.ok && bom) return { ...out, output: `\uFEFF${out.output}` };
  return out;
}

export function entryAt(
  transform: string,
  ctx: FileContext,
  node: SyntaxNode,
  fields: Pick<ReportEntry, "before" | "after" | "outcome" | "reason">,
): ReportEntry {
  // tree-sitter's column counts bytes; report characters, as editors do.
  const lineStart = ctx.source.lastIndexOf("\n", node.startIndex - 1) + 1;
  return {
    transform,
    file: ctx.path,
    line: node.startPosition.row + 1,
    column: node.startIndex - lineStart + 1,
    ...fields,
  };
}
