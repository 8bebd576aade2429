import { writeFileSync } from "node:fs";
import { runTransforms } from "../../transforms/index.ts";
import { InterruptedError, UsageError } from "../errors.ts";
import type { ApplyProgress } from "../live/apply.ts";
import { resolveApiUrl } from "../repo/github.ts";
import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import { sarifLog } from "../report/sarif.ts";
import type { MigrateJson } from "../report/schema.ts";
import { countsLine } from "../report/summary.ts";
import { migrateFigures } from "../run/metrics.ts";
import { type PhasesResult, runPhases } from "../run/phases.ts";
import { describeServices, servicesReport } from "../run/services.ts";
import { summaryTable } from "../run/summary-table.ts";
import type { SqlProgress } from "../sql/progress.ts";
import { redact, secretsFromEnv } from "../util/redact.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, metricsTargets } from "./metrics-options.ts";
import type { MigrateFlags } from "./migrate-command.ts";
import { colorDiff, colorOutcomes, type Output, outputOf } from "./output.ts";
import { makeConfirm } from "./prompt.ts";
import { selectSystems } from "./select-systems.ts";
import { sqlProgressPrinter } from "./sql-command.ts";

/** The command line as the report's footer shows it: the flags that shape the run. */
function commandLine(flags: MigrateFlags): string {
  const parts = ["ulid-codemod", "migrate"];
  if (flags.system) parts.push("--system", flags.system);
  if (flags.all) parts.push("--all");
  for (const [flag, on] of [
    ["--dry-run", flags.dryRun],
    ["--push", flags.push],
    ["--open-pr", flags.openPr],
    ["--apply", flags.apply],
    ["--verify-on-copy", flags.verifyOnCopy],
    ["--no-checks", flags.checks === false],
    ["--allow-failing-checks", flags.allowFailingChecks],
    ["--allow-blocking", flags.allowBlocking],
  ] as const) {
    if (on) parts.push(flag);
  }
  if (flags.failOn && flags.failOn !== "blocking") parts.push("--fail-on", flags.failOn);
  return parts.join(" ");
}

export async function runMigrate(
  flags: MigrateFlags,
  deps: CliDeps,
  io: Output = outputOf({}, deps),
): Promise<void> {
  const env = deps.env ?? process.env;
  const secrets = secretsFromEnv(env);
  // With --json the document owns stdout; everything for people goes to stderr.
  const human = flags.json ? io.err : io.out;
  const say = (t: string) => human(redact(t, secrets));
  if (flags.dryRun && (flags.push || flags.openPr || flags.apply)) {
    throw new UsageError(
      "migrate: --dry-run changes nothing, so it cannot be combined with --push, --open-pr or --apply (a dry run already shows the SQL it would apply)",
    );
  }
  const { config, systems } = selectSystems("migrate", flags, env);
  const metrics = metricsTargets(flags);
  const confirm = flags.dryRun ? async () => true : makeConfirm("migrate", !!flags.yes, deps);
  const apiUrl = resolveApiUrl(flags.githubApiUrl, config.github.apiUrl, env);
  const progress = await applyProgress(deps, io.info, io.quiet);
  const printers = new Map<string, (p: SqlProgress) => void>();
  const sqlProgress = (system: string, p: SqlProgress) => {
    if (!printers.has(system)) printers.set(system, sqlProgressPrinter(io, system));
    printers.get(system)?.(p);
  };
  const run = await runPhases(systems, {
    runCodemod: deps.runCodemod ?? runTransforms,
    apply: !!flags.apply,
    ...(flags.verifyOnCopy ? { verifyOnCopy: true } : {}),
    dryRun: !!flags.dryRun,
    push: !!flags.push,
    openPr: !!flags.openPr,
    github: { apiUrl, ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}) },
    confirm: async (q, d) =>
      confirm(
        redact(q, secrets),
        d.map((l) => redact(l, secrets)),
      ),
    log: (line) => io.info(`${redact(line, secrets)}\n`),
    onApplyProgress: progress.update,
    onSqlProgress: (system, p) => sqlProgress(system, p),
    runChecks: flags.checks !== false,
    allowFailingChecks: !!flags.allowFailingChecks,
    allowBlocking: !!flags.allowBlocking,
    failOn: flags.failOn ?? "blocking",
    onCheckOutput: (system, line) => io.verbose(`  ${system} | ${redact(line, secrets)}\n`),
    command: commandLine(flags),
  });
  progress.stop();
  await emitMetrics(metrics, "migrate", migrateFigures(run), !run.ok, io.err);
  if (run.problems.length > 0) {
    if (flags.json) io.out(redact(toJson(migrateJson(run, flags)), secrets));
    throw new Error(
      `migrate: nothing was changed; the preflight found ${run.problems.length} problem${run.problems.length === 1 ? "" : "s"} to fix first:\n${run.problems.map((p) => `  - ${redact(p, secrets)}`).join("\n")}`,
    );
  }

  for (const r of run.results) {
    const o = r.migrate;
    if (!o) continue;
    if (r.status === "dry-run") {
      const diff = o.diff ? colorDiff(o.diff, io.style) : `(no source changes in ${o.system})\n`;
      say(`${diff}\n${o.report}\n`);
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
    if (o.prUrl) {
      say(`${o.system}: pull request ${o.prAction}${o.prDraft ? " as a draft" : ""}: ${o.prUrl}\n`);
    }
  }
  if (flags.sarif) {
    const runs = run.results.flatMap((r) => {
      const o = r.migrate;
      const s = systems.find((x) => x.name === r.system);
      if (!o || !s) return [];
      const result = {
        changes: [],
        entries: o.reportData.sites,
        skipped: o.reportData.skipped,
        filesScanned: o.reportData.summary.filesScanned,
      };
      return [
        {
          result,
          root: s.repo,
          id: s.name,
          repository: { uri: o.web, revision: o.commit ?? o.baseCommit, branch: o.branch },
        },
      ];
    });
    writeFileSync(flags.sarif, toJson(sarifLog(runs)));
  }
  say(`\n${colorOutcomes(summaryTable(run), io.style)}`);
  say(
    servicesReport(
      run.results.flatMap((r) => (r.services ?? []).map((s) => ({ system: r.system, run: s }))),
    ),
  );
  if (flags.json) io.out(redact(toJson(migrateJson(run, flags)), secrets));
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
  if (run.failOn.length) {
    throw new Error(
      `migrate: ${run.failOn.length === 1 ? run.failOn[0] : `${run.failOn.length} systems fail the run:\n${run.failOn.map((l) => `  - ${l}`).join("\n")}`}`,
    );
  }
}

function migrateJson(run: PhasesResult, flags: MigrateFlags): MigrateJson {
  return {
    format: JSON_FORMAT,
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    ok: run.ok && run.failOn.length === 0,
    command: "migrate",
    dryRun: !!flags.dryRun,
    stoppedAt: run.stoppedAt,
    problems: run.problems,
    failOn: run.failOn,
    systems: run.results.map((r) => {
      const o = r.migrate;
      const real = o && !o.dryRun ? o : null;
      return {
        system: r.system,
        status: r.status,
        branch: r.branch ?? null,
        base: o?.base ?? null,
        commit: real?.commit ?? null,
        pushed: !!real?.pushed,
        pr:
          real?.prUrl && real.prNumber !== null && real.prAction
            ? { number: real.prNumber, url: real.prUrl, action: real.prAction, draft: real.prDraft }
            : null,
        rowsBackfilled: r.rowsBackfilled ?? null,
        validation: r.validation ?? null,
        backup: r.backup ?? null,
        size: r.size ?? null,
        services: r.services ?? [],
        error: r.error ?? null,
        done: r.done,
        report: o?.reportData ?? null,
      };
    }),
  };
}

/**
 * The apply bar's rows/s and ETA, from the SQL run so far: the rows backfilled are spread over
 * the files' bytes (the bar's unit), so both are estimates; none until a second has passed.
 * (Not `eta`: cli-progress fills that token itself, in seconds of bytes.)
 */
export function applyRate(
  p: ApplyProgress,
  elapsedMs: number,
): { speed: string; remaining: string } {
  if (elapsedMs < 1000 || p.done <= 0 || p.bytes <= 0) return { speed: "-", remaining: "-" };
  const share = Math.min(1, p.done / p.bytes);
  const rate = Math.round((p.rows * share) / (elapsedMs / 1000));
  const left = Math.max(0, Math.round(((elapsedMs / 1000) * (1 - share)) / share));
  const remaining = left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`;
  return { speed: `${rate.toLocaleString("en-US")} rows/s`, remaining };
}

/** A bar over the SQL's bytes on a terminal; a line per file otherwise (logs, CI, tests). */
async function applyProgress(deps: CliDeps, info: (t: string) => void, quiet: boolean) {
  const tty = !deps.err && !!process.stderr.isTTY && !quiet;
  if (!tty) {
    return {
      update: (system: string, p: ApplyProgress) => {
        if (p.fileStart) {
          info(`  ${system}: applying ${p.file} (${p.index + 1}/${p.total}, ${p.rows} rows)\n`);
        }
      },
      stop: () => {},
    };
  }
  const { SingleBar, Presets } = await import("cli-progress");
  let bar: InstanceType<typeof SingleBar> | null = null;
  let started = 0;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update: (system: string, p: ApplyProgress) => {
      if (!bar) {
        bar = new SingleBar(
          {
            format: `  ${system} {bar} {percentage}% of ${p.rows} rows | {speed} | ETA {remaining} | {file}`,
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
        started = performance.now();
        bar.start(p.bytes, 0, { file: p.file, ...applyRate(p, 0) });
      }
      bar.update(p.done, { file: p.file, ...applyRate(p, performance.now() - started) });
      if (p.done === p.bytes) stop();
    },
    stop,
  };
}
