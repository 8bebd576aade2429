// A plugin as a jscodeshift transform, its flags read through the plugin's option declarations.
import { resolve } from "node:path";
import { optionsFromFlags, type TransformOptions } from "./options.ts";
import type { CodemodPlugin } from "./plugin.ts";
import { transformSource } from "./transform-file.ts";

interface JscodeshiftFile {
  path: string;
  source: string;
}

interface JscodeshiftApi {
  report?: (message: string) => void;
}

/**
 * A plugin's options from jscodeshift's flags. zod (which the rule declarations validate with)
 * loads on first use: the CLI imports the transforms for every `transform` run, and zod is a tenth
 * of a second of start-up. A package, not one of our .ts modules: jscodeshift's babel leaves
 * `import()` to Node, which cannot load TypeScript.
 */
export async function pluginOptionsFromFlags(
  plugin: Pick<CodemodPlugin, "options">,
  flags: Record<string, unknown>,
): Promise<TransformOptions> {
  const { z } = await import("zod");
  return optionsFromFlags(plugin.options, flags, z);
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
    const options = await pluginOptionsFromFlags(plugin, flags);
    const out = transformSource(file.path, file.source, [plugin], options, resolve(file.path));
    for (const e of out.entries) {
      if (e.outcome !== "rewritten")
        api.report?.(`${e.line}:${e.column} ${e.outcome}: ${e.reason}`);
    }
    if (!out.ok) throw new Error(`${file.path}: ${out.error}`);
    return out.changed ? out.output : null;
  };
}
