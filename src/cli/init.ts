import type { Command } from "commander";
import { CONFIG_FILE } from "../config.ts";
import { writeSeedConfig } from "../init.ts";
import type { CliDeps } from "./io.ts";

export function registerInitCommand(program: Command, deps: CliDeps = {}): void {
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  program
    .command("init")
    .description("write the seed migration plan (Crackerjack, Session-Buddy, Akosha)")
    .option("--out <file>", "where to write it", CONFIG_FILE)
    .option("--force", "overwrite an existing file", false)
    .action((o: { out: string; force: boolean }) => {
      const path = writeSeedConfig(o.out, o.force);
      out(
        `wrote ${path}: review the repo paths and database sections, then run \`ulid-codemod migrate --all --dry-run\`\n`,
      );
    });
}
