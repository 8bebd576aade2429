// Finding, reading and validating the migration plan; every error names the file and key path.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { closest, distance } from "fastest-levenshtein";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { CONFIG_FILE } from "./paths.ts";
import { configSchema, type MigrationConfig, optionsOf, type SystemConfig } from "./schema.ts";

/** `systems.akosha.fstringRules[0].naturalKeys` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(p))) out += out ? `.${String(p)}` : String(p);
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || "(top level)";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
}

function kind(expected: string): string {
  if (expected === "object" || expected === "record" || expected === "map") return "a mapping";
  if (expected === "array" || expected === "tuple") return "a list";
  return expected;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  const got = valueAt(raw, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeys(issue.path);
      return issue.keys.map((k) => {
        const near = known.length ? closest(k, known) : undefined;
        const hint =
          near && distance(k, near) <= Math.max(2, Math.floor(k.length / 3))
            ? `did you mean \`${near}\`?`
            : `known keys: ${known.join(", ")}`;
        return `${formatPath([...issue.path, k])}: unknown key (${hint})`;
      });
    }
    case "invalid_value":
      if (got === undefined) {
        return [
          `${formatPath(issue.path)}: required key is missing (expected ${issue.values.map((v) => JSON.stringify(v)).join(" | ")})`,
        ];
      }
      return [
        `${formatPath(issue.path)}: expected ${
          issue.values.length === 1
            ? JSON.stringify(issue.values[0])
            : `one of ${issue.values.map((v) => JSON.stringify(v)).join(" | ")}`
        }, got ${show(got)}`,
      ];
    case "invalid_type":
      if (got === undefined) return [`${formatPath(issue.path)}: required key is missing`];
      return [`${formatPath(issue.path)}: expected ${kind(issue.expected)}, got ${show(got)}`];
    case "invalid_union":
      return [`${formatPath(issue.path)}: does not match any allowed form, got ${show(got)}`];
    default: {
      const message = issue.message.replace(/^Invalid input: /, "");
      return [`${formatPath(issue.path)}: ${message}, got ${show(got)}`];
    }
  }
}

/** The keys the schema allows at a path of the plan (for "did you mean"). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  type Def = {
    type: string;
    shape?: Record<string, z.ZodType>;
    valueType?: z.ZodType;
    element?: z.ZodType;
    innerType?: z.ZodType;
  };
  const defOf = (t: z.ZodType) => (t as unknown as { _zod: { def: Def } })._zod.def;
  const unwrap = (t: z.ZodType): z.ZodType => {
    let cur = t;
    for (let d = defOf(cur); d.innerType; d = defOf(cur)) cur = d.innerType;
    return cur;
  };
  let cur: z.ZodType | undefined = configSchema;
  for (const p of path) {
    if (!cur) return [];
    const d = defOf(unwrap(cur));
    cur =
      d.type === "object" ? d.shape?.[String(p)] : d.type === "record" ? d.valueType : d.element;
  }
  const d = cur ? defOf(unwrap(cur)) : undefined;
  return d?.type === "object" ? Object.keys(d.shape ?? {}) : [];
}

/**
 * The nearest `ulid-migration.yaml`: in `cwd`, else in its parents (as git finds `.git`), so a
 * command run inside one of the plan's checkouts finds the plan above it.
 */
export function findConfig(cwd: string = process.cwd()): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Where the plan comes from: `--config`, then `ULID_CODEMOD_CONFIG`, then the nearest file. */
export function resolveConfigPath(
  path?: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): string {
  if (path) return resolve(path);
  const fromEnv = (opts.env ?? process.env).ULID_CODEMOD_CONFIG;
  if (fromEnv) return resolve(fromEnv);
  const cwd = opts.cwd ?? process.cwd();
  const found = findConfig(cwd);
  if (!found) {
    throw new ConfigError(
      `${CONFIG_FILE}: not found in ${cwd} or any parent (run \`ulid-codemod init\`, pass --config FILE or set ULID_CODEMOD_CONFIG)`,
    );
  }
  return found;
}

/** Parse and validate a config text. `path` is only used for messages and relative paths. */
export function parseConfig(text: string, path: string): MigrationConfig {
  const abs = resolve(path);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ConfigError(`${path}: invalid YAML: ${first?.message ?? "parse error"}`);
  }
  const raw: unknown = doc.toJS();
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((i) => describeIssue(i, raw));
    throw new ConfigError(lines.map((l) => `${path}: ${l}`).join("\n"));
  }
  const dir = dirname(abs);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const systems = Object.entries(parsed.data.systems).map(([name, s]): SystemConfig => {
    const { database } = s;
    return {
      name,
      repo: at(s.repo),
      branch: s.branch,
      remote: s.remote,
      include: s.include,
      exclude: s.exclude,
      transforms: s.transforms,
      options: optionsOf(s),
      ...(s.github ? { github: s.github } : {}),
      ...(s.services ? { services: s.services } : {}),
      ...(database
        ? {
            database: {
              ...database,
              path: at(database.path),
              ...(database.backupDir ? { backupDir: at(database.backupDir) } : {}),
            },
          }
        : {}),
      configPath: abs,
      checks: s.checks,
      checkTimeoutMinutes: s.checkTimeoutMinutes,
      pr: s.pr,
    };
  });
  return { path: abs, version: 1, github: parsed.data.github ?? {}, systems };
}

/** Load `path`, or the plan `resolveConfigPath` finds when no path is given. */
export function loadConfig(
  path?: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): MigrationConfig {
  const file = resolveConfigPath(path, opts);
  const named = path ?? (opts.env ?? process.env).ULID_CODEMOD_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`${named ?? file}: cannot read (${code ?? String(e)})`);
  }
  return parseConfig(text, named ?? file);
}

/** One system by name; unknown names are an error listing the known ones. */
export function loadSystem(
  name: string,
  configPath?: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SystemConfig {
  const config = loadConfig(configPath, opts);
  return pickSystem(config, name);
}

export function pickSystem(config: MigrationConfig, name: string): SystemConfig {
  const system = config.systems.find((s) => s.name === name);
  if (!system) {
    throw new ConfigError(
      `${config.path}: systems.${name}: no such system (known: ${config.systems.map((s) => s.name).join(", ")})`,
    );
  }
  return system;
}
