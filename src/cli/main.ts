import { Command, CommanderError } from "commander";
import { exitCodeFor, InterruptedError } from "../errors.ts";
import { installSignalHandlers } from "../util/interrupt.ts";
import { errorMessage, secretsFromEnv } from "../util/redact.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import { registerCiCommand } from "./ci-command.ts";
import { registerDemoCommand } from "./demo-command.ts";
import { registerInitCommand } from "./init-command.ts";
import type { CliDeps } from "./io.ts";
import { registerMigrateCommand } from "./migrate-command.ts";
import { registerRollbackCommand } from "./rollback-command.ts";
import { registerSqlCommands } from "./sql-command.ts";
import { registerTraceCommand } from "./trace-command.ts";
import { registerTransformCommand } from "./transform-command.ts";

export function buildProgram(deps: CliDeps = {}): Command {
  const program = new Command(TOOL_NAME)
    .description("Move Python services from UUID4 and home-made string IDs to ULIDs, safely.")
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: deps.out ?? ((t) => process.stdout.write(t)),
      writeErr: deps.err ?? ((t) => process.stderr.write(t)),
    });
  registerTransformCommand(program, deps);
  registerInitCommand(program, deps);
  registerMigrateCommand(program, deps);
  registerRollbackCommand(program, deps);
  registerDemoCommand(program, deps);
  registerSqlCommands(program, deps);
  registerTraceCommand(program, deps);
  registerCiCommand(program, deps);
  // Subcommands (and theirs: `sql generate`) report usage errors to runCli, not process.exit.
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

/** Exit codes as `exitCodeFor` says (0, 1, 2, 130/143). Every error message is redacted here. */
export async function runCli(argv: string[], deps: CliDeps = {}): Promise<number> {
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  try {
    await buildProgram(deps).parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message; help/version are not errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    const label = e instanceof InterruptedError ? "interrupted" : "error";
    err(`${label}: ${errorMessage(e, secretsFromEnv(deps.env ?? process.env))}\n`);
    return exitCodeFor(e);
  }
}

/** The bin's entry: Ctrl-C and SIGTERM stop the command at its next safe point, undoing its step. */
export async function main(argv: string[]): Promise<number> {
  const uninstall = installSignalHandlers((line) => process.stderr.write(`${line}\n`));
  try {
    return await runCli(argv);
  } finally {
    uninstall();
  }
}
