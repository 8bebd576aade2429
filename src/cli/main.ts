import { Command, CommanderError } from "commander";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import { registerTransformCommand } from "./transform.ts";

export function buildProgram(): Command {
  const program = new Command(TOOL_NAME)
    .description("Move Python services from UUID4 and home-made string IDs to ULIDs, safely.")
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError();
  registerTransformCommand(program);
  return program;
}

/** Exit codes: 0 success (even with sites to review), 1 failure, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      if (err.code === "commander.help") return 0;
      return 2;
    }
    process.stderr.write(`${TOOL_NAME}: ${(err as Error).message}\n`);
    return 1;
  }
}
