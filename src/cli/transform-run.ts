import { writeFileSync } from "node:fs";
import path from "node:path";
import { runTransforms } from "../../transforms/index.ts";
import type { TransformOptions } from "../codemod/options.ts";
import { unifiedDiff } from "../report/diff.ts";
import { reportJson } from "../report/json.ts";
import { terminalSummary } from "../report/terminal.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
import type { TransformFlags } from "./transform-command.ts";

export async function runTransform(
  paths: string[],
  flags: TransformFlags,
  options: TransformOptions,
  deps: CliDeps,
): Promise<void> {
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const run = deps.runCodemod ?? runTransforms;
  const result = await run({
    paths,
    ...(flags.root ? { root: path.resolve(flags.root) } : {}),
    transforms: flags.transform,
    options,
    dryRun: flags.dryRun,
    prefilter: flags.prefilter,
  });
  if (flags.dryRun && result.changes.length > 0) out(unifiedDiff(result.changes));
  if (flags.report) {
    writeFileSync(
      flags.report,
      reportJson(result, {
        tool: TOOL_NAME,
        version: TOOL_VERSION,
        transforms: flags.transform,
        module: String(options.module),
        dryRun: flags.dryRun,
      }),
    );
  }
  out(`${terminalSummary(result)}\n`);
  if (!flags.dryRun && result.changes.length > 0) {
    out(`\nWrote ${result.changes.length} file(s):\n`);
    for (const c of result.changes) out(`  ${c.file}\n`);
  }
  if (flags.dryRun) out("\n(dry run: nothing written)\n");
}
