// The plan's service commands around the data step: `stop` before the backup and any change,
// `start` after it, also when it failed (after the automatic restore) or was interrupted, so a run
// never leaves a service down that it stopped. Each command runs through /bin/sh in the system's
// checkout, in its own process group (a Ctrl-C at the terminal does not reach it; we decide: a
// `stop` is killed, a `start` is waited for), with a time limit and its output captured.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SystemConfig } from "../plan/schema.ts";
import { checkInterrupted, interruption, onInterrupt } from "../util/interrupt.ts";

export type ServicePhase = "stop" | "start";

/** One service command as it ran. */
export interface CommandRun {
  phase: ServicePhase;
  command: string;
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Killed because the run was interrupted (stop commands only). */
  interrupted: boolean;
  durationMs: number;
  /** stdout and stderr as they arrived (the last OUTPUT_LIMIT bytes). */
  output: string;
}

const OUTPUT_LIMIT = 16 * 1024;
/** After SIGTERM, how long a command's process group has before SIGKILL. */
const KILL_GRACE_MS = 2000;

function hasServices(system: SystemConfig): boolean {
  const s = system.services;
  return !!s && s.stop.length + s.start.length > 0;
}

/** How a command ended: `exited with 3`, `timed out (killed)`, ... */
function howEnded(r: CommandRun): string {
  if (r.timedOut) return "timed out (killed)";
  if (r.interrupted) return "was interrupted (killed)";
  if (r.signal) return `was killed by ${r.signal}`;
  return r.exitCode === null ? "could not be started" : `exited with ${r.exitCode}`;
}

/** `` `cmd` exited with 3: <the output's last line> ``. */
export function describeRun(r: CommandRun): string {
  const last = r.output.trim().split("\n").at(-1)?.trim();
  return `\`${r.command}\` ${howEnded(r)}${last ? `: ${last}` : ""}`;
}

/**
 * Runs one command. Output goes to a file, not a pipe: a `start` that leaves a daemon behind with
 * our stdout must neither hang this run (a pipe stays open) nor die of SIGPIPE later.
 */
export async function runServiceCommand(
  command: string,
  opts: {
    phase: ServicePhase;
    cwd: string;
    timeoutMs: number;
    env?: NodeJS.ProcessEnv;
  },
): Promise<CommandRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-service-"));
  const file = path.join(dir, "output");
  const fd = fs.openSync(file, "w");
  const started = performance.now();
  let timedOut = false;
  let interrupted = false;
  try {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let grace: NodeJS.Timeout | undefined;
    const kill = () => {
      killGroup("SIGTERM");
      grace ??= setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    // A stop is cut short by Ctrl-C (nothing changed yet); a start runs to its end regardless.
    const stopListening =
      opts.phase === "stop"
        ? onInterrupt(() => {
            interrupted = true;
            kill();
          })
        : () => {};
    if (opts.phase === "stop" && interruption()) {
      interrupted = true;
      kill();
    }
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => {
      child.on("error", (e) => {
        fs.writeSync(fd, `\n${e.message}\n`);
        resolve([null, null]);
      });
      child.on("exit", (code, sig) => resolve([code, sig]));
    });
    clearTimeout(timer);
    if (grace) clearTimeout(grace);
    stopListening();
    const ok = exitCode === 0 && !timedOut && !interrupted;
    return {
      phase: opts.phase,
      command,
      ok,
      exitCode,
      signal,
      timedOut,
      interrupted,
      durationMs: performance.now() - started,
      output: readTail(file),
    };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readTail(file: string): string {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, "r");
  try {
    const n = Math.min(size, OUTPUT_LIMIT);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    return (size > n ? "[...]\n" : "") + buf.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

export interface ServiceHooks {
  log?: (line: string) => void;
  /** Every command run, as it ends (the summary and the metrics read them). */
  onRun?: (run: CommandRun) => void;
}

async function runPhase(
  system: SystemConfig,
  phase: ServicePhase,
  hooks: ServiceHooks,
): Promise<CommandRun[]> {
  const svc = system.services;
  if (!svc) return [];
  const runs: CommandRun[] = [];
  for (const command of svc[phase]) {
    hooks.log?.(`${phase === "stop" ? "stopping" : "starting"} services: ${command}`);
    const run = await runServiceCommand(command, {
      phase,
      cwd: system.repo,
      timeoutMs: svc.timeoutSeconds * 1000,
      env: {
        ...process.env,
        ULID_CODEMOD_SYSTEM: system.name,
        ULID_CODEMOD_SERVICE_PHASE: phase,
      },
    });
    runs.push(run);
    hooks.onRun?.(run);
    // A failed stop stops here: the later ones would act on a service in an unknown state.
    if (!run.ok && phase === "stop") break;
  }
  return runs;
}

/** What `withServices` says when everything went through but a `start` failed. */
export interface ServicesOutcome<T> {
  value: T;
  /** Why the service is down (a start failed), or null. */
  startFailed: string | null;
}

/**
 * `stop`, then `fn` (the step that changes the database), then `start`, which also runs when the
 * stop or `fn` failed or was interrupted: whatever was stopped is started again. A failed stop
 * throws before `fn` runs. A failed start after a failed `fn` is added to `fn`'s error; after a
 * successful one it is returned, for the caller to say what state the database is in.
 */
export async function withServices<T>(
  system: SystemConfig,
  hooks: ServiceHooks,
  fn: () => Promise<T>,
): Promise<ServicesOutcome<T>> {
  if (!hasServices(system)) return { value: await fn(), startFailed: null };
  let value: T | undefined;
  let failure: unknown = null;
  try {
    const stopped = await runPhase(system, "stop", hooks);
    const bad = stopped.find((r) => !r.ok);
    checkInterrupted(`stopping the services of ${system.name}`);
    if (bad) {
      throw new Error(
        `${system.name}: stopping the service failed: ${describeRun(bad)}; nothing was changed`,
      );
    }
    value = await fn();
  } catch (e) {
    failure = e;
  }
  const started = await runPhase(system, "start", hooks);
  const badStart = started.filter((r) => !r.ok);
  const startFailed = badStart.length ? badStart.map(describeRun).join("; ") : null;
  if (failure) {
    if (startFailed && failure instanceof Error) {
      failure.message += `. The service is down too: starting it failed: ${startFailed}`;
    }
    throw failure;
  }
  return { value: value as T, startFailed };
}

/** For --dry-run and confirmations: the commands that would run around the data step. */
export function describeServices(system: SystemConfig): string[] {
  const svc = system.services;
  if (!svc || !hasServices(system)) return [];
  const list = (cmds: string[]) => (cmds.length ? cmds.map((c) => `\`${c}\``).join(", ") : "none");
  return [
    `services: stop ${list(svc.stop)} before the backup, start ${list(svc.start)} after the data step (also when it fails); each in ${system.repo}, at most ${svc.timeoutSeconds} s`,
  ];
}

/** The program a command starts (`FOO=1 prog args` -> `prog`), when it can be told without a shell. */
function programOf(command: string): string | null {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=\S*$/.test(words[i] as string)) i++;
  const w = words[i];
  return w && /^[A-Za-z0-9_./+-]+$/.test(w) ? w : null;
}

/**
 * The preflight's part: every service command's program is one the shell finds (a builtin, a
 * function-less PATH lookup, or a path), in the checkout it runs in. Commands with shell syntax
 * before the program (a subshell, a redirect) are not judged.
 */
export function serviceProblems(system: SystemConfig): string[] {
  const svc = system.services;
  if (!svc || !hasServices(system) || !fs.existsSync(system.repo)) return [];
  const problems: string[] = [];
  for (const phase of ["stop", "start"] as const) {
    svc[phase].forEach((command, i) => {
      const prog = programOf(command);
      if (!prog) return;
      const r = spawnSync("/bin/sh", ["-c", 'command -v -- "$1" >/dev/null 2>&1', "sh", prog], {
        cwd: system.repo,
        stdio: "ignore",
      });
      if (r.status !== 0) {
        problems.push(
          `${system.configPath}: systems.${system.name}.services.${phase}[${i}]: \`${prog}\` is not a command the shell finds (in ${system.repo}, PATH=${process.env.PATH ?? ""})`,
        );
      }
    });
  }
  return problems;
}

/** The captured runs as the summary prints them: one line per command, its output indented. */
export function servicesReport(runs: readonly { system: string; run: CommandRun }[]): string {
  if (runs.length === 0) return "";
  const lines = ["", "Services:"];
  for (const { system, run } of runs) {
    const secs = (run.durationMs / 1000).toFixed(1);
    lines.push(
      `  ${system}: ${run.phase} \`${run.command}\`: ${run.ok ? "ok" : `FAILED (${howEnded(run)})`} in ${secs} s`,
    );
    const out = run.output.trimEnd();
    if (out) lines.push(...out.split("\n").map((l) => `      ${l}`));
  }
  return `${lines.join("\n")}\n`;
}
