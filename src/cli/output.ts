// How a command talks: the global --quiet / --verbose / --no-color, colour only on a terminal (off
// with NO_COLOR or --no-color; FORCE_COLOR turns it on for a pipe), and the colours of diffs and
// outcomes. Every command gets one `Output` from its program's global options.
import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export interface Style {
  enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export interface Output {
  /** stdout: what the command produces. */
  out(text: string): void;
  /** stderr: progress and phase lines; silent with --quiet. */
  info(text: string): void;
  /** stderr, only with --verbose. */
  verbose(text: string): void;
  /** stderr, always (warnings). */
  err(text: string): void;
  style: Style;
  quiet: boolean;
  isVerbose: boolean;
}

export interface GlobalFlags {
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function makeStyle(enabled: boolean): Style {
  const id = (s: string) => s;
  return {
    enabled,
    red: enabled ? ansi(31, 39) : id,
    green: enabled ? ansi(32, 39) : id,
    yellow: enabled ? ansi(33, 39) : id,
    cyan: enabled ? ansi(36, 39) : id,
    bold: enabled ? ansi(1, 22) : id,
    dim: enabled ? ansi(2, 22) : id,
  };
}

/** Colour: never with --no-color or NO_COLOR; on a terminal, or a pipe with FORCE_COLOR. */
export function colorWanted(flags: GlobalFlags, env: NodeJS.ProcessEnv, tty: boolean): boolean {
  if (flags.color === false || (env.NO_COLOR ?? "") !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") {
    return true;
  }
  return tty && env.TERM !== "dumb";
}

/** The command's output channels, from the program's global options. */
export function outputFor(program: Command, deps: CliDeps): Output {
  return outputOf(program.opts<GlobalFlags>(), deps);
}

export function outputOf(flags: GlobalFlags, deps: CliDeps): Output {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((t: string) => process.stdout.write(t));
  const err = deps.err ?? ((t: string) => process.stderr.write(t));
  const tty = deps.stdoutIsTTY ?? (!deps.out && !!process.stdout.isTTY);
  const quiet = !!flags.quiet;
  const isVerbose = !!flags.verbose && !quiet;
  return {
    out,
    info: (t) => {
      if (!quiet) err(t);
    },
    verbose: (t) => {
      if (isVerbose) err(t);
    },
    err,
    style: makeStyle(colorWanted(flags, env, tty)),
    quiet,
    isVerbose,
  };
}

/** A unified diff with added lines green, removed red, hunk headers cyan, file headers bold. */
export function colorDiff(diff: string, style: Style): string {
  if (!style.enabled) return diff;
  return diff
    .split("\n")
    .map((l) => {
      if (l.startsWith("+++") || l.startsWith("---") || l.startsWith("diff ")) return style.bold(l);
      if (l.startsWith("@@")) return style.cyan(l);
      if (l.startsWith("+")) return style.green(l);
      if (l.startsWith("-")) return style.red(l);
      return l;
    })
    .join("\n");
}

/** Outcome words in the tool's text (summaries, review lists, status) in their colours. */
export function colorOutcomes(text: string, style: Style): string {
  if (!style.enabled) return text;
  return text
    .replace(/\b(BLOCKING|FAIL(?:ED)?|failed|blocked|TIMED OUT)\b/g, (w) => style.red(w))
    .replace(/\b(NEEDS-REVIEW|needs review|draft|interrupted|declined)\b/g, (w) => style.yellow(w))
    .replace(/(?<=^|\s)(done|pass|passed|merged|approved)(?=\s|$)/gm, (w) => style.green(w));
}
