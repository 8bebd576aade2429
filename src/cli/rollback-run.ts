import { rollbackSystems } from "../run/rollback.ts";
import type { CliDeps } from "./io.ts";
import { makeConfirm } from "./prompt.ts";
import type { RollbackFlags } from "./rollback-command.ts";
import { selectSystems } from "./select-systems.ts";

export async function runRollback(flags: RollbackFlags, deps: CliDeps): Promise<void> {
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const { systems } = selectSystems("rollback", flags);
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
  if (flags.dryRun) {
    out(`${lines.join("\n")}\n`);
    return;
  }
  // Nothing to do anywhere (not migrated, no branch): said, no question asked.
  if (plan.every((r) => r.ok && !/^would /.test(r.database) && !/^would /.test(r.branch))) {
    out(`${lines.join("\n")}\n`);
    return;
  }
  const confirm = makeConfirm("rollback", !!flags.yes, deps);
  if (!(await confirm("Roll back?", lines)))
    throw new Error("rollback: not confirmed; nothing was changed");
  const done = await rollbackSystems(systems, { ...how, log: (l) => err(`${l}\n`) });
  for (const r of done)
    out(`${r.system}: database: ${r.database}\n${r.system}: branch: ${r.branch}\n`);
  const failed = done.filter((r) => !r.ok).map((r) => r.system);
  if (failed.length > 0)
    throw new Error(`rollback incomplete for ${failed.join(", ")} (see above)`);
}
