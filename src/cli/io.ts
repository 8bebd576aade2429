import type { RunTransforms } from "../../transforms/index.ts";
import type { Confirm } from "../run/phases.ts";

/** What the CLI talks to; tests pass their own streams, runner and environment. */
export interface CliDeps {
  out?: (text: string) => void;
  err?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  runCodemod?: RunTransforms;
  /** Answers confirmations (tests); else a terminal prompt, or --yes. */
  confirm?: Confirm;
  /** Whether stdin is a terminal (default: process.stdin.isTTY). */
  isTTY?: boolean;
  /** Whether stdout is a terminal, for colour (default: process.stdout.isTTY without `out`). */
  stdoutIsTTY?: boolean;
}
