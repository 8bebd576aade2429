import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts the worker entry `name` that sits next to the calling module (`from`, its
 * import.meta.url): the bundle's `.mjs`, or, from sources, the `.ts` file through tsx
 * (see worker-boot.mjs).
 */
export function startWorker(from: string, name: string, opts: WorkerOptions = {}): Worker {
  // Not the parent's flags: those can be for the main script only (`--input-type` with `-e`).
  if (!from.endsWith(".ts"))
    return new Worker(new URL(`./${name}.mjs`, from), { execArgv: [], ...opts });
  const entry = new URL(`./${name}.ts`, from).href;
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), {
    ...opts,
    execArgv: [],
    argv: [entry],
  });
}
