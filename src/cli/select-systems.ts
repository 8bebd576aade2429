import { UsageError } from "../errors.ts";
import { loadConfig } from "../plan/load.ts";
import type { MigrationConfig, SystemConfig } from "../plan/schema.ts";

/** The plan and the systems a command acts on: exactly one of `--system NAME` and `--all`. */
export function selectSystems(
  command: string,
  flags: { config?: string; system?: string; all?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): { config: MigrationConfig; systems: SystemConfig[] } {
  if (!!flags.system === !!flags.all) {
    throw new UsageError(`${command}: give either --system NAME or --all`);
  }
  const config = loadConfig(flags.config, { env });
  if (!flags.system) return { config, systems: config.systems };
  const found = config.systems.find((s) => s.name === flags.system);
  if (!found) {
    throw new UsageError(
      `${command}: no system "${flags.system}" in ${config.path} (known: ${config.systems.map((s) => s.name).join(", ")})`,
    );
  }
  return { config, systems: [found] };
}
