import { loadConfig, type SystemConfig } from "../config.ts";
import { runCodemod as realRunner } from "../engine/runner.ts";
import { resolveApiUrl } from "../github.ts";
import { migrateSystem } from "../migrate.ts";
import { redact, secretsFromEnv } from "../redact.ts";
import { countsLine } from "../report-markdown.ts";
import { type CliDeps, UsageError } from "./io.ts";

import type { MigrateFlags } from "./migrate.ts";

export async function runMigrate(flags: MigrateFlags, deps: CliDeps): Promise<void> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const secrets = secretsFromEnv(env);
  const say = (t: string) => out(redact(t, secrets));
  if (!!flags.system === !!flags.all)
    throw new UsageError("migrate: give either --system NAME or --all");
  if (flags.dryRun && (flags.push || flags.openPr)) {
    throw new UsageError("migrate: --dry-run cannot be combined with --push or --open-pr");
  }
  const config = loadConfig(flags.config);
  let systems: SystemConfig[] = config.systems;
  if (flags.system) {
    const found = config.systems.find((s) => s.name === flags.system);
    if (!found) {
      throw new UsageError(
        `migrate: no system "${flags.system}" in ${config.path} (known: ${config.systems.map((s) => s.name).join(", ")})`,
      );
    }
    systems = [found];
  }
  const runCodemod = deps.runCodemod ?? realRunner;
  const apiUrl = resolveApiUrl(flags.githubApiUrl, config.github.apiUrl, env);
  for (const system of systems) {
    const o = await migrateSystem(system, {
      runCodemod,
      dryRun: !!flags.dryRun,
      push: !!flags.push,
      openPr: !!flags.openPr,
      yes: !!flags.yes,
      github: { apiUrl, ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}) },
      log: (line) => err(`${redact(line, secrets)}\n`),
    });
    if (o.dryRun) {
      say(`${o.diff || `(no source changes in ${o.system})\n`}\n${o.report}\n`);
      continue;
    }
    const what = o.commit ? `committed ${o.commit.slice(0, 12)}` : "no changes, no new commit";
    say(`${o.system}: ${what} on ${o.branch} (from ${o.base}): ${countsLine(o.summary)}\n`);
    if (o.pushed) say(`${o.system}: pushed ${o.branch} to ${system.remote}\n`);
    if (o.prUrl) say(`${o.system}: pull request ${o.prAction}: ${o.prUrl}\n`);
  }
}
