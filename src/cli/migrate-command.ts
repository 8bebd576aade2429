import { type Command, Option } from "commander";
import type { CliDeps } from "./io.ts";
import { type MetricsFlags, metricsJsonOption, metricsOption } from "./metrics-options.ts";
import { outputFor } from "./output.ts";

export interface MigrateFlags extends MetricsFlags {
  config?: string;
  system?: string;
  all?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  yes?: boolean;
  apply?: boolean;
  verifyOnCopy?: boolean;
  githubApiUrl?: string;
  /** `--no-checks` sets it false. */
  checks?: boolean;
  allowFailingChecks?: boolean;
  allowBlocking?: boolean;
  failOn?: "needs-review" | "blocking";
  json?: boolean;
  sarif?: string;
}

export function registerMigrateCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("migrate")
    .description(
      "per system in phase order: rewrite IDs on a branch, commit with the report and the backfill SQL (verified on a copy, or with --apply by the apply itself), run the plan's checks on the branch, optionally push, open a PR and apply the SQL",
    )
    .option(
      "--config <file>",
      "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
    )
    .option("--system <name>", "migrate one system")
    .option("--all", "migrate every system, in the plan's order")
    .option("--dry-run", "print the diff and the report, run the checks on it; change nothing")
    .option("--push", "push the branch to the system's remote")
    .option(
      "--open-pr",
      "open or update a GitHub pull request (implies --push; token from GITHUB_TOKEN)",
    )
    .option("--apply", "also apply the verified SQL to each system's database (after a backup)")
    .option(
      "--verify-on-copy",
      "with --apply: verify the SQL on a scratch copy before the commit too (one more apply), not only in the apply itself",
    )
    .option("--yes", "answer yes to every confirmation (required without a terminal)")
    .option("--no-checks", "do not run the plan's checks")
    .option(
      "--allow-failing-checks",
      "push even when a check fails; the PR opens (or turns) draft with the failure on top",
    )
    .option("--allow-blocking", "exit 0 although sites are blocking (the PR is still a draft)")
    .addOption(
      new Option("--fail-on <outcome>", "exit 1 when a site has this outcome or a worse one")
        .choices(["needs-review", "blocking"])
        .default("blocking"),
    )
    .option("--json", "the migrateJsonSchema document on stdout; the rest goes to stderr")
    .option("--sarif <file>", "write every system's review items as SARIF 2.1.0 to FILE")
    .option("--github-api-url <url>", "GitHub API base URL (GitHub Enterprise)")
    .addOption(metricsOption())
    .addOption(metricsJsonOption())
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod migrate --all --dry-run                 # every diff, report and SQL check; no change
  $ GITHUB_TOKEN=... ulid-codemod migrate --system crackerjack --open-pr --yes
  $ ulid-codemod migrate --system crackerjack --apply    # after the PR merged: backup, apply, validate`,
    )
    .action(async (flags: MigrateFlags) => {
      // Loaded on use: git, GitHub and config code stay out of other commands' start-up.
      const { runMigrate } = await import("./migrate-run.ts");
      await runMigrate(flags, deps, outputFor(program, deps));
    });
}
