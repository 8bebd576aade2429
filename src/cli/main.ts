import { Command, CommanderError } from "commander";
import { exitCodeFor, InterruptedError, UsageError } from "../errors.ts";
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
import { registerStatusCommand } from "./status-command.ts";
import { registerTraceCommand } from "./trace-command.ts";
import { registerTransformCommand } from "./transform-command.ts";

export function buildProgram(deps: CliDeps = {}): Command {
  const program = new Command(TOOL_NAME)
    .description("Move Python services from UUID4 and home-made string IDs to ULIDs, safely.")
    .version(TOOL_VERSION)
    // Global: recognised before or after the command name.
    .option(
      "--no-color",
      "no colour (also NO_COLOR=1; off anyway when the output is not a terminal)",
    )
    .option("-q, --quiet", "only results and errors: no progress or phase lines")
    .option("-v, --verbose", "more detail: every check's output as it runs, SQL progress per batch")
    .exitOverride()
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
  registerStatusCommand(program, deps);
  registerTraceCommand(program, deps);
  registerCiCommand(program, deps);
  // Subcommands (and theirs: `sql generate`) report usage errors to runCli, not process.exit; a
  // usage error shows its hint and one line pointing at the command's help, not the whole page.
  const override = (c: Command) => {
    c.exitOverride();
    c.showHelpAfterError(`(see \`${helpCommand(c)} --help\` for usage and examples)`);
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

function helpCommand(c: Command): string {
  const names: string[] = [];
  for (let at: Command | null = c; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
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
    if (e instanceof UsageError) {
      const command = argv.slice(2).find((a) => !a.startsWith("-"));
      err(`(see \`${TOOL_NAME}${command ? ` ${command}` : ""} --help\` for usage and examples)\n`);
    }
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
