import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export function registerDemoCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("demo")
    .description(
      "offline end-to-end demo: builds three small systems in a temp dir, migrates them with --apply, rolls back",
    )
    .option("--keep <dir>", "build the workspace in DIR (new or empty) and keep it for inspection")
    .action(async (flags: { keep?: string }) => {
      const { runDemo } = await import("./demo-workspace.ts");
      const r = await runDemo({
        ...(flags.keep ? { keep: flags.keep } : {}),
        ...(deps.out ? { out: deps.out } : {}),
        ...(deps.err ? { err: deps.err } : {}),
      });
      if (!r.restored)
        throw new Error("demo: rollback did not restore the workspace (see the table)");
    });
}
