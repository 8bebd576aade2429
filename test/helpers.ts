import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, onTestFinished } from "vitest";
import { pluginOptionsFromFlags } from "../src/codemod/jscodeshift.ts";
import type { TransformOptions } from "../src/codemod/options.ts";
import type { FStringOptions } from "../transforms/fstring-id-to-ulid.ts";
import { OPTION_SPECS, runTransforms } from "../transforms/index.ts";
import type { Uuid4Options } from "../transforms/uuid4-to-ulid.ts";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..");

/**
 * Real Python to run engine pieces over, read in place (never written): the fixtures' files
 * whose names end with `suffix`, and every `every`-th top-level module of this machine's
 * standard library smaller than `maxBytes`, named `stdlib/<file>`.
 */
export function pythonCorpus(opts: {
  suffix: string;
  every: number;
  maxBytes?: number;
}): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const fixtures = path.join(REPO_ROOT, "__testfixtures__");
  for (const dir of readdirSync(fixtures)) {
    for (const f of readdirSync(path.join(fixtures, dir))) {
      if (f.endsWith(opts.suffix))
        out.push({ name: `${dir}/${f}`, text: readFileSync(path.join(fixtures, dir, f), "utf8") });
    }
  }
  const stdlib = execFileSync("python3", [
    "-c",
    "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
  ])
    .toString()
    .trim();
  const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const files = readdirSync(stdlib)
    .filter((f) => f.endsWith(".py") && statSync(path.join(stdlib, f)).size < max)
    .sort();
  for (let i = 0; i < files.length; i += opts.every) {
    const f = files[i] as string;
    out.push({ name: `stdlib/${f}`, text: readFileSync(path.join(stdlib, f), "utf8") });
  }
  return out;
}
export const BIN = path.join(REPO_ROOT, "bin/ulid-codemod.js");

/**
 * A temp directory removed when the test that made it finishes (or, made outside a test, after
 * the file): tests leave nothing in the system temp dir.
 */
export function tempDir(prefix = "ulid-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(cleanup);
  } catch {
    afterAll(cleanup);
    // afterAll does not run when a filter (-t) skips every test of the file.
    process.once("exit", cleanup);
  }
  return dir;
}

/** A temp directory for the test file, and `fresh(name)`: a new path in it on every call. */
export function scratch(prefix = "ulid-test-"): { dir: string; fresh: (name: string) => string } {
  const dir = tempDir(prefix);
  let seq = 0;
  return { dir, fresh: (name) => path.join(dir, `${name}-${++seq}`) };
}

/** Both transforms over `dir`, dry-run, with the pre-filter (`fast`) and without it (`full`). */
export async function bothRuns(
  dir: string,
  options: TransformOptions,
  transforms = ["uuid4-to-ulid", "fstring-id-to-ulid"],
) {
  const run = (prefilter: boolean) =>
    runTransforms({
      paths: [dir],
      root: dir,
      transforms,
      options,
      dryRun: true,
      prefilter,
    });
  return { fast: await run(true), full: await run(false) };
}

/** Every transform's options from jscodeshift-style flags (`{ rules: [...] }`, `{ target, template }`). */
export type AllOptions = TransformOptions & Uuid4Options & FStringOptions;

export async function flagOptions(flags: Record<string, unknown> = {}): Promise<AllOptions> {
  return (await pluginOptionsFromFlags({ options: OPTION_SPECS }, flags)) as AllOptions;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry point (`bin/ulid-codemod.js`) as a child process. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
