import { type Command, InvalidArgumentError, Option } from "commander";
import { TRANSFORM_NAMES as KNOWN } from "../codemod/names.ts";
import type { FStringRule, NaturalKeyPolicy } from "../codemod/plugin.ts";

export interface TransformFlags {
  transform: string[];
  dryRun: boolean;
  report?: string;
  module: string;
  importStyle: "module" | "from";
  untruncate: boolean;
  root: string;
  prefilter: boolean;
}

const MODULE_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function parseModuleName(value: string): string {
  if (!MODULE_RE.test(value))
    throw new InvalidArgumentError(`"${value}" is not a Python module name.`);
  return value;
}

function parseTransforms(value: string): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const known: readonly string[] = KNOWN;
  for (const n of names) {
    if (!known.includes(n)) {
      throw new InvalidArgumentError(`unknown transform "${n}" (known: ${known.join(", ")}).`);
    }
  }
  return names;
}

/**
 * `--target` starts a rule; each `--template` and `--natural-keys` after it belongs to that rule,
 * so `--target a --template x --target b` gives two rules. Commander calls parsers in argv order.
 */
function ruleCollector() {
  const rules: (Omit<FStringRule, "template"> & { templates: string[] })[] = [];
  const last = (flag: string) => {
    const r = rules[rules.length - 1];
    if (!r) throw new InvalidArgumentError(`${flag} must follow a --target.`);
    return r;
  };
  return {
    rules,
    target: (v: string) => {
      rules.push({ target: v, templates: [], naturalKeys: "skip" });
      return v;
    },
    template: (v: string) => {
      last("--template").templates.push(v);
      return v;
    },
    naturalKeys: (v: string) => {
      if (v !== "skip" && v !== "rewrite-and-flag") {
        throw new InvalidArgumentError('expected "skip" or "rewrite-and-flag".');
      }
      last("--natural-keys").naturalKeys = v as NaturalKeyPolicy;
      return v;
    },
    flatten(): FStringRule[] {
      return rules.flatMap((r) =>
        r.templates.length === 0
          ? [{ target: r.target, naturalKeys: r.naturalKeys }]
          : r.templates.map((template) => ({
              target: r.target,
              template,
              naturalKeys: r.naturalKeys,
            })),
      );
    },
  };
}

export function registerTransformCommand(program: Command): void {
  const rules = ruleCollector();
  program
    .command("transform")
    .description("rewrite Python ID call sites under the given files or directories")
    .argument("<paths...>", "files or directories (directories are walked honouring .gitignore)")
    .option(
      "-t, --transform <names>",
      `comma-separated: ${[...KNOWN].join(", ")}`,
      parseTransforms,
      ["uuid4-to-ulid"],
    )
    .option("--dry-run", "print a unified diff and the report; write nothing", false)
    .option("--report <file>", "write the JSON report to FILE")
    .option("--module <name>", "Python module that provides generate()", parseModuleName, "dhruva")
    .addOption(
      new Option("--import-style <style>", "import dhruva, or from dhruva import generate")
        .choices(["module", "from"])
        .default("module"),
    )
    .option("--untruncate", "rewrite truncated IDs to the full 26-character ULID", false)
    .option(
      "--target <name>",
      "fstring-id-to-ulid: ID target (name, self.attr, or keyword)",
      rules.target,
    )
    .option(
      "--template <skeleton>",
      "fstring-id-to-ulid: literal skeleton, e.g. '{}-{}'",
      rules.template,
    )
    .option(
      "--natural-keys <policy>",
      "fstring-id-to-ulid: skip | rewrite-and-flag",
      rules.naturalKeys,
    )
    .option("--root <dir>", "report paths relative to this directory", process.cwd())
    .addOption(
      new Option("--no-prefilter", "parse every file (slow; checks the pre-filter)").hideHelp(),
    )
    .action(async (paths: string[], opts: TransformFlags, cmd: Command) => {
      // Without a rule the transform cannot match anything; say so rather than report nothing.
      if (opts.transform.includes("fstring-id-to-ulid") && rules.flatten().length === 0) {
        cmd.error("error: fstring-id-to-ulid needs at least one --target (see --help).");
      }
      // Loaded on use: the parser and the rest stay out of other commands' start-up.
      const { runTransform } = await import("./transform-run.ts");
      await runTransform(paths, opts, rules.flatten());
    });
}
