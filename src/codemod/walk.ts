import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ignore, { type Ignore } from "ignore";
import { toPosix } from "../util/posix-path.ts";

export interface WalkOptions {
  /** Report paths and globs are relative to this directory. */
  root: string;
  /** What a directory walk picks up (`.py`). */
  extensions: readonly string[];
  include?: string[];
  exclude?: string[];
}

export interface WalkResult {
  files: string[];
  skipped: { file: string; reason: string }[];
}

/**
 * The source files under the given paths (by extension): directories are walked honouring
 * `.gitignore` files (at every level) and the include/exclude globs; symlinks are never followed.
 */
export function collectFiles(paths: string[], opts: WalkOptions): WalkResult {
  const isSource = (name: string) => opts.extensions.some((e) => name.endsWith(e));
  const files = new Set<string>();
  const skipped: WalkResult["skipped"] = [];
  const include = opts.include?.length ? ignore().add(opts.include) : undefined;
  const exclude = opts.exclude?.length ? ignore().add(opts.exclude) : undefined;
  const rel = (abs: string) => toPosix(path.relative(opts.root, abs)) || path.basename(abs);
  const wanted = (abs: string) => {
    if (!include && !exclude) return true;
    const r = rel(abs);
    if (r.startsWith("..")) return true;
    return (!include || include.ignores(r)) && !exclude?.ignores(r);
  };

  const walk = (dir: string, rules: { base: string; ig: Ignore }[]) => {
    const local = readGitignore(dir);
    const all = local ? [...rules, { base: dir, ig: local }] : rules;
    let entries: Dirent[];
    try {
      // The entries' types come with the listing (no lstat per entry); like lstat, a link is a link.
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    } catch (err) {
      skipped.push({ file: rel(dir), reason: `cannot read directory: ${(err as Error).message}` });
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name === ".git" || name === "node_modules") continue;
      const abs = path.join(dir, name);
      const isDir = entry.isDirectory();
      if (all.some((r) => r.ig.ignores(toPosix(path.relative(r.base, abs)) + (isDir ? "/" : "")))) {
        continue;
      }
      if (entry.isSymbolicLink()) {
        if (isSource(name)) skipped.push({ file: rel(abs), reason: "symlink, not followed" });
        continue;
      }
      if (isDir) walk(abs, all);
      else if (entry.isFile() && isSource(name) && wanted(abs)) files.add(abs);
    }
  };

  for (const p of paths) {
    const abs = path.resolve(p);
    let st: ReturnType<typeof statSync>;
    try {
      // A path the user names is taken as they name it, link or not; links found inside are not.
      st = statSync(abs);
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) walk(abs, ancestorsGitignore(abs, opts.root));
    else if (st.isFile()) files.add(abs); // named explicitly: taken even if ignored or of another extension
  }
  return { files: [...files], skipped };
}

/**
 * `collectFiles` for paths that may lie in different repositories: each path's files are
 * relative to `root` when given, else to the path's repository root (the nearest directory
 * holding `.git`), else to the path itself (its directory, for a file).
 */
export function collectRooted(
  paths: string[],
  root: string | undefined,
  opts: Omit<WalkOptions, "root">,
): WalkResult & { rel: (abs: string) => string; rootOf: (abs: string) => string } {
  const files: string[] = [];
  const skipped: WalkResult["skipped"] = [];
  const rootOf = new Map<string, string>();
  for (const p of paths) {
    const base = root === undefined ? repositoryRoot(p) : path.resolve(root);
    const walked = collectFiles([p], { ...opts, root: base });
    for (const f of walked.files) {
      if (rootOf.has(f)) continue;
      rootOf.set(f, base);
      files.push(f);
    }
    skipped.push(...walked.skipped);
  }
  const fallback = path.resolve(root ?? ".");
  const base = (abs: string) => rootOf.get(abs) ?? fallback;
  const rel = (abs: string) => toPosix(path.relative(base(abs), abs));
  return { files, skipped, rel, rootOf: base };
}

/** The repository a path is in (the directory holding `.git`), else the path's directory. */
export function repositoryRoot(p: string): string {
  const abs = path.resolve(p);
  let start = abs;
  try {
    if (!statSync(abs).isDirectory()) start = path.dirname(abs);
  } catch {
    return abs;
  }
  for (let d = start; ; d = path.dirname(d)) {
    try {
      statSync(path.join(d, ".git"));
      return d;
    } catch {}
    if (path.dirname(d) === d) return start;
  }
}

function readGitignore(dir: string): Ignore | undefined {
  try {
    return ignore().add(readFileSync(path.join(dir, ".gitignore"), "utf8"));
  } catch {
    return undefined;
  }
}

/** .gitignore files between the run root and a starting directory below it also apply. */
function ancestorsGitignore(dir: string, root: string): { base: string; ig: Ignore }[] {
  const rules: { base: string; ig: Ignore }[] = [];
  const relToRoot = path.relative(root, dir);
  if (relToRoot.startsWith("..") || path.isAbsolute(relToRoot) || relToRoot === "") return rules;
  let cur = root;
  for (const part of relToRoot.split(path.sep)) {
    const ig = readGitignore(cur);
    if (ig) rules.push({ base: cur, ig });
    cur = path.join(cur, part);
  }
  return rules;
}
