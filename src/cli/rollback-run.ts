import type { SystemConfig } from "../plan/schema.ts";
import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import type { RollbackJson } from "../report/schema.ts";
import { rollbackFigures, type SystemFigures } from "../run/metrics.ts";
import { type RollbackOptions, type RollbackResult, rollbackSystems } from "../run/rollback.ts";
import { describeServices, serviceProblems, servicesReport } from "../run/services.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, metricsTargets } from "./metrics-options.ts";
import { type Output, outputOf } from "./output.ts";
import { makeConfirm } from "./prompt.ts";
import type { RollbackFlags } from "./rollback-command.ts";
import { selectSystems } from "./select-systems.ts";

function rollbackJson(results: RollbackResult[], dryRun: boolean): RollbackJson {
  return {
    format: JSON_FORMAT,
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    ok: results.every((r) => r.ok),
    command: "rollback",
    dryRun,
    systems: results.map(({ system, ok, database, branch, services }) => ({
      system,
      ok,
      database,
      branch,
      services: services ?? [],
    })),
  };
}

export async function runRollback(
  flags: RollbackFlags,
  deps: CliDeps,
  io: Output = outputOf({}, deps),
): Promise<void> {
  const { systems } = selectSystems("rollback", flags, deps.env ?? process.env);
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
    await afterPlan(flags, deps, io, systems, plan, how, ended);
  } finally {
    await emitMetrics(metrics, "rollback", ended.figures, ended.failed, io.err);
  }
}

async function afterPlan(
  flags: RollbackFlags,
  deps: CliDeps,
  io: Output,
  systems: SystemConfig[],
  plan: RollbackResult[],
  how: RollbackOptions,
  ended: { figures: SystemFigures[]; failed: boolean },
): Promise<void> {
  // With --json the document owns stdout.
  const out = flags.json ? io.err : io.out;
  const restores = (r: { system: string; database: string }) => /^would /.test(r.database);
  const systemOf = (name: string) => systems.find((s) => s.name === name);
  const lines = plan.flatMap((r) => [
    `${r.system}: database: ${r.database}`,
    ...(restores(r) ? describeServices(systemOf(r.system) as SystemConfig) : []).map(
      (l) => `${r.system}: ${l}`,
    ),
    `${r.system}: branch: ${r.branch}`,
  ]);
  const done = (results: RollbackResult[], dryRun: boolean) => {
    if (flags.json) io.out(toJson(rollbackJson(results, dryRun)));
  };
  if (flags.dryRun) {
    out(`${lines.join("\n")}\n`);
    done(plan, true);
    Object.assign(ended, { figures: rollbackFigures(plan, { dryRun: true }), failed: false });
    return;
  }
  // Nothing to do anywhere (not migrated, no branch): said, no question asked.
  if (plan.every((r) => r.ok && !/^would /.test(r.database) && !/^would /.test(r.branch))) {
    out(`${lines.join("\n")}\n`);
    done(plan, false);
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
  const results = await rollbackSystems(systems, { ...how, log: (l) => io.info(`${l}\n`) });
  for (const r of results)
    out(`${r.system}: database: ${r.database}\n${r.system}: branch: ${r.branch}\n`);
  out(
    servicesReport(
      results.flatMap((r) => (r.services ?? []).map((s) => ({ system: r.system, run: s }))),
    ),
  );
  done(results, false);
  const failed = results.filter((r) => !r.ok).map((r) => r.system);
  Object.assign(ended, { figures: rollbackFigures(results), failed: failed.length > 0 });
  if (failed.length > 0)
    throw new Error(`rollback incomplete for ${failed.join(", ")} (see above)`);
}
