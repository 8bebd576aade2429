// Before the first change of a `migrate`, everything that can be checked is, for every selected
// system, and every problem is reported at once: a run never migrates the first system and then
// finds the second one's dirty checkout, missing remote, token or locked database.
import { databaseProblems } from "../live/state.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { repositoryProblems } from "../repo/branch.ts";
import { checkCommandProblem } from "../repo/checks.ts";
import { currentLogin } from "../repo/github.ts";
import { serviceProblems } from "./services.ts";

export interface PreflightOptions {
  apply?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  github?: { apiUrl?: string; token?: string };
  /** The plans' checks will run (not `--no-checks`). */
  runChecks?: boolean;
}

/** One line per problem, each naming its system; empty when the run may start. */
export async function preflight(
  systems: readonly SystemConfig[],
  opts: PreflightOptions,
): Promise<string[]> {
  const problems: string[] = [];
  let login: string | undefined;
  if (opts.openPr && !opts.github?.token && !opts.dryRun) {
    problems.push("--open-pr needs a token in GITHUB_TOKEN");
  }
  for (const system of systems) {
    const github = opts.github?.token ? { apiUrl: "", token: opts.github.token } : undefined;
    const repo = await repositoryProblems(system, {
      push: !!opts.push,
      // The missing token is said once, above.
      openPr: !!opts.openPr && !!github,
      ...(github ? { github } : {}),
      dryRun: !!opts.dryRun,
    });
    problems.push(
      ...repo.map((p) => (p.startsWith(`${system.name}:`) ? p : `${system.name}: ${p}`)),
    );
    if (opts.runChecks !== false) {
      for (const [i, c] of system.checks.entries()) {
        const why = checkCommandProblem(c, system.repo);
        if (why) {
          problems.push(
            `${system.name}: ${system.configPath}: systems.${system.name}.checks[${i}] (${c}): ${why}; install it, fix the command, or run with --no-checks`,
          );
        }
      }
    }
    if (opts.openPr && !opts.dryRun && opts.github?.token && system.pr.reviewers.length) {
      // GitHub refuses to ask the PR's author (the token's user) for a review: say so now.
      try {
        login ??= await currentLogin(
          opts.github.apiUrl || "https://api.github.com",
          opts.github.token,
        );
        if (system.pr.reviewers.some((r) => r.toLowerCase() === login?.toLowerCase())) {
          problems.push(
            `${system.name}: systems.${system.name}.pr.reviewers lists ${login}, who opens the pull request (the token's user); GitHub does not let the author review it`,
          );
        }
      } catch (e) {
        problems.push(`${system.name}: ${(e as Error).message}`);
      }
    }
    if (system.database) {
      const where = `${system.configPath}: systems.${system.name}`;
      const db = await databaseProblems(where, system.database, {
        apply: !!opts.apply && !opts.dryRun,
      });
      problems.push(...db.map((p) => `${system.name}: ${p}`));
      // The services run only around an apply.
      if (opts.apply && !opts.dryRun) {
        problems.push(...serviceProblems(system).map((p) => `${system.name}: ${p}`));
      }
    }
  }
  return problems;
}
