import type { SystemConfig } from "../plan/schema.ts";
import { rollbackFigures, type SystemFigures } from "../run/metrics.ts";
import { type RollbackOptions, type RollbackResult, rollbackSystems } from "../run/rollback.ts";
import { describeServices, serviceProblems, servicesReport } from "../run/services.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, metricsTargets } from "./metrics-options.ts";
import { makeConfirm } from "./prompt.ts";
import type { RollbackFlags } from "./rollback-command.ts";
import { selectSystems } from "./select-systems.ts";

export async function runRollback(flags: RollbackFlags, deps: CliDeps): Promise<void> {
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const { systems } = selectSystems("rollback", flags);
  const metrics = metricsTargets(flags);
  const how = {
    ...(flags.backup ? { backup: flags.backup } : {}),
    force: !!flags.force,
    restore: flags.restore ?? "auto",
  };
  // The plan first (always), then one confirmation for all of it.
  const plan = await rollbackSystems(systems, { ...how, dryRun: true });
  // The metrics say what happened however the command ends (before anything ran: not started).
  const ended = { figures: rollbackFigures(plan, { outcome: "not started" }), failed: true };
  try {
    await afterPlan(flags, deps, systems, plan, how, ended);
  } finally {
    await emitMetrics(metrics, "rollback", ended.figures, ended.failed, err);
  }
}

async function afterPlan(
  flags: RollbackFlags,
  deps: CliDeps,
  systems: SystemConfig[],
  plan: RollbackResult[],
  how: RollbackOptions,
  ended: { figures: SystemFigures[]; failed: boolean },
): Promise<void> {
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const restores = (r: { system: string; database: string }) => /^would /.test(r.database);
  const systemOf = (name: string) => systems.find((s) => s.name === name);
  const lines = plan.flatMap((r) => [
    `${r.system}: database: ${r.database}`,
    ...(restores(r) ? describeServices(systemOf(r.system) as SystemConfig) : []).map(
      (l) => `${r.system}: ${l}`,
    ),
    `${r.system}: branch: ${r.branch}`,
  ]);
  if (flags.dryRun) {
    out(`${lines.join("\n")}\n`);
    Object.assign(ended, { figures: rollbackFigures(plan, { dryRun: true }), failed: false });
    return;
  }
  // Nothing to do anywhere (not migrated, no branch): said, no question asked.
  if (plan.every((r) => r.ok && !/^would /.test(r.database) && !/^would /.test(r.branch))) {
    out(`${lines.join("\n")}\n`);
    Object.assign(ended, { figures: rollbackFigures(plan), failed: false });
    return;
  }
  // A service command the shell cannot find is said before anything is stopped or restored.
  const problems = plan.filter(restores).flatMap((r) => {
    const s = systemOf(r.system);
    return s ? serviceProblems(s) : [];
  });
  if (problems.length > 0) {
    throw new Error(
      `rollback: nothing was changed; fix these first:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  const confirm = makeConfirm("rollback", !!flags.yes, deps);
  if (!(await confirm("Roll back?", lines)))
    throw new Error("rollback: not confirmed; nothing was changed");
  const done = await rollbackSystems(systems, { ...how, log: (l) => err(`${l}\n`) });
  for (const r of done)
    out(`${r.system}: database: ${r.database}\n${r.system}: branch: ${r.branch}\n`);
  out(
    servicesReport(
      done.flatMap((r) => (r.services ?? []).map((s) => ({ system: r.system, run: s }))),
    ),
  );
  const failed = done.filter((r) => !r.ok).map((r) => r.system);
  Object.assign(ended, { figures: rollbackFigures(done), failed: failed.length > 0 });
  if (failed.length > 0)
    throw new Error(`rollback incomplete for ${failed.join(", ")} (see above)`);
}
