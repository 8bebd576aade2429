// Where the imports a rewrite adds go: where the repository's own isort rule (ruff I001, with the
// repository's settings) wants them. ruff decides; we only choose which of its fixes to take.
//
// - An import block that was lint-clean before the rewrite gets ruff's fix after it: since the
//   other imports were in order, the fix moves only the lines the migration added or removed
//   (checked: a fix that would move or rewrite any other import is not taken).
// - A block that was not clean is not re-sorted: the new import goes next to the import that
//   precedes it in ruff's order, so the file has no more findings than before and nothing else
//   moves.
// The result is checked again; if it has a finding the file did not have, the unsorted
// placement is kept instead.
//
// ruff-wasm cannot look at the file system, so its source-based first-party detection (`src`,
// `detect-same-package`) is done here and handed to it as `known-first-party`.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { applyEdits, orderEdits } from "../edits.ts";
import type { Edit } from "../plugin.ts";
import { type ImportSettings, importSettingsFor } from "./import-settings.ts";
import type { ImportPlan } from "./imports.ts";
import type { PyFile } from "./language.ts";
import type { SyntaxNode } from "./parse.ts";
import { type ImportFinding, importFindings, type RuffSettings } from "./ruff.ts";

const IMPORT_TYPES = new Set([
  "import_statement",
  "import_from_statement",
  "future_import_statement",
]);
const DEFINITIONS = new Set(["function_definition", "class_definition", "decorated_definition"]);

/** The import edits for `plan`, placed as the repository's isort settings want them. */
export function orderImports(ctx: PyFile, edits: readonly Edit[], plan: ImportPlan): Edit[] {
  if (plan.edits.length === 0) return [];
  const settings = importSettingsFor(ctx.abs);
  let ruff: RuffSettings;
  try {
    ruff = ruffSettings(settings, ctx, plan.modules);
    return new Orderer(ctx, edits, plan, ruff).run();
  } catch (e) {
    const where = settings.origin ? ` (settings from ${settings.origin})` : "";
    throw new Error(`ruff cannot check the imports${where}: ${(e as Error).message}`);
  }
}

interface Attempt {
  edits: Edit[];
  /** Findings of the result in blocks that had none before. */
  added: number;
  /** Where the new lines would go in a block that was not clean (a line start), if known. */
  relocateAt?: number;
}

class Orderer {
  private readonly source: string;
  private readonly before: { findings: ImportFinding[]; cut: number } | undefined;
  /** Every import statement of the file (asked of the tree once). */
  private imports?: SyntaxNode[];

  constructor(
    private readonly ctx: PyFile,
    private readonly edits: readonly Edit[],
    private readonly plan: ImportPlan,
    private readonly ruff: RuffSettings,
  ) {
    this.source = ctx.source;
    const cut = this.cut(plan.edits);
    const findings = importFindings(this.source.slice(0, cut.at) + cut.stub, ruff);
    this.before = findings && { findings, cut: cut.at };
  }

  run(): Edit[] {
    if (!this.before) return this.plan.edits;
    const first = this.attempt(this.plan.edits, true);
    if (first.relocateAt === undefined) return first.edits;
    const second = this.attempt(this.plan.placedAt(first.relocateAt), false);
    return second.added <= first.added ? second.edits : first.edits;
  }

  /** `base` (import edits) with ruff's fix taken for every touched block that was clean. */
  private attempt(base: Edit[], mayRelocate: boolean): Attempt {
    const mid = this.apply(base);
    const findings = mid && importFindings(mid.text, this.ruff);
    if (!mid || !findings) return { edits: base, added: 0 };
    const taken: { region: Region }[] = [];
    let relocateAt: number | undefined;
    for (const f of findings) {
      if (!f.fix || !mid.touches(f.fix.start, f.fix.end)) continue;
      const region = mid.region(f.fix.start, f.fix.end, f.fix.text);
      if (!region) continue;
      const clean = this.wasClean(region.start, region.end);
      if (
        clean &&
        this.onlyOursMoved(mid.text.slice(region.midStart, region.midEnd), region.text, base)
      ) {
        taken.push({ region });
      } else if (mayRelocate && relocateAt === undefined) {
        // Not clean before (or ruff's fix would move other imports): next to its neighbour.
        relocateAt = this.neighbourOf(f.fix.text, region.start, region.end);
      }
    }
    const covered = new Set(taken.flatMap((t) => t.region.covered));
    const result = [
      ...base.filter((e) => !covered.has(e)),
      ...taken.map(({ region }) => ({ start: region.start, end: region.end, text: region.text })),
    ];
    return { edits: result, added: this.newFindings(result), relocateAt };
  }

  /** The transforms' edits and these import edits applied to the slice ruff checks. */
  private apply(importEdits: Edit[]): Shifted | undefined {
    const all = orderEdits([...this.edits, ...importEdits]);
    if (all.rejected.length > 0) return undefined;
    const cut = this.cut(importEdits);
    const shift = new Shifted(all.accepted, new Set(importEdits));
    const end = shift.toMid(cut.at, true);
    shift.text = applyEdits(this.source, all.accepted).slice(0, end) + cut.stub;
    return shift;
  }

  private wasClean(start: number, end: number): boolean {
    return !this.before?.findings.some((b) => b.start <= end && start <= b.end);
  }

  /** Findings of the result that the original did not have (in blocks that were clean). */
  private newFindings(importEdits: Edit[]): number {
    const mid = this.apply(importEdits);
    const findings = mid && importFindings(mid.text, this.ruff);
    if (!mid || !findings) return Number.POSITIVE_INFINITY;
    return findings.filter((f) => {
      const r = mid.region(f.start, f.end, "", true);
      return !r || this.wasClean(r.start, r.end);
    }).length;
  }

  /**
   * True when ruff's fix of a block changes only the imports of the modules the migration adds
   * or touches (and blank lines): every other statement stays, in the same order, as written.
   */
  private onlyOursMoved(was: string, fixed: string, base: Edit[]): boolean {
    const modules = new Set(this.plan.modules);
    this.imports ??= this.ctx.tree.rootNode.descendantsOfType([...IMPORT_TYPES]);
    for (const e of base) {
      for (const s of this.imports) {
        if (s.startIndex <= e.end && e.start <= s.endIndex) {
          for (const m of modulesOf(s.text)) modules.add(m);
        }
      }
    }
    const others = (text: string) =>
      statementsOf(text)
        .filter((s) => !modulesOf(s).some((m) => modules.has(m)))
        .map((s) => s.replace(/\s+/g, " ").trim());
    return JSON.stringify(others(was)) === JSON.stringify(others(fixed));
  }

  /**
   * In a block that was not clean: the line start after the statement that precedes the first
   * added line in ruff's order (or before the one that follows it), in the original text.
   */
  private neighbourOf(fixed: string, start: number, end: number): number | undefined {
    const added = new Set(this.plan.added);
    const lines = fixed.split(/\r?\n/).map((l) => l.trimEnd());
    const at = lines.findIndex((l) => added.has(l));
    if (at === -1) return undefined;
    const near = (from: number, step: number) => {
      for (let i = from; i >= 0 && i < lines.length; i += step) {
        const l = lines[i] as string;
        if (l.trim() !== "" && !added.has(l)) return l;
      }
      return undefined;
    };
    const statements: SyntaxNode[] = [];
    for (
      let n = this.ctx.tree.rootNode.firstNamedChildForIndex(start);
      n && n.startIndex < end;
      n = n.nextNamedSibling
    ) {
      if (IMPORT_TYPES.has(n.type) && n.startIndex >= start && n.endIndex <= end)
        statements.push(n);
    }
    const after = (line: string | undefined) => {
      const s = line === undefined ? [] : statements.filter((n) => n.text === line);
      return s.length === 1 ? lineEnd(this.source, (s[0] as SyntaxNode).endIndex) : undefined;
    };
    const before = (line: string | undefined) => {
      const s =
        line === undefined
          ? []
          : statements.filter((n) => n.text.split("\n")[0]?.trimEnd() === line);
      return s.length === 1 ? lineStart(this.source, (s[0] as SyntaxNode).startIndex) : undefined;
    };
    const prev = near(at - 1, -1);
    const next = near(at + 1, 1);
    // The first of its section goes before the next import; otherwise after the previous one.
    const opensSection = at === 0 || (lines[at - 1] as string).trim() === "";
    return opensSection ? (before(next) ?? after(prev)) : (after(prev) ?? before(next));
  }

  /**
   * Where the text ruff checks can end: the first top-level statement after the last import the
   * edits touch that is not itself an import, replaced by a stub of the same kind (what follows
   * a block decides the blank lines after it). A file-level directive past it means the whole
   * file is checked.
   */
  private cut(importEdits: Edit[]): { at: number; stub: string } {
    const src = this.source;
    const whole = { at: src.length, stub: "" };
    const pos = Math.max(...importEdits.map((e) => e.end));
    // Top-level statements from the one at `pos` on (the tree is asked, not every child listed:
    // a module can have 100,000 of them).
    const statement = (n: SyntaxNode | null, step: "nextNamedSibling" | "previousNamedSibling") => {
      let cur = n;
      while (cur?.type === "comment") cur = cur[step];
      return cur;
    };
    let next = statement(
      this.ctx.tree.rootNode.firstNamedChildForIndex(Math.max(pos - 1, 0)),
      "nextNamedSibling",
    );
    if (!next) return whole;
    if (next.startIndex < pos && !IMPORT_TYPES.has(next.type))
      next = statement(next.nextNamedSibling, "nextNamedSibling");
    while (next && IMPORT_TYPES.has(next.type))
      next = statement(next.nextNamedSibling, "nextNamedSibling");
    if (!next) return whole;
    const at = lineStart(src, next.startIndex);
    const prev = statement(next.previousNamedSibling, "previousNamedSibling");
    if ((prev && prev.endIndex > at) || /ruff:\s*noqa|isort:/.test(src.slice(at))) return whole;
    const nl = this.ctx.newline;
    return { at, stub: DEFINITIONS.has(next.type) ? `def _():${nl}    pass${nl}` : `pass${nl}` };
  }
}

interface Region {
  /** Original offsets. */
  start: number;
  end: number;
  /** Offsets of the checked text. */
  midStart: number;
  midEnd: number;
  /** Replacement for the original range. */
  text: string;
  /** The import edits it replaces. */
  covered: Edit[];
}

/** The checked text and how its offsets map to the original's. */
class Shifted {
  text = "";
  private readonly spans: { edit: Edit; midStart: number; midEnd: number }[] = [];

  constructor(
    sorted: Edit[],
    private readonly imports: Set<Edit>,
  ) {
    let delta = 0;
    for (const edit of sorted) {
      const midStart = edit.start + delta;
      this.spans.push({ edit, midStart, midEnd: midStart + edit.text.length });
      delta += edit.text.length - (edit.end - edit.start);
    }
  }

  /** An original offset in the checked text; `after`: past text inserted exactly there. */
  toMid(p: number, after: boolean): number {
    let out = p;
    for (const { edit, midStart, midEnd } of this.spans) {
      if (edit.start > p || (edit.start === p && !(after && edit.start === edit.end))) break;
      if (p < edit.end) return after ? midEnd : midStart;
      out = midEnd + (p - edit.end);
    }
    return out;
  }

  /** Does `[start, end]` of the checked text hold a change made by an import edit? */
  touches(start: number, end: number): boolean {
    return this.spans.some(
      (s) => this.imports.has(s.edit) && s.midStart <= end && start <= s.midEnd,
    );
  }

  /**
   * `[start, end)` of the checked text, replaced by `text`, as an edit of the original: widened
   * to whole import edits it overlaps; undefined if it overlaps a transform's own edit (unless
   * only the original range is wanted: `mapOnly`).
   */
  region(start: number, end: number, text: string, mapOnly = false): Region | undefined {
    let ms = start;
    let me = end;
    const covered: Edit[] = [];
    for (const s of this.spans) {
      const empty = s.midStart === s.midEnd;
      const hit = empty
        ? start <= s.midStart && s.midStart <= end
        : s.midStart < end && start < s.midEnd;
      if (!hit) continue;
      if (!this.imports.has(s.edit) && !mapOnly) return undefined;
      covered.push(s.edit);
      ms = Math.min(ms, s.midStart);
      me = Math.max(me, s.midEnd);
    }
    const back = (q: number) => {
      let o = q;
      for (const s of this.spans) {
        if (s.midEnd <= q && s.midStart < q) o = s.edit.end + (q - s.midEnd);
        else if (s.midStart >= q) break;
      }
      return o;
    };
    const os = Math.min(back(ms), ...covered.map((e) => e.start));
    const oe = Math.max(back(me), ...covered.map((e) => e.end));
    const replacement = mapOnly ? "" : this.text.slice(ms, start) + text + this.text.slice(end, me);
    return { start: os, end: oe, midStart: ms, midEnd: me, text: replacement, covered };
  }
}

/** The statements of an import block's text: lines joined while brackets are open. */
export function statementsOf(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let depth = 0;
  for (const line of text.split(/\r?\n/)) {
    if (current === "" && line.trim() === "") continue;
    current += (current ? "\n" : "") + line;
    const code = line.replace(/#.*/, "");
    depth += (code.match(/\(/g)?.length ?? 0) - (code.match(/\)/g)?.length ?? 0);
    if (depth <= 0 && !code.trimEnd().endsWith("\\")) {
      out.push(current);
      current = "";
      depth = 0;
    }
  }
  if (current.trim()) out.push(current);
  return out;
}

/** The modules an import statement names (`import a, b.c as d` -> a, b.c; `from x import y` -> x). */
export function modulesOf(statement: string): string[] {
  const from = /^\s*from\s+([\w.]+)\s+import\b/.exec(statement);
  if (from) return [from[1] as string];
  const imp = /^\s*import\s+([^#]+)/.exec(statement);
  if (!imp) return [];
  return (imp[1] as string)
    .split(",")
    .map((p) => p.trim().split(/\s+/)[0] as string)
    .filter(Boolean);
}

function lineStart(src: string, at: number): number {
  return src.lastIndexOf("\n", at - 1) + 1;
}

function lineEnd(src: string, at: number): number {
  const nl = src.indexOf("\n", at);
  return nl === -1 ? src.length : nl + 1;
}

// First-party modules --------------------------------------------------------------------------

const stdlib = new Map<string, boolean>();
const PROBE = "zzzzzzzz_ulid_codemod_probe";

/**
 * Is `name` in the standard library for this target version? Asked of ruff itself: a module of
 * the standard library sorts into a section of its own before a third-party one.
 */
function isStdlib(name: string, target: unknown): boolean {
  const key = `${String(target)}\0${name}`;
  let known = stdlib.get(key);
  if (known === undefined) {
    const settings: RuffSettings = { lint: { isort: {} } };
    if (target !== undefined) settings["target-version"] = target;
    known = (importFindings(`import ${name}\nimport ${PROBE}\n`, settings)?.length ?? 0) > 0;
    stdlib.set(key, known);
  }
  return known;
}

/**
 * The settings to check a file with: the repository's, plus as `known-first-party` the modules
 * this file imports that ruff would find in `src` or in the file's own package.
 */
export function ruffSettings(settings: ImportSettings, ctx: PyFile, added: string[]): RuffSettings {
  const lint = settings.ruff.lint as { isort: Record<string, unknown> };
  const declared = settings.declared.map(globToRegExp);
  const own = settings.detectSamePackage && ctx.abs ? topPackage(ctx.abs) : undefined;
  const found: string[] = [];
  for (const name of new Set([...importedTops(ctx.source), ...added.map(top)])) {
    if (declared.some((re) => re.test(name))) continue;
    const local = name === own || settings.src.some((dir) => inSource(dir, name));
    if (local && !isStdlib(name, settings.ruff["target-version"])) found.push(name);
  }
  if (found.length === 0) return settings.ruff;
  const known = Array.isArray(lint.isort["known-first-party"])
    ? (lint.isort["known-first-party"] as string[])
    : [];
  return {
    ...settings.ruff,
    lint: { ...lint, isort: { ...lint.isort, "known-first-party": [...known, ...found.sort()] } },
  };
}

const top = (module: string) => module.split(".")[0] as string;

/** Top-level names of the modules a source imports (absolute imports only). */
function importedTops(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(
    /^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([^#\r\n;]+))/gm,
  )) {
    if (m[1]) out.push(m[1]);
    else if (m[2])
      for (const mod of modulesOf(`import ${m[2].replace(/[()\\]/g, "")}`)) out.push(top(mod));
  }
  return out.filter((n) => /^[A-Za-z_]\w*$/.test(n));
}

/** ruff's source match: a directory or a `.py` file of that name in a source root. */
function inSource(dir: string, name: string): boolean {
  try {
    if (statSync(path.join(dir, name)).isDirectory()) return true;
  } catch {}
  try {
    return statSync(path.join(dir, `${name}.py`)).isFile();
  } catch {
    return false;
  }
}

/** The name of the outermost package holding the file (directories with `__init__.py`). */
function topPackage(abs: string): string | undefined {
  let name: string | undefined;
  for (let d = path.dirname(abs); existsSync(path.join(d, "__init__.py")); d = path.dirname(d)) {
    name = path.basename(d);
    if (path.dirname(d) === d) break;
  }
  return name;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  // `foo` also covers `foo.bar`; the top-level name is what is compared.
  return new RegExp(`^(?:${body})(?:\\..*)?$`);
}
