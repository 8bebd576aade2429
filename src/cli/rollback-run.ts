import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import type { RollbackJson } from "../report/schema.ts";
import { type RollbackResult, rollbackSystems } from "../run/rollback.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
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
    systems: results.map(({ system, ok, database, branch }) => ({ system, ok, database, branch })),
  };
}

export async function runRollback(
  flags: RollbackFlags,
  deps: CliDeps,
  io: Output = outputOf({}, deps),
): Promise<void> {
  // With --json the document owns stdout.
  const out = flags.json ? io.err : io.out;
  const { systems } = selectSystems("rollback", flags, deps.env ?? process.env);
  const how = {
    ...(flags.backup ? { backup: flags.backup } : {}),
    force: !!flags.force,
    restore: flags.restore ?? "auto",
  };
  // The plan first (always), then one confirmation for all of it.
  const plan = await rollbackSystems(systems, { ...how, dryRun: true });
  const lines = plan.flatMap((r) => [
    `${r.system}: database: ${r.database}`,
    `${r.system}: branch: ${r.branch}`,
  ]);
  const done = (results: RollbackResult[], dryRun: boolean) => {
    if (flags.json) io.out(toJson(rollbackJson(results, dryRun)));
  };
  if (flags.dryRun) {
    out(`${lines.join("\n")}\n`);
    done(plan, true);
    return;
  }
  // Nothing to do anywhere (not migrated, no branch): said, no question asked.
  if (plan.every((r) => r.ok && !/^would /.test(r.database) && !/^would /.test(r.branch))) {
    out(`${lines.join("\n")}\n`);
    done(plan, false);
    return;
  }
  const confirm = makeConfirm("rollback", !!flags.yes, deps);
  if (!(await confirm("Roll back?", lines)))
    throw new Error("rollback: not confirmed; nothing was changed");
  const results = await rollbackSystems(systems, { ...how, log: (l) => io.info(`${l}\n`) });
  for (const r of results)
    out(`${r.system}: database: ${r.database}\n${r.system}: branch: ${r.branch}\n`);
  done(results, false);
  const failed = results.filter((r) => !r.ok).map((r) => r.system);
  if (failed.length > 0)
    throw new Error(`rollback incomplete for ${failed.join(", ")} (see above)`);
}
