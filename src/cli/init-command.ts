import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export function registerInitCommand(program: Command, deps: CliDeps = {}): void {
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  program
    .command("init")
    .description("write the seed migration plan (Crackerjack, Session-Buddy, Akosha)")
    .option("--out <file>", "where to write it", "ulid-migration.yaml")
    .option("--force", "overwrite an existing file", false)
    .action(async (o: { out: string; force: boolean }) => {
      const { writeSeedConfig } = await import("../plan/seed.ts");
      const path = writeSeedConfig(o.out, o.force);
      out(
        `wrote ${path}: review the repo paths and database sections, then run \`ulid-codemod migrate --all --dry-run\`\n`,
      );
    });
}
