import {
  type CodemodPlugin,
  defaultTransformOptions,
  type FStringRule,
  type TransformOptions,
} from "./plugin.ts";
import { transformSource } from "./transform-file.ts";

interface JscodeshiftFile {
  path: string;
  source: string;
}

interface JscodeshiftApi {
  report?: (message: string) => void;
}

/**
 * zod, loaded on first use: the CLI imports the transforms (and so this module) for every
 * `transform` run, and zod is a tenth of a second of start-up. A package, not one of our .ts
 * modules: jscodeshift's babel leaves `import()` to Node, which cannot load TypeScript.
 */
async function flagSchemas() {
  const { z } = await import("zod");
  const policy = z.enum(["skip", "rewrite-and-flag"]);
  const rules = z.array(
    z.strictObject({
      target: z.string().min(1),
      template: z.string().optional(),
      naturalKeys: policy.default("skip"),
    }),
  );
  return { policy, rules };
}

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");

/**
 * fstring-id-to-ulid rules from flags: `--rules` (JSON array, or an array in an options file), or
 * `--target` with optional `--template`s and `--natural-keys` (one target per template; a
 * repeated `--target` gets every template, so use `--rules` for anything finer).
 */
async function rulesFromFlags(flags: Record<string, unknown>): Promise<FStringRule[]> {
  const raw = typeof flags.rules === "string" ? JSON.parse(flags.rules) : flags.rules;
  const { policy, rules: rulesSchema } = await flagSchemas();
  const rules: FStringRule[] = raw === undefined ? [] : rulesSchema.parse(raw);
  const naturalKeys = policy.parse(flags.naturalKeys ?? flags["natural-keys"] ?? "skip");
  const templates = list(flags.template);
  for (const target of list(flags.target)) {
    if (templates.length === 0) rules.push({ target, naturalKeys });
    for (const template of templates) rules.push({ target, template, naturalKeys });
  }
  return rules;
}

/** jscodeshift's flags arrive as strings or booleans; map the ones our transforms read. */
export async function optionsFromFlags(flags: Record<string, unknown>): Promise<TransformOptions> {
  const style = flags.importStyle ?? flags["import-style"];
  return {
    ...defaultTransformOptions,
    module: typeof flags.module === "string" ? flags.module : defaultTransformOptions.module,
    importStyle: style === "from" ? "from" : "module",
    untruncate: flags.untruncate === true || flags.untruncate === "true",
    rules: await rulesFromFlags(flags),
  };
}

/**
 * A jscodeshift transform (`(file, api, options) => Promise<string | null>`: jscodeshift awaits
 * it) over one plugin. jscodeshift runs one file at a time, so cross-file facts (natural keys)
 * only see that file.
 */
export function jscodeshiftAdapter(plugin: CodemodPlugin) {
  return async function transform(
    file: JscodeshiftFile,
    api: JscodeshiftApi,
    flags: Record<string, unknown> = {},
  ): Promise<string | null> {
    const out = transformSource(file.path, file.source, [plugin], await optionsFromFlags(flags));
    for (const e of out.entries) {
      if (e.outcome !== "rewritten")
        api.report?.(`${e.line}:${e.column} ${e.outcome}: ${e.reason}`);
    }
    if (!out.ok) throw new Error(`${file.path}: ${out.error}`);
    return out.changed ? out.output : null;
  };
}
