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

/** Look for the config in `cwd` only: a plan applies to the checkouts it names, not to any parent. */
export function findConfig(cwd: string = process.cwd()): string | null {
  const candidate = join(cwd, CONFIG_FILE);
  return existsSync(candidate) ? candidate : null;
}

function resolveConfigPath(path?: string): string {
  if (path) return resolve(path);
  const found = findConfig();
  if (!found) {
    throw new ConfigError(
      `${CONFIG_FILE}: not found in ${process.cwd()} (run \`ulid-codemod init\` or pass --config FILE)`,
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
    };
  });
  return { path: abs, version: 1, github: parsed.data.github ?? {}, systems };
}

/** Load `path`, or `./ulid-migration.yaml` when no path is given. */
export function loadConfig(path?: string): MigrationConfig {
  const file = resolveConfigPath(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`${path ?? file}: cannot read (${code ?? String(e)})`);
  }
  return parseConfig(text, path ?? file);
}

/** One system by name; unknown names are an error listing the known ones. */
export function loadSystem(name: string, configPath?: string): SystemConfig {
  const config = loadConfig(configPath);
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
