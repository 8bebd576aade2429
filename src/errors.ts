// Every error class the tool throws on purpose, and the exit code each one maps to. Anything
// else that escapes a command is a failure (exit 1) too; the message is what the user reads.

/** Bad flags or names on the command line: exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The migration plan is missing or invalid: the message starts with the file, then the key path. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A repository is not in a state the tool may touch (dirty, detached, a foreign branch). Nothing was changed. */
export class RefusalError extends Error {
  override name = "RefusalError";
}

/** A GitHub API call failed; the message says which and why (secrets already taken out). */
export class GitHubError extends Error {
  override name = "GitHubError";
}

/** A generated SQL file failed where it was applied; the message names the file. */
export class SqlFileError extends Error {
  override name = "SqlFileError";
  constructor(
    readonly file: string,
    readonly reason: unknown,
  ) {
    super(
      `${file.split(/[\\/]/).pop()}: ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  }
}

/** A check's outcome, as apply and verify report them. */
export interface CheckOutcome {
  name: string;
  ok: boolean;
  detail: string;
  /** What the check counted, for the metrics: the table and its figures. */
  table?: string;
  figures?: CheckFigures;
}

/** Counts a check measured (each one only where that check counts it). */
export interface CheckFigures {
  rowsBefore?: number;
  rowsAfter?: number;
  /** Rows whose ULID was checked, and how many of them are NULL or malformed. */
  ulidsChecked?: number;
  ulidsInvalid?: number;
  /** ULIDs held by more than one row (collisions). */
  duplicates?: number;
  /** References that no longer resolve to their parent row. */
  orphans?: number;
}

/** Applying SQL to a live database stopped; `backup` is where the verified backup is kept. */
export class ApplyFailure extends Error {
  override name = "ApplyFailure";
  constructor(
    message: string,
    readonly backup: string | null,
    readonly checks: readonly CheckOutcome[] = [],
  ) {
    super(message);
  }
}

/**
 * A check of the repository's own (plan key `checks`) failed on the migration branch: nothing was
 * pushed; the local branch keeps the commit so the user can look.
 */
export class ChecksFailedError extends Error {
  override name = "ChecksFailedError";
}

/** The user answered no to a confirmation: the run stops there. */
export class DeclinedError extends Error {
  override name = "DeclinedError";
}

/**
 * The run was interrupted (Ctrl-C, SIGTERM) or a confirmation was cancelled with Ctrl-C. What had
 * started was undone; the message says what was done and what was undone.
 */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor(
    message: string,
    readonly signal: "SIGINT" | "SIGTERM" = "SIGINT",
  ) {
    super(message);
  }
}

/**
 * Exit codes: 0 success (even with sites to review), 1 failure, 2 usage error, 128 + the signal's
 * number when interrupted (130 for Ctrl-C, 143 for SIGTERM).
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof InterruptedError) return e.signal === "SIGTERM" ? 143 : 130;
  return 1;
}
