import { runTransforms } from "../../transforms/index.ts";
import { InterruptedError, UsageError } from "../errors.ts";
import type { ApplyProgress } from "../live/apply.ts";
import { resolveApiUrl } from "../repo/github.ts";
import { countsLine } from "../report/summary.ts";
import { migrateFigures } from "../run/metrics.ts";
import { runPhases } from "../run/phases.ts";
import { describeServices, servicesReport } from "../run/services.ts";
import { summaryTable } from "../run/summary-table.ts";
import { redact, secretsFromEnv } from "../util/redact.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, metricsTargets } from "./metrics-options.ts";
import type { MigrateFlags } from "./migrate-command.ts";
import { makeConfirm } from "./prompt.ts";
import { selectSystems } from "./select-systems.ts";

export async function runMigrate(flags: MigrateFlags, deps: CliDeps): Promise<void> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const secrets = secretsFromEnv(env);
  const say = (t: string) => out(redact(t, secrets));
  if (flags.dryRun && (flags.push || flags.openPr || flags.apply)) {
    throw new UsageError(
      "migrate: --dry-run changes nothing, so it cannot be combined with --push, --open-pr or --apply (a dry run already shows the SQL it would apply)",
    );
  }
  const { config, systems } = selectSystems("migrate", flags);
  const metrics = metricsTargets(flags);
  const confirm = flags.dryRun ? async () => true : makeConfirm("migrate", !!flags.yes, deps);
  const apiUrl = resolveApiUrl(flags.githubApiUrl, config.github.apiUrl, env);
  const progress = await applyProgress(deps, err);
  const run = await runPhases(systems, {
    runCodemod: deps.runCodemod ?? runTransforms,
    apply: !!flags.apply,
    dryRun: !!flags.dryRun,
    push: !!flags.push,
    openPr: !!flags.openPr,
    github: { apiUrl, ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}) },
    confirm: async (q, d) =>
      confirm(
        redact(q, secrets),
        d.map((l) => redact(l, secrets)),
      ),
    log: (line) => err(`${redact(line, secrets)}\n`),
    onApplyProgress: progress.update,
  });
  progress.stop();
  await emitMetrics(metrics, "migrate", migrateFigures(run), !run.ok, err);
  if (run.problems.length > 0) {
    throw new Error(
      `migrate: nothing was changed; the preflight found ${run.problems.length} problem${run.problems.length === 1 ? "" : "s"} to fix first:\n${run.problems.map((p) => `  - ${redact(p, secrets)}`).join("\n")}`,
    );
  }

  for (const r of run.results) {
    const o = r.migrate;
    if (!o) continue;
    if (r.status === "dry-run") {
      say(`${o.diff || `(no source changes in ${o.system})\n`}\n${o.report}\n`);
      const system = systems.find((s) => s.name === o.system);
      for (const l of system?.database ? describeServices(system) : []) {
        say(`${o.system}: with --apply, ${l}\n`);
      }
      continue;
    }
    if (o.dryRun) continue;
    const what = o.commit ? `committed ${o.commit.slice(0, 12)}` : "no changes, no new commit";
    say(`${o.system}: ${what} on ${o.branch} (from ${o.base}): ${countsLine(o.summary)}\n`);
    const system = systems.find((s) => s.name === o.system);
    if (o.pushed) say(`${o.system}: pushed ${o.branch} to ${system?.remote}\n`);
    if (o.prUrl) say(`${o.system}: pull request ${o.prAction}: ${o.prUrl}\n`);
  }
  say(`\n${summaryTable(run)}`);
  say(
    servicesReport(
      run.results.flatMap((r) => (r.services ?? []).map((s) => ({ system: r.system, run: s }))),
    ),
  );
  if (!run.ok) {
    const r = run.results.find((x) => x.system === run.stoppedAt);
    const why = redact(r?.error ?? "failed", secrets);
    if (run.interrupted) {
      throw new InterruptedError(
        `migrate interrupted at ${run.stoppedAt}: ${why}`,
        run.interrupted,
      );
    }
    throw new Error(`migrate stopped at ${run.stoppedAt}: ${why}`);
  }
}

/** A bar over the statements on a terminal; a line per file otherwise (logs, CI, tests). */
async function applyProgress(deps: CliDeps, err: (t: string) => void) {
  const tty = !deps.err && !!process.stderr.isTTY;
  if (!tty) {
    return {
      update: (system: string, p: ApplyProgress) => {
        if (p.fileStart) {
          err(`  ${system}: applying ${p.file} (${p.index + 1}/${p.total}, ${p.rows} rows)\n`);
        }
      },
      stop: () => {},
    };
  }
  const { SingleBar, Presets } = await import("cli-progress");
  let bar: InstanceType<typeof SingleBar> | null = null;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update: (system: string, p: ApplyProgress) => {
      if (!bar) {
        bar = new SingleBar(
          {
            format: `  ${system} {bar} {percentage}% of ${p.rows} rows | {file}`,
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
        bar.start(p.statements, 0, { file: p.file });
      }
      bar.update(p.done, { file: p.file });
      if (p.done === p.statements) stop();
    },
    stop,
  };
}
