import { type Command, InvalidArgumentError, Option } from "commander";
import { missingOptions, OPTION_SPECS, TRANSFORM_NAMES } from "../../transforms/index.ts";
import {
  type FlagUse,
  flagName,
  stringProblem,
  type TransformOptions,
} from "../codemod/options.ts";
import type { CliDeps } from "./io.ts";

export interface TransformFlags {
  transform: string[];
  dryRun: boolean;
  report?: string;
  root?: string;
  prefilter: boolean;
  [option: string]: unknown;
}

function parseTransforms(value: string): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!TRANSFORM_NAMES.includes(n)) {
      throw new InvalidArgumentError(
        `unknown transform "${n}" (known: ${TRANSFORM_NAMES.join(", ")}).`,
      );
    }
  }
  return names;
}

/**
 * One commander option per declared transform option. A custom option's flags are collected in
 * command-line order (commander calls parsers in argv order) and read by its declaration.
 */
function addOptionFlags(cmd: Command): (flags: TransformFlags) => TransformOptions {
  const uses = new Map<string, FlagUse[]>();
  for (const spec of OPTION_SPECS) {
    const flag = `--${flagName(spec.key)}`;
    switch (spec.kind) {
      case "string":
        cmd.option(
          `${flag} <${spec.valueName}>`,
          spec.description,
          (v: string) => {
            const problem = stringProblem(spec, v);
            if (problem) throw new InvalidArgumentError(`${problem}.`);
            return v;
          },
          spec.default,
        );
        break;
      case "choice":
        cmd.addOption(
          new Option(`${flag} <${spec.valueName}>`, spec.description)
            .choices(spec.choices)
            .default(spec.default),
        );
        break;
      case "boolean":
        cmd.option(flag, spec.description, spec.default);
        break;
      case "custom": {
        const mine: FlagUse[] = [];
        uses.set(spec.key, mine);
        for (const f of spec.cli.flags) {
          cmd.option(`--${f.name} <${f.valueName}>`, f.description, (value: string) => {
            mine.push({ flag: f.name, value });
            // Checked as they come, so the message names the flag that does not fit.
            try {
              spec.cli.parse(mine);
            } catch (e) {
              throw new InvalidArgumentError((e as Error).message);
            }
            return value;
          });
        }
      }
    }
  }
  return (flags) =>
    Object.fromEntries(
      OPTION_SPECS.map((spec) => [
        spec.key,
        spec.kind === "custom" ? spec.cli.parse(uses.get(spec.key) ?? []) : flags[spec.key],
      ]),
    );
}

export function registerTransformCommand(program: Command, deps: CliDeps = {}): void {
  const cmd = program
    .command("transform")
    .description("rewrite ID call sites under the given files or directories")
    .argument("<paths...>", "files or directories (directories are walked honouring .gitignore)")
    .option(
      "-t, --transform <names>",
      `comma-separated: ${TRANSFORM_NAMES.join(", ")}`,
      parseTransforms,
      ["uuid4-to-ulid"],
    )
    .option("--dry-run", "print a unified diff and the report; write nothing", false)
    .option("--report <file>", "write the JSON report to FILE");
  const optionsOf = addOptionFlags(cmd);
  cmd
    .option(
      "--root <dir>",
      "report paths relative to this directory (default: each path's repository root, or the path)",
    )
    .addOption(
      new Option("--no-prefilter", "parse every file (slow; checks the pre-filter)").hideHelp(),
    )
    .action(async (paths: string[], flags: TransformFlags, self: Command) => {
      const options = optionsOf(flags);
      // Without a rule a transform cannot match anything; say so rather than report nothing.
      const missing = missingOptions(flags.transform, options, "cli");
      if (missing[0]) self.error(`error: ${missing[0].message}`);
      // Loaded on use: the parser and the rest stay out of other commands' start-up.
      const { runTransform } = await import("./transform-run.ts");
      await runTransform(paths, flags, options, deps);
    });
}
