import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export interface RollbackFlags {
  config?: string;
  system?: string;
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

export function registerRollbackCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("rollback")
    .description(
      "restore databases from the tool's latest backup and delete the migration branches it created",
    )
    .option("--config <file>", "migration plan (default: ./ulid-migration.yaml)")
    .option("--system <name>", "roll back one system")
    .option("--all", "roll back every system (reverse phase order)")
    .option("--dry-run", "show what would be restored and deleted; change nothing")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (flags: RollbackFlags) => {
      const { runRollback } = await import("./rollback-run.ts");
      await runRollback(flags, deps);
    });
}
