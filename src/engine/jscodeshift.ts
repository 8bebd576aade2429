import { transformSource } from "./transform-file.ts";
import { type CodemodPlugin, defaultTransformOptions, type TransformOptions } from "./types.ts";

interface JscodeshiftFile {
  path: string;
  source: string;
}

interface JscodeshiftApi {
  report?: (message: string) => void;
}

/** jscodeshift's flags arrive as strings or booleans; map the ones our transforms read. */
export function optionsFromFlags(flags: Record<string, unknown>): TransformOptions {
  const style = flags.importStyle ?? flags["import-style"];
  return {
    ...defaultTransformOptions,
    module: typeof flags.module === "string" ? flags.module : defaultTransformOptions.module,
    importStyle: style === "from" ? "from" : "module",
    untruncate: flags.untruncate === true || flags.untruncate === "true",
  };
}

/**
 * A jscodeshift transform (`(file, api, options) => string | null`) over one plugin. jscodeshift
 * runs one file at a time, so cross-file facts (natural keys) only see that file.
 */
export function jscodeshiftAdapter(plugin: CodemodPlugin) {
  return function transform(
    file: JscodeshiftFile,
    api: JscodeshiftApi,
    flags: Record<string, unknown> = {},
  ): string | null {
    const out = transformSource(file.path, file.source, [plugin], optionsFromFlags(flags));
    for (const e of out.entries) {
      if (e.outcome !== "rewritten")
        api.report?.(`${e.line}:${e.column} ${e.outcome}: ${e.reason}`);
    }
    if (!out.ok) throw new Error(`${file.path}: ${out.error}`);
    return out.changed ? out.output : null;
  };
}
