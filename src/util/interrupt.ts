// Ctrl-C and SIGTERM, turned from "the process dies wherever it is" into "the current step stops at
// its next safe point and undoes what it started". The CLI installs the handlers; long-running
// library code calls `checkInterrupted()` between steps it can undo.
import { InterruptedError } from "../errors.ts";

type Signal = "SIGINT" | "SIGTERM";

let received: Signal | null = null;
const listeners = new Set<(signal: Signal, first: boolean) => void>();

/** The signal received so far, if any. */
export function interruption(): Signal | null {
  return received;
}

/** Throws when a signal arrived: call it where stopping leaves nothing half-done (or undoable). */
export function checkInterrupted(what?: string): void {
  if (received) {
    throw new InterruptedError(
      `interrupted (${received})${what ? ` during ${what}` : ""}`,
      received,
    );
  }
}

/** What the handlers do, also callable directly (tests, and a prompt cancelled with Ctrl-C). */
export function requestInterrupt(signal: Signal = "SIGINT"): void {
  const first = received === null;
  received ??= signal;
  for (const l of listeners) l(signal, first);
}

/** Tells `onSignal` about every signal (the first, and any later one while undoing). */
export function onInterrupt(onSignal: (signal: Signal, first: boolean) => void): () => void {
  listeners.add(onSignal);
  return () => listeners.delete(onSignal);
}

/**
 * Installs the SIGINT/SIGTERM handlers for a command run. The first signal is recorded and the run
 * stops at its next safe point; later ones only say that the undo is still running (they do not
 * abort it). Returns the uninstall.
 */
export function installSignalHandlers(say: (line: string) => void): () => void {
  const handler = (signal: Signal) => {
    const first = received === null;
    requestInterrupt(signal);
    say(
      first
        ? `\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping at the next safe point and undoing the current step...`
        : "\nStill undoing the current step; it is not interrupted (wait for it to finish).",
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Forgets a received signal (tests that interrupt several runs in one process). */
export function resetInterruption(): void {
  received = null;
}
