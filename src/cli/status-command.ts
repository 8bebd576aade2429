import type { Command } from "commander";
import type { CliDeps } from "./io.ts";
import { outputFor } from "./output.ts";

export interface StatusFlags {
  config?: string;
  system?: string;
  all?: boolean;
  json?: boolean;
  githubApiUrl?: string;
  remote?: boolean;
}

export function registerStatusCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("status")
    .description(
      "one row per system: the migration branch, its pull request (state, review, checks), the last run of the plan's checks, the database, and what to do next",
    )
    .option(
      "--config <file>",
      "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
    )
    .option("--system <name>", "one system")
    .option("--all", "every system (the default)")
    .option("--json", "the statusJsonSchema document on stdout (see README, JSON output)")
    .option("--github-api-url <url>", "GitHub API base URL (GitHub Enterprise)")
    .option("--no-remote", "do not ask the git remote (use the last fetched refs)")
    .addHelpText(
      "after",
      `
Without GITHUB_TOKEN (or without network) it shows what it knows locally and says what it could not ask.

Examples:
  $ ulid-codemod status
  $ GITHUB_TOKEN=... ulid-codemod status --system crackerjack --json | jq '.systems[0].pr'`,
    )
    .action(async (flags: StatusFlags) => {
      const { runStatus } = await import("./status-run.ts");
      await runStatus(flags, deps, outputFor(program, deps));
    });
}
