// `--metrics FILE` and `--metrics-json FILE`, the same on migrate, rollback and sql verify.
import fs from "node:fs";
import path from "node:path";
import { type Command, Option } from "commander";
import { UsageError } from "../errors.ts";
import {
  type MetricsCommand,
  type MetricsTargets,
  type SystemFigures,
  writeMetrics,
} from "../run/metrics.ts";

export interface MetricsFlags {
  metrics?: string;
  metricsJson?: string;
}

export const metricsOption = () =>
  new Option(
    "--metrics <file>",
    "write the run's figures as Prometheus text (node_exporter textfile collector), also on failure",
  );
export const metricsJsonOption = () =>
  new Option("--metrics-json <file>", "write the same figures as JSON");

/** Both options on a command. */
export const withMetrics = (c: Command): Command =>
  c.addOption(metricsOption()).addOption(metricsJsonOption());

/** Checked before the run starts: a run is not done only to find the metrics cannot be written. */
export function metricsTargets(flags: MetricsFlags): MetricsTargets {
  const out: MetricsTargets = {};
  for (const [flag, value, key] of [
    ["--metrics", flags.metrics, "prom"],
    ["--metrics-json", flags.metricsJson, "json"],
  ] as const) {
    if (!value) continue;
    const file = path.resolve(value);
    const dir = path.dirname(file);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new UsageError(`${flag} ${value}: the folder ${dir} does not exist`);
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      throw new UsageError(`${flag} ${value}: is a folder`);
    }
    out[key] = file;
  }
  return out;
}

/**
 * Writes the metrics; a failure to write is reported on stderr when the run itself failed (its
 * error is the one to see), else thrown.
 */
export async function emitMetrics(
  targets: MetricsTargets,
  command: MetricsCommand,
  figures: readonly SystemFigures[],
  runFailed: boolean,
  err: (t: string) => void,
): Promise<void> {
  try {
    await writeMetrics(targets, command, figures);
  } catch (e) {
    if (!runFailed) throw e;
    err(`${(e as Error).message}\n`);
  }
}
