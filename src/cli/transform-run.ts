import { writeFileSync } from "node:fs";
import path from "node:path";
import { runTransforms } from "../../transforms/index.ts";
import type { TransformOptions } from "../codemod/options.ts";
import { repositoryRoot } from "../codemod/walk.ts";
import { unifiedDiff } from "../report/diff.ts";
import { reportJson, transformReport } from "../report/json.ts";
import { toJson } from "../report/json-format.ts";
import { sarifLog } from "../report/sarif.ts";
import { terminalSummary } from "../report/terminal.ts";
import { failOnProblem } from "./fail-on.ts";
import type { CliDeps } from "./io.ts";
import { colorDiff, colorOutcomes, type Output } from "./output.ts";
import type { TransformFlags } from "./transform-command.ts";

/** `-` is stdout; anything else a file. */
export function writeTo(target: string, text: string, out: (t: string) => void): void {
  if (target === "-") out(text);
  else writeFileSync(target, text);
}

export async function runTransform(
  paths: string[],
  flags: TransformFlags,
  options: TransformOptions,
  deps: CliDeps,
  io: Output,
): Promise<void> {
  const run = deps.runCodemod ?? runTransforms;
  // SARIF's SRCROOT: the root the report paths are relative to (the first path's repository).
  const root = flags.root ? path.resolve(flags.root) : repositoryRoot(paths[0] ?? ".");
  const result = await run({
    paths,
    ...(flags.root ? { root: path.resolve(flags.root) } : {}),
    transforms: flags.transform,
    options,
    dryRun: flags.dryRun,
    prefilter: flags.prefilter,
  });
  // With a machine-readable document on stdout, the human text goes to stderr.
  const toStdout = flags.report === "-" || flags.sarif === "-";
  const human = toStdout ? io.err : io.out;
  if (flags.dryRun && result.changes.length > 0) {
    human(colorDiff(unifiedDiff(result.changes), io.style));
  }
  if (flags.report) {
    const report = transformReport(result, {
      transforms: flags.transform,
      module: String(options.module),
      dryRun: flags.dryRun,
      command: ["ulid-codemod", "transform", ...paths].join(" "),
    });
    writeTo(flags.report, reportJson(report), io.out);
  }
  if (flags.sarif) writeTo(flags.sarif, toJson(sarifLog([{ result, root }])), io.out);
  human(`${colorOutcomes(terminalSummary(result), io.style)}\n`);
  if (!flags.dryRun && result.changes.length > 0) {
    human(`\nWrote ${result.changes.length} file(s):\n`);
    for (const c of result.changes) human(`  ${c.file}\n`);
  }
  if (flags.dryRun) human("\n(dry run: nothing written)\n");
  const failed = failOnProblem(flags.failOn, result.entries);
  if (failed) throw new Error(failed);
}
