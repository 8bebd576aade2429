import { InterruptedError, UsageError } from "../errors.ts";
import type { Confirm } from "../run/phases.ts";
import { requestInterrupt } from "../util/interrupt.ts";
import type { CliDeps } from "./io.ts";

/**
 * Confirmation for steps that change something. `--yes` answers yes (the details are still
 * printed); without a terminal and without `--yes` the command refuses up front (usage error,
 * exit 2) rather than guess.
 */
export function makeConfirm(command: string, yes: boolean, deps: CliDeps): Confirm {
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const show = (question: string, details: string[]) =>
    err(`${question}\n${details.map((d) => `    ${d}\n`).join("")}`);
  if (yes) {
    return async (question, details) => {
      show(question, details);
      err("  -> yes (--yes)\n");
      return true;
    };
  }
  if (deps.confirm) return deps.confirm;
  const tty = deps.isTTY ?? !!process.stdin.isTTY;
  if (!tty) {
    throw new UsageError(
      `${command}: this changes branches and databases and needs confirmation, but there is no terminal to ask on; rerun with --yes to confirm every step, or with --dry-run to see the plan`,
    );
  }
  return async (question, details) => {
    show(question, details);
    const { confirm } = await import("@inquirer/prompts");
    try {
      return await confirm({ message: "Proceed?", default: false });
    } catch (e) {
      // Ctrl-C at the prompt (the terminal is in raw mode, so it arrives as a key, not a signal).
      if ((e as Error).name === "ExitPromptError") {
        requestInterrupt("SIGINT");
        throw new InterruptedError(
          "cancelled at the confirmation (Ctrl-C); this step had not started",
          "SIGINT",
        );
      }
      throw e;
    }
  };
}
