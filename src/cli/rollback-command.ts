import { type Command, Option } from "commander";
import type { CliDeps } from "./io.ts";
import { type MetricsFlags, metricsJsonOption, metricsOption } from "./metrics-options.ts";
import { outputFor } from "./output.ts";

export interface RollbackFlags extends MetricsFlags {
  config?: string;
  system?: string;
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  backup?: string;
  force?: boolean;
  restore?: "auto" | "backup" | "sql";
  json?: boolean;
}

export function registerRollbackCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("rollback")
    .description(
      "put databases back as they were before the migration (from its backup, or by SQL when rows were written since) and delete the migration branches the tool created",
    )
    .option(
      "--config <file>",
      "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
    )
    .option("--system <name>", "roll back one system")
    .option("--all", "roll back every system (reverse phase order)")
    .option("--dry-run", "show what would be restored and deleted; change nothing")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .addOption(
      new Option(
        "--restore <how>",
        "backup: the whole file; sql: keys back from the mapping, keeping rows written since; auto: the backup when nothing would be lost, else sql",
      )
        .choices(["auto", "backup", "sql"])
        .default("auto"),
    )
    .option(
      "--backup <file>",
      "restore this backup (also one restored before) instead of the newest",
    )
    .option(
      "--force",
      "restore the backup even when rows written since would be lost or it is not the one taken before this migration (never implied by --yes)",
    )
    .option("--json", "the rollbackJsonSchema document on stdout; the rest goes to stderr")
    .addOption(metricsOption())
    .addOption(metricsJsonOption())
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod rollback --all --dry-run      # what would be restored and deleted
  $ ulid-codemod rollback --system crackerjack --yes`,
    )
    .action(async (flags: RollbackFlags) => {
      const { runRollback } = await import("./rollback-run.ts");
      await runRollback(flags, deps, outputFor(program, deps));
    });
}
