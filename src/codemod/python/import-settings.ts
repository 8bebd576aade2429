// Where a repository wants its imports: its ruff configuration (`.ruff.toml`, `ruff.toml`,
// `pyproject.toml` [tool.ruff], with `extend`), else its isort configuration (`.isort.cfg`,
// `pyproject.toml` [tool.isort], `setup.cfg`, `tox.ini`) translated to ruff's isort settings,
// else ruff's defaults. ruff itself decides the order (see import-order.ts); this only finds
// the settings, as ruff's own discovery would for the file.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { RuffSettings } from "./ruff.ts";
import loadToml from "./toml-load.cjs";

export interface ImportSettings {
  /** ruff settings (ruff.toml's shape) for the isort rule. */
  ruff: RuffSettings;
  /** The file they came from (absolute), or undefined: ruff's defaults. */
  origin?: string;
  /** Directories `src` names (absolute): a module found there is first-party. */
  src: string[];
  /** ruff's `detect-same-package`: the file's own top package is first-party. */
  detectSamePackage: boolean;
  /** The configuration's own module lists (known-*, extra-standard-library, sections). */
  declared: string[];
  /** isort settings that have no ruff equivalent and were left out. */
  untranslated: string[];
}

type Table = Record<string, unknown>;

const RUFF_FILES = [".ruff.toml", "ruff.toml", "pyproject.toml"] as const;
const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const byDir = new Map<string, ImportSettings>();
const byFile = new Map<string, Table | undefined>();

/**
 * The import settings for a Python file on disk, or ruff's defaults for a file that is not on
 * disk (`abs` undefined). Throws an Error naming the configuration file, and the key or line,
 * when the configuration cannot be read.
 */
export function importSettingsFor(abs: string | undefined): ImportSettings {
  if (abs === undefined) return defaults(undefined);
  const dir = path.dirname(abs);
  let settings = byDir.get(dir);
  if (!settings) {
    settings = resolve(dir);
    byDir.set(dir, settings);
  }
  return settings;
}

/** Forget what was read (tests change configuration files between runs). */
export function clearImportSettings(): void {
  byDir.clear();
  byFile.clear();
}

function resolve(dir: string): ImportSettings {
  const dirs = upTo(dir);
  for (const d of dirs) {
    for (const name of RUFF_FILES) {
      const file = path.join(d, name);
      const ruff = ruffTable(file);
      if (ruff) return fromRuff(file, ruff);
    }
  }
  for (const d of dirs) {
    const found = isortConfig(d);
    if (found) return fromIsort(found.file, found.values);
  }
  const top = dirs.at(-1) as string;
  return defaults(existsSync(path.join(top, ".git")) ? top : packageParent(dir));
}

/** Outside a repository: the directory above the file's outermost package (where it imports from). */
function packageParent(dir: string): string {
  let d = dir;
  while (existsSync(path.join(d, "__init__.py")) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** `dir` and its parents, up to the repository root (the directory holding `.git`). */
function upTo(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    out.push(d);
    if (existsSync(path.join(d, ".git")) || path.dirname(d) === d) return out;
  }
}

function readToml(file: string): Table | undefined {
  if (byFile.has(file)) return byFile.get(file);
  let doc: Table | undefined;
  if (isFile(file)) {
    try {
      doc = loadToml().parse(readFileSync(file, "utf8")) as Table;
    } catch (e) {
      if (e instanceof loadToml().TomlError) {
        throw new Error(
          `${file}: not valid TOML at line ${e.line}, column ${e.column}: ${e.message.split("\n")[0]}`,
        );
      }
      throw new Error(`${file}: cannot read: ${(e as Error).message}`);
    }
  }
  byFile.set(file, doc);
  return doc;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The ruff settings of a ruff.toml, .ruff.toml or pyproject.toml ([tool.ruff]); undefined if none. */
function ruffTable(file: string): Table | undefined {
  const doc = readToml(file);
  if (!doc) return undefined;
  if (path.basename(file) !== "pyproject.toml") return doc;
  const tool = doc.tool;
  return isTable(tool) && isTable(tool.ruff) ? tool.ruff : undefined;
}

/** A ruff configuration with its `extend` chain merged (the extending file wins). */
function withExtends(file: string, table: Table, seen: string[] = []): Table {
  const base = table.extend;
  if (typeof base !== "string") return table;
  const target = path.resolve(path.dirname(file), base);
  if (seen.includes(target)) throw new Error(`${file}: extend: ${base} extends itself`);
  const parent = ruffTable(target);
  if (!parent) throw new Error(`${file}: extend: ${base}: no ruff configuration there`);
  return merge(withExtends(target, parent, [...seen, file]), table);
}

function merge(base: Table, over: Table): Table {
  const out: Table = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTable(b) && isTable(v) ? merge(b, v) : v;
  }
  return out;
}

function fromRuff(file: string, table: Table): ImportSettings {
  const options = withExtends(file, table);
  const dir = path.dirname(file);
  const lint = isTable(options.lint) ? options.lint : {};
  // `[tool.ruff.isort]` is the deprecated spelling of `[tool.ruff.lint.isort]`.
  const isort: Table = {
    ...(isTable(options.isort) ? options.isort : {}),
    ...(isTable(lint.isort) ? lint.isort : {}),
  };
  const ruff: RuffSettings = { lint: { isort } };
  if (options["line-length"] !== undefined) ruff["line-length"] = options["line-length"];
  const target = options["target-version"] ?? targetFromRequiresPython(dir);
  if (target !== undefined) ruff["target-version"] = target;
  const src = Array.isArray(options.src) ? options.src.map(String) : [".", "src"];
  return {
    ruff,
    origin: file,
    src: src.map((s) => path.resolve(dir, s)),
    detectSamePackage: isort["detect-same-package"] !== false,
    declared: declaredModules(isort),
    untranslated: [],
  };
}

/** ruff infers the target version from the project's `requires-python` when it is not set. */
function targetFromRequiresPython(dir: string): string | undefined {
  const doc = readToml(path.join(dir, "pyproject.toml"));
  const project = doc && isTable(doc.project) ? doc.project : undefined;
  const spec = project?.["requires-python"];
  if (typeof spec !== "string") return undefined;
  const m = /(?:>=|~=|==|>)\s*3\.(\d+)/.exec(spec);
  if (!m) return undefined;
  const minor = Math.min(Math.max(Number(m[1]), 7), 15);
  return `py3${minor}`;
}

function declaredModules(isort: Table): string[] {
  const out: string[] = [];
  for (const key of [
    "known-first-party",
    "known-third-party",
    "known-local-folder",
    "extra-standard-library",
  ]) {
    const v = isort[key];
    if (Array.isArray(v)) out.push(...v.map(String));
  }
  if (isTable(isort.sections)) {
    for (const v of Object.values(isort.sections)) if (Array.isArray(v)) out.push(...v.map(String));
  }
  return out;
}

function defaults(root: string | undefined): ImportSettings {
  return {
    ruff: { lint: { isort: {} } },
    src: root ? [root, path.join(root, "src")] : [],
    detectSamePackage: true,
    declared: [],
    untranslated: [],
  };
}

// isort -------------------------------------------------------------------------------------

/** isort's search order within a directory, and the sections it reads in each file. */
const ISORT_FILES: [string, string[]][] = [
  [".isort.cfg", ["settings", "isort"]],
  ["pyproject.toml", ["tool.isort"]],
  ["setup.cfg", ["isort", "tool:isort"]],
  ["tox.ini", ["isort", "tool:isort"]],
];

function isortConfig(dir: string): { file: string; values: Table } | undefined {
  for (const [name, sections] of ISORT_FILES) {
    const file = path.join(dir, name);
    if (name === "pyproject.toml") {
      const tool = readToml(file)?.tool;
      if (isTable(tool) && isTable(tool.isort)) return { file, values: tool.isort };
      continue;
    }
    if (!isFile(file)) continue;
    const ini = readIni(file);
    for (const s of sections) {
      const values = ini.get(s);
      if (values) return { file, values };
    }
  }
  return undefined;
}

/**
 * The sections of a configparser-style file (setup.cfg, tox.ini, .isort.cfg): `key = value` or
 * `key: value`, indented continuation lines, `#`/`;` comment lines. No INI package reads
 * Python's continuation lines, which is how isort's lists are usually written there.
 */
export function readIni(file: string): Map<string, Table> {
  const sections = new Map<string, Table>();
  let current: Table | undefined;
  let last: string | undefined;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      current = {};
      sections.set((header[1] as string).trim(), current);
      last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && current && last !== undefined) {
      current[last] = `${current[last] as string}\n${raw.trim()}`;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv && current) {
      last = (kv[1] as string).trim().toLowerCase();
      current[last] = (kv[2] as string).trim();
    }
  }
  return sections;
}

const SECTION_NAMES: Record<string, string> = {
  FUTURE: "future",
  STDLIB: "standard-library",
  THIRDPARTY: "third-party",
  FIRSTPARTY: "first-party",
  LOCALFOLDER: "local-folder",
};

// isort's profiles (isort/profiles.py), only the keys that decide where an import goes.
const BLACK: Table = { line_length: 88, split_on_trailing_comma: true };
const PROFILES: Record<string, Table> = {
  black: BLACK,
  django: { combine_as_imports: true, line_length: 79 },
  pycharm: { lines_after_imports: 2 },
  google: {
    force_single_line: true,
    force_sort_within_sections: true,
    lexicographical: true,
    line_length: 1000,
    single_line_exclusions: ["collections.abc", "six.moves", "typing"],
    order_by_type: false,
    group_by_package: true,
  },
  open_stack: { force_single_line: true, force_sort_within_sections: true, lexicographical: true },
  plone: {
    ...BLACK,
    force_alphabetical_sort: true,
    force_single_line: true,
    lines_after_imports: 2,
  },
  attrs: { lines_after_imports: 2, lines_between_types: 1 },
  hug: { line_length: 100 },
  wemake: { line_length: 80 },
};

const BOOLEANS: Record<string, string> = {
  force_sort_within_sections: "force-sort-within-sections",
  force_single_line: "force-single-line",
  combine_as_imports: "combine-as-imports",
  order_by_type: "order-by-type",
  case_sensitive: "case-sensitive",
  from_first: "from-first",
  length_sort: "length-sort",
  length_sort_straight: "length-sort-straight",
  force_wrap_aliases: "force-wrap-aliases",
  split_on_trailing_comma: "split-on-trailing-comma",
};
const LISTS: Record<string, string> = {
  known_first_party: "known-first-party",
  known_third_party: "known-third-party",
  known_local_folder: "known-local-folder",
  extra_standard_library: "extra-standard-library",
  single_line_exclusions: "single-line-exclusions",
  force_to_top: "force-to-top",
};
const INTEGERS: Record<string, string> = {
  lines_after_imports: "lines-after-imports",
  lines_between_types: "lines-between-types",
};
/** isort settings that change where an import goes and that ruff has no equivalent for. */
const NO_EQUIVALENT = new Set([
  "force_alphabetical_sort",
  "force_alphabetical_sort_within_sections",
  "lexicographical",
  "group_by_package",
  "known_standard_library",
  "no_sections",
  "float_to_top",
  "combine_star",
  "reverse_sort",
  "sort_order",
]);

function fromIsort(file: string, raw: Table): ImportSettings {
  const given: Table = {};
  for (const [k, v] of Object.entries(raw)) given[k.replace(/-/g, "_").toLowerCase()] = v;
  const profile = given.profile === undefined ? undefined : String(given.profile);
  const untranslated: string[] = [];
  if (profile !== undefined && !PROFILES[profile]) untranslated.push(`profile = ${profile}`);
  // isort's own defaults where they differ from ruff's.
  const values: Table = {
    line_length: 79,
    split_on_trailing_comma: false,
    ...(profile ? PROFILES[profile] : {}),
    ...given,
  };
  const where = (key: string) => `${file}: isort setting ${key}`;
  const isort: Table = {};
  const ruff: RuffSettings = { lint: { isort } };
  let src: string[] = [".", "src"];
  for (const [key, value] of Object.entries(values)) {
    if (BOOLEANS[key]) isort[BOOLEANS[key]] = toBoolean(value, where(key));
    else if (LISTS[key]) isort[LISTS[key]] = toList(value);
    else if (INTEGERS[key]) isort[INTEGERS[key]] = toInteger(value, where(key));
    else if (key === "line_length")
      ruff["line-length"] = Math.min(toInteger(value, where(key)), 320);
    else if (key === "src_paths") src = toList(value);
    else if (key === "py_version" && /^3\d+$/.test(String(value))) {
      ruff["target-version"] = `py${String(value)}`;
    } else if (key === "reverse_relative" && toBoolean(value, where(key))) {
      isort["relative-imports-order"] = "closest-to-furthest";
    } else if (key === "default_section") {
      const s = SECTION_NAMES[String(value).toUpperCase()];
      if (s) isort["default-section"] = s;
      else untranslated.push(`${key} = ${String(value)}`);
    } else if (key === "no_lines_before" || key === "sections") {
      const names = toList(value).map((s) => SECTION_NAMES[s.toUpperCase()]);
      if (names.every((s) => s !== undefined)) {
        isort[key === "sections" ? "section-order" : "no-lines-before"] = names;
      } else untranslated.push(key);
    } else if (NO_EQUIVALENT.has(key) && value !== false && value !== "false") {
      untranslated.push(key);
    } else if (/^known_/.test(key)) untranslated.push(key);
  }
  const dir = path.dirname(file);
  return {
    ruff,
    origin: file,
    src: src.map((s) => path.resolve(dir, s)),
    detectSamePackage: true,
    declared: declaredModules(isort),
    untranslated,
  };
}

function toBoolean(value: unknown, where: string): boolean {
  if (typeof value === "boolean") return value;
  const s = String(value).trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  throw new Error(`${where}: expected true or false, got ${JSON.stringify(value)}`);
}

function toInteger(value: unknown, where: string): number {
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isInteger(n))
    throw new Error(`${where}: expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** A list as isort takes it: a TOML array, or a string of comma- or line-separated names. */
function toList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(/[,\n]/);
  return items.map((s) => s.trim()).filter(Boolean);
}
