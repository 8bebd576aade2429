import { writeFileSync } from "node:fs";
import path from "node:path";
import type { FStringRule } from "../codemod/plugin.ts";
import { runCodemod } from "../codemod/runner.ts";
import { reportJson, terminalSummary, unifiedDiff } from "../report/terminal.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { TransformFlags } from "./transform-command.ts";

export async function runTransform(paths: string[], opts: TransformFlags, rules: FStringRule[]) {
  const result = await runCodemod({
    paths,
    root: path.resolve(opts.root),
    transforms: opts.transform,
    options: {
      module: opts.module,
      importStyle: opts.importStyle,
      untruncate: opts.untruncate,
      rules,
    },
    dryRun: opts.dryRun,
    prefilter: opts.prefilter,
  });
  if (opts.dryRun && result.changes.length > 0) process.stdout.write(unifiedDiff(result.changes));
  if (opts.report) {
    writeFileSync(
      opts.report,
      reportJson(result, {
        tool: TOOL_NAME,
        version: TOOL_VERSION,
        transforms: opts.transform,
        module: opts.module,
        dryRun: opts.dryRun,
      }),
    );
  }
  process.stdout.write(`${terminalSummary(result)}\n`);
  if (!opts.dryRun && result.changes.length > 0) {
    process.stdout.write(`\nWrote ${result.changes.length} file(s):\n`);
    for (const c of result.changes) process.stdout.write(`  ${c.file}\n`);
  }
  if (opts.dryRun) process.stdout.write("\n(dry run: nothing written)\n");
}
