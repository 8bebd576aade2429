// The registry: transform names to plugins, the one place above the engine that knows them all.
// The CLI, the plan and the runner's callers find transforms (and their options) here.
import { mergeSpecs, type OptionSpec, type TransformOptions } from "../src/codemod/options.ts";
import type { CodemodPlugin } from "../src/codemod/plugin.ts";
import type { RunOptions, RunResult } from "../src/codemod/runner.ts";
import { plugin as fstringIdToUlid } from "./fstring-id-to-ulid.ts";
import { plugin as jsUuidToUlid } from "./js-uuid-to-ulid.ts";
import { plugin as sqlConsumers } from "./sql-consumers.ts";
import { plugin as uuidConsumers } from "./uuid-consumers.ts";
import { plugin as uuid4ToUlid } from "./uuid4-to-ulid.ts";

export const TRANSFORMS: Readonly<Record<string, CodemodPlugin>> = {
  [uuid4ToUlid.name]: uuid4ToUlid,
  [fstringIdToUlid.name]: fstringIdToUlid,
  [uuidConsumers.name]: uuidConsumers,
  [sqlConsumers.name]: sqlConsumers,
  [jsUuidToUlid.name]: jsUuidToUlid,
};

export const TRANSFORM_NAMES: readonly string[] = Object.keys(TRANSFORMS);

export function pluginsFor(names: readonly string[]): CodemodPlugin[] {
  return names.map((n) => {
    const p = TRANSFORMS[n];
    if (!p) throw new Error(`unknown transform "${n}" (known: ${TRANSFORM_NAMES.join(", ")})`);
    return p;
  });
}

/** Every transform's options, each key once (shared keys are shared declarations). */
export const OPTION_SPECS: readonly OptionSpec[] = mergeSpecs(Object.values(TRANSFORMS));

/** The transforms that declare an option. */
export function declaredBy(key: string): string[] {
  return Object.values(TRANSFORMS)
    .filter((p) => p.options.some((o) => o.key === key))
    .map((p) => p.name);
}

/** Every option at its default: a base to override. */
export function defaultTransformOptions(): TransformOptions {
  return Object.fromEntries(OPTION_SPECS.map((s) => [s.key, s.default]));
}

/** Why the selected transforms cannot run with these options (e.g. no rule), one line each. */
export function missingOptions(
  names: readonly string[],
  options: TransformOptions,
  where: "cli" | "plan",
): { key: string; message: string }[] {
  const specs = mergeSpecs(pluginsFor(names));
  return specs.flatMap((s) =>
    s.kind === "custom" && s.missing && s.isEmpty(options[s.key] ?? s.default)
      ? [{ key: where === "plan" ? (s.plan?.key ?? s.key) : s.key, message: s.missing[where] }]
      : [],
  );
}

export type TransformRunOptions = Omit<RunOptions, "plugins"> & { transforms: readonly string[] };
export type RunTransforms = (opts: TransformRunOptions) => Promise<RunResult>;

/**
 * A run of the named transforms (the runner loads on use: the CLI reads this registry at
 * start-up). Its worker threads start run-worker.ts, which finds the plugins here by name.
 * For measuring: `ULID_CODEMOD_THREADS=0` keeps a run on one thread, `=1` spreads even a small one.
 */
const THREADS: Record<string, { threads: boolean }> = {
  0: { threads: false },
  1: { threads: true },
};

export const runTransforms: RunTransforms = async ({ transforms, ...rest }) => {
  const { runCodemod } = await import("../src/codemod/runner.ts");
  const { startWorker } = await import("../src/util/worker.ts");
  return runCodemod({
    ...(THREADS[process.env.ULID_CODEMOD_THREADS ?? ""] ?? {}),
    startThread: (workerData) => startWorker(import.meta.url, "run-worker", { workerData }),
    ...rest,
    plugins: pluginsFor(transforms),
  });
};
