// The type check of a run: the changed files of each tsconfig.json, in that project's own program
// (through ts-morph), before and after. An error the rewrite introduces takes the edit that caused
// it back (the site is then reported for review); the others stay.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Project, ts } from "ts-morph";
import { toPosix } from "../../util/posix-path.ts";
import type { Edit, RunHooks, TransformedFile } from "../plugin.ts";
import type { TsFile } from "./language.ts";
import load from "./load.cjs";

/** Rounds of take-back-and-check before a file's remaining rewrites are all taken back. */
const ROUNDS = 3;

/** The nearest file of this name from `dir` up to `root` (inclusive), or undefined. */
export function nearest(dir: string, root: string, name: string): string | undefined {
  let cur = dir;
  for (;;) {
    const candidate = path.join(cur, name);
    if (existsSync(candidate)) return candidate;
    const rel = path.relative(root, cur);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
    cur = path.dirname(cur);
  }
}

interface Problem {
  file: string;
  line: number;
  code: number;
  message: string;
  /** Offset in the file's text as checked. */
  start: number;
}

/**
 * The changed files that still change after the check (those without a tsconfig.json are not
 * checked). Errors that were there before the rewrite are not the rewrite's.
 */
export async function typeCheck(
  files: TransformedFile<TsFile>[],
  run: RunHooks<TsFile>,
): Promise<TransformedFile<TsFile>[]> {
  const byConfig = new Map<string, TransformedFile<TsFile>[]>();
  const kept: TransformedFile<TsFile>[] = [];
  for (const f of files) {
    const config = nearest(path.dirname(f.abs), run.root, "tsconfig.json");
    if (!config) kept.push(f);
    else byConfig.set(config, [...(byConfig.get(config) ?? []), f]);
  }
  for (const [config, group] of byConfig) {
    try {
      kept.push(...checkProject(config, group, run));
    } catch (e) {
      // The check is a second safety net: when it fails, the rewrites stay and a person checks.
      unchecked(run, config, group, `the type check failed (${firstLine(e)})`);
      kept.push(...group);
    }
  }
  return kept;
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0];

function unchecked(
  run: RunHooks<TsFile>,
  config: string,
  files: TransformedFile<TsFile>[],
  why: string,
): void {
  run.report({
    transform: files[0]?.edits.find((e) => e.entry)?.entry?.transform ?? "typescript",
    file: toPosix(path.relative(run.root, config)),
    line: 1,
    column: 1,
    before: "",
    after: null,
    outcome: "needs-review",
    reason: `${why}: the rewrites of ${files.length} file(s) under it were not type-checked; run the project's type check`,
  });
}

function checkProject(
  config: string,
  files: TransformedFile<TsFile>[],
  run: RunHooks<TsFile>,
): TransformedFile<TsFile>[] {
  const { Project, ts } = load.loadTsMorph();
  const configRel = toPosix(path.relative(run.root, config));
  let project: Project;
  try {
    project = new Project({
      tsConfigFilePath: config,
      resolutionHost: addedPackagesHost(ts, files),
    });
  } catch (e) {
    unchecked(run, config, files, `could not be read (${firstLine(e)})`);
    return files;
  }
  const inProject = files.filter((f) => project.getSourceFile(f.abs));
  if (inProject.length === 0) return files;
  // Types first. A rewrite whose expression has the same type before and after (uuid's v4()
  // and ulid() are both `string`), in a file whose new imports resolve, cannot bring an error,
  // in the file or in an importer; only the other files are checked, before and after. This
  // keeps the check to a few expressions' types in the usual case, not the project's errors.
  const before0 = new Map(inProject.map((f) => [f.abs, editTypes(ts, project, f, "source")]));
  for (const f of inProject) project.createSourceFile(f.abs, f.output, { overwrite: true });
  const suspects = inProject.filter(
    (f) =>
      editTypes(ts, project, f, "output").some((t, i) => t !== before0.get(f.abs)?.[i]) ||
      !importsResolve(ts, project, f),
  );
  const safe = files.filter((f) => !suspects.includes(f));
  if (suspects.length === 0) return safe;
  // The suspects and the files importing them: a changed type can break an importer.
  const watched = new Set<string>(suspects.map((f) => f.abs));
  const importers = importersOf(ts, project, new Set(watched));
  for (const by of importers.values()) for (const abs of by) watched.add(abs);
  for (const f of suspects) project.createSourceFile(f.abs, f.ctx.source, { overwrite: true });
  const errors = () => {
    const program = project.getProgram().compilerObject;
    const out = new Map<string, Problem[]>();
    for (const abs of watched) {
      const sf = program.getSourceFile(toPosix(abs));
      if (!sf) continue;
      const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
      out.set(
        abs,
        diags
          .filter((d) => d.category === ts.DiagnosticCategory.Error)
          .map((d) => ({
            file: toPosix(path.relative(run.root, abs)),
            line: sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
            code: d.code,
            message: ts.flattenDiagnosticMessageText(d.messageText, " "),
            start: d.start ?? 0,
          })),
      );
    }
    return out;
  };
  const before = errors();
  const current = new Map<string, TransformedFile<TsFile> | null>(suspects.map((f) => [f.abs, f]));
  const put = (abs: string) => {
    const f = current.get(abs);
    const text = f ? f.output : (suspects.find((x) => x.abs === abs)?.ctx.source ?? "");
    project.createSourceFile(abs, text, { overwrite: true });
  };
  for (const abs of current.keys()) put(abs);

  for (let round = 1; ; round++) {
    // Per changed file: the edits to take back, each with the error that says why.
    const blame = new Map<string, Map<Edit, Problem>>();
    const accuse = (f: TransformedFile<TsFile>, edits: readonly Edit[], problem: Problem) => {
      const mine = blame.get(f.abs) ?? new Map<Edit, Problem>();
      // The last round takes back all that is left: some error stays whatever is kept.
      for (const e of round >= ROUNDS ? f.edits : edits) {
        if (e.entry && !mine.has(e)) mine.set(e, problem);
      }
      blame.set(f.abs, mine);
    };
    for (const [abs, problems] of errors()) {
      for (const p of introduced(before.get(abs) ?? [], problems)) {
        const own = current.get(abs);
        if (own) {
          const sf = project.getProgram().compilerObject.getSourceFile(toPosix(abs));
          // Said at the line of the file as it is (the error is in the rewritten text).
          const at = { ...p, line: lineOf(own.ctx.source, sourceOffset(own, p.start)) };
          accuse(own, sf ? culprits(ts, own, sf, p.start) : own.edits, at);
          continue;
        }
        // An importer broke: the changed files it imports.
        for (const [changed, by] of importers) {
          const f = current.get(changed);
          if (f && by.has(abs)) accuse(f, f.edits, p);
        }
      }
    }
    let progressed = false;
    for (const [abs, edits] of blame) {
      const f = current.get(abs);
      if (!f || edits.size === 0) continue;
      const reason = (e: Edit) => {
        const p = edits.get(e) as Problem;
        return `the rewrite does not type-check against ${configRel} (${p.file}:${p.line}: TS${p.code} ${p.message}); left as it was`;
      };
      current.set(abs, run.withhold(f, [...edits.keys()], reason));
      put(abs);
      progressed = true;
    }
    if (!progressed) break;
  }
  return [...safe, ...[...current.values()].filter((f) => f !== null)];
}

/** The transform edits of a file, in order: where each is in the source, or in the output. */
function placedEdits(file: TransformedFile<TsFile>, where: "source" | "output") {
  const out: { edit: Edit; start: number; end: number }[] = [];
  let delta = 0;
  for (const e of [...file.edits].sort((a, b) => a.start - b.start)) {
    const start = where === "source" ? e.start : e.start + delta;
    const end = where === "source" ? e.end : start + e.text.length;
    if (e.entry) out.push({ edit: e, start, end });
    delta += e.text.length - (e.end - e.start);
  }
  return out;
}

/** The type of the expression each transform edit replaces (source) or writes (output). */
function editTypes(
  tsApi: typeof ts,
  project: Project,
  file: TransformedFile<TsFile>,
  where: "source" | "output",
): string[] {
  const program = project.getProgram().compilerObject;
  const sf = program.getSourceFile(toPosix(file.abs));
  const checker = program.getTypeChecker();
  return placedEdits(file, where).map(({ start, end }) => {
    let node: ts.Node | undefined = sf;
    let exact: ts.Node | undefined;
    while (node) {
      if (node !== sf && node.getStart(sf) === start && node.end === end) exact = node;
      node = tsApi.forEachChild(node, (c) =>
        c.getStart(sf) <= start && end <= c.end ? c : undefined,
      );
    }
    return exact ? checker.typeToString(checker.getTypeAtLocation(exact)) : "?";
  });
}

/**
 * Do the imports the language added resolve (the new `import { ulid } from "ulid"`)? A require
 * is not judged here: such a file gets the full check.
 */
function importsResolve(
  tsApi: typeof ts,
  project: Project,
  file: TransformedFile<TsFile>,
): boolean {
  const program = project.getProgram().compilerObject;
  const sf = program.getSourceFile(toPosix(file.abs));
  if (!sf) return false;
  const checker = program.getTypeChecker();
  let delta = 0;
  const added: [number, number][] = [];
  for (const e of [...file.edits].sort((a, b) => a.start - b.start)) {
    const start = e.start + delta;
    if (!e.entry && e.text.length > 0) added.push([start, start + e.text.length]);
    delta += e.text.length - (e.end - e.start);
  }
  for (const [start, end] of added) {
    const text = sf.text.slice(start, end);
    if (/\brequire\s*\(/.test(text)) return false;
    for (const st of sf.statements) {
      if (st.getStart(sf) < start || st.end > end || !tsApi.isImportDeclaration(st)) continue;
      if (!checker.getSymbolAtLocation(st.moduleSpecifier)) return false;
    }
  }
  return true;
}

/**
 * For each of `files`, the project's files that import it (import, export-from, import =
 * require), as the project's own program resolves them. The compiler's view, not ts-morph's
 * wrapped nodes: those go stale when a file's text is replaced.
 */
function importersOf(
  tsApi: typeof ts,
  project: Project,
  files: Set<string>,
): Map<string, Set<string>> {
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  const out = new Map([...files].map((f) => [f, new Set<string>()]));
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) continue;
    for (const st of sf.statements) {
      const spec =
        tsApi.isImportDeclaration(st) || tsApi.isExportDeclaration(st)
          ? st.moduleSpecifier
          : tsApi.isImportEqualsDeclaration(st) &&
              tsApi.isExternalModuleReference(st.moduleReference)
            ? st.moduleReference.expression
            : undefined;
      const target = spec && checker.getSymbolAtLocation(spec)?.valueDeclaration;
      const file = target && path.normalize(target.getSourceFile().fileName);
      if (file && file !== path.normalize(sf.fileName))
        out.get(file)?.add(path.normalize(sf.fileName));
    }
  }
  return out;
}

/** Where an offset of a file's output was in its source (an edit's start, inside one). */
function sourceOffset(file: TransformedFile<TsFile>, offset: number): number {
  let delta = 0;
  for (const e of [...file.edits].sort((a, b) => a.start - b.start)) {
    const start = e.start + delta;
    if (offset < start) break;
    if (offset < start + e.text.length) return e.start;
    delta += e.text.length - (e.end - e.start);
  }
  return offset - delta;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Problems in `after` that `before` did not have (compared by code and message; lines move). */
function introduced(before: Problem[], after: Problem[]): Problem[] {
  const counts = new Map<string, number>();
  const key = (p: Problem) => `${p.code}\0${p.message}`;
  for (const p of before) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
  return after.filter((p) => {
    const n = counts.get(key(p)) ?? 0;
    counts.set(key(p), n - 1);
    return n <= 0;
  });
}

/**
 * The transform edits an error at `offset` of the output comes from: those inside the smallest
 * node around the error that holds any (TypeScript reports `const key: K = ulid()` at `key`, a
 * bad `return ulid()` at `return`). The whole file's when only the file holds one.
 */
function culprits(
  tsApi: typeof ts,
  file: TransformedFile<TsFile>,
  sf: ts.SourceFile,
  offset: number,
): readonly Edit[] {
  const placed = placedEdits(file, "output");
  let node: ts.Node = sf;
  for (;;) {
    const child: ts.Node | undefined = tsApi.forEachChild(node, (c) =>
      c.getStart(sf) <= offset && offset < c.end ? c : undefined,
    );
    if (!child) break;
    node = child;
  }
  for (let n: ts.Node | undefined = node; n && n !== sf; n = n.parent) {
    const start = n.getStart(sf);
    const inside = placed.filter((p) => start <= p.start && p.end <= n.end);
    if (inside.length > 0) return inside.map((p) => p.edit);
  }
  return file.edits;
}

/**
 * Module resolution as the project has it, except that a package this run adds an import of and
 * the project has not installed yet (its lockfile is refreshed after the change) resolves to the
 * tool's own copy of it: its types are what the project will get.
 */
function addedPackagesHost(tsApi: typeof ts, files: TransformedFile<TsFile>[]) {
  const added = new Set(files.flatMap((f) => f.ctx.imports.added.map((a) => a.module)));
  return (host: ts.ModuleResolutionHost, options: () => ts.CompilerOptions) => ({
    resolveModuleNames(
      names: string[],
      containingFile: string,
      _reused: string[] | undefined,
      redirected: ts.ResolvedProjectReference | undefined,
      _options: ts.CompilerOptions,
      containing?: ts.SourceFile,
    ) {
      const mode = containing?.impliedNodeFormat;
      return names.map((name) => {
        const resolve = (from: string) =>
          tsApi.resolveModuleName(name, from, options(), host, undefined, redirected, mode)
            .resolvedModule;
        const found = resolve(containingFile);
        if (found || !added.has(name)) return found;
        const own = load.ownPackageDir(name);
        return own ? resolve(path.join(own, "..", "..", "resolve-from-here.ts")) : undefined;
      });
    },
  });
}
