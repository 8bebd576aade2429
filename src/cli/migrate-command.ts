import type { Command } from "commander";
import type { CliDeps } from "./io.ts";
import { type MetricsFlags, metricsJsonOption, metricsOption } from "./metrics-options.ts";

export interface MigrateFlags extends MetricsFlags {
  config?: string;
  system?: string;
  all?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  yes?: boolean;
  apply?: boolean;
  githubApiUrl?: string;
}

export function registerMigrateCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("migrate")
    .description(
      "per system in phase order: rewrite IDs on a branch, commit with the report and the backfill SQL (verified on a copy), optionally push, open a PR and apply the SQL",
    )
    .option("--config <file>", "migration plan (default: ./ulid-migration.yaml)")
    .option("--system <name>", "migrate one system")
    .option("--all", "migrate every system, in the plan's order")
    .option("--dry-run", "print the diff and the report; change nothing")
    .option("--push", "push the branch to the system's remote")
    .option(
      "--open-pr",
      "open or update a GitHub pull request (implies --push; token from GITHUB_TOKEN)",
    )
    .option("--apply", "also apply the verified SQL to each system's database (after a backup)")
    .option("--yes", "answer yes to every confirmation (required without a terminal)")
    .option("--github-api-url <url>", "GitHub API base URL (GitHub Enterprise)")
    .addOption(metricsOption())
    .addOption(metricsJsonOption())
    .action(async (flags: MigrateFlags) => {
      // Loaded on use: git, GitHub and config code stay out of other commands' start-up.
      const { runMigrate } = await import("./migrate-run.ts");
      await runMigrate(flags, deps);
    });
}
