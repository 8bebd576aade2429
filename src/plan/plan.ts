import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { FStringRule, TransformOptions } from "../codemod/plugin.ts";
import { type DatabaseConfig, databaseSchema } from "./database.ts";

export const CONFIG_FILE = "ulid-migration.yaml";
export const TRANSFORMS = ["uuid4-to-ulid", "fstring-id-to-ulid"] as const;
export type TransformName = (typeof TRANSFORMS)[number];

/** Config problems: the message always starts with the file name, then the key path. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

// A rough `git check-ref-format --branch`: enough to reject names git would refuse later.
const branchName = z
  .string()
  .min(1)
  .refine(
    (b) =>
      !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$|\/\./.test(b) && b !== "@" && b !== "HEAD",
    "expected a valid git branch name",
  );

const remoteName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a git remote name");
const pythonModule = z
  .string()
  .regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, "expected a dotted Python module name");

/** `system:{}` or `{}-{}`: literal text and at least one bare `{}`; any other brace is a typo. */
export function templateProblem(template: string): string | null {
  if (!template.includes("{}")) return "expected at least one `{}` placeholder";
  if (/[{}]/.test(template.replaceAll("{}", ""))) {
    return "expected only bare `{}` placeholders (no names, format specs or stray braces)";
  }
  return null;
}

const template = z.string().superRefine((t, ctx) => {
  const problem = templateProblem(t);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const fstringRuleSchema = z.strictObject({
  target: z
    .string()
    .regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, "expected a name such as session_id or self.id"),
  templates: z.array(template).min(1).optional(),
  naturalKeys: z.enum(["skip", "rewrite-and-flag"]).default("skip"),
});

const systemSchema = z
  .strictObject({
    repo: z.string().min(1),
    branch: branchName.default("ulid-migration"),
    remote: remoteName.default("origin"),
    module: pythonModule.default("dhruva"),
    importStyle: z.enum(["module", "from"]).default("module"),
    untruncate: z.boolean().default(false),
    include: z.array(z.string().min(1)).default(["**/*.py"]),
    exclude: z.array(z.string().min(1)).default([]),
    transforms: z.array(z.enum(TRANSFORMS)).min(1),
    fstringRules: z.array(fstringRuleSchema).default([]),
    github: z
      .strictObject({
        owner: z.string().regex(/^[A-Za-z0-9_.-]+$/),
        repo: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      })
      .optional(),
    database: databaseSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.transforms.forEach((t, i) => {
      if (seen.has(t))
        ctx.addIssue({ code: "custom", path: ["transforms", i], message: "listed twice" });
      seen.add(t);
    });
    const wantsRules = s.transforms.includes("fstring-id-to-ulid");
    if (wantsRules && s.fstringRules.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["fstringRules"],
        message: "fstring-id-to-ulid needs at least one rule (target, templates)",
      });
    }
    if (!wantsRules && s.fstringRules.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["fstringRules"],
        message: "rules given but transforms does not include fstring-id-to-ulid",
      });
    }
  });

/** The whole file; exported so tests can walk it (e.g. every required key). */
export const configSchema = z.strictObject({
  version: z.literal(1),
  github: z.strictObject({ apiUrl: z.url({ protocol: /^https?$/ }).optional() }).optional(),
  // Insertion order of this map is the phase order.
  systems: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "expected a system name of letters, digits, - or _"),
      systemSchema,
    )
    .refine((m) => Object.keys(m).length > 0, "expected at least one system"),
});

type RawSystem = z.infer<typeof systemSchema>;

export interface SystemConfig extends Omit<RawSystem, "database"> {
  name: string;
  /** Absolute path of the checkout. */
  repo: string;
  /** The fstringRules expanded for the engine: one rule per template. */
  rules: FStringRule[];
  /** With `path` (and `backupDir`) absolute. */
  database?: DatabaseConfig;
  /** The config file this system came from. */
  configPath: string;
}

export interface MigrationConfig {
  /** Absolute path of the YAML file. */
  path: string;
  version: 1;
  github: { apiUrl?: string };
  /** In phase order. */
  systems: SystemConfig[];
}

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
    case "unrecognized_keys":
      return issue.keys.map(
        (k) => `${formatPath([...issue.path, k])}: unknown key (check the spelling)`,
      );
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
    const { database, ...rest } = s;
    return {
      ...rest,
      name,
      repo: at(s.repo),
      rules: s.fstringRules.flatMap((r): FStringRule[] =>
        r.templates
          ? r.templates.map((t) => ({ target: r.target, template: t, naturalKeys: r.naturalKeys }))
          : [{ target: r.target, naturalKeys: r.naturalKeys }],
      ),
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

export function transformOptions(system: SystemConfig): TransformOptions {
  return {
    module: system.module,
    importStyle: system.importStyle,
    untruncate: system.untruncate,
    rules: system.rules,
  };
}
