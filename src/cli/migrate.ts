import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export interface MigrateFlags {
  config?: string;
  system?: string;
  all?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  yes?: boolean;
  githubApiUrl?: string;
}

export function registerMigrateCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("migrate")
    .description(
      "rewrite IDs on a branch per system, commit with a report, optionally push and open a PR",
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
    .option("--yes", "do not ask for confirmation")
    .option("--github-api-url <url>", "GitHub API base URL (GitHub Enterprise)")
    .action(async (flags: MigrateFlags) => {
      // Loaded on use: git, GitHub and config code stay out of other commands' start-up.
      const { runMigrate } = await import("./migrate-run.ts");
      await runMigrate(flags, deps);
    });
}
