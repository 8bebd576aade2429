// Transform options, declared once by each plugin. The CLI's flags, the plan's YAML keys and
// jscodeshift's flags are all read through these declarations, so the three cannot drift.
import type { z as Zod } from "zod";

/** Resolved option values by key; every plugin of a run reads its own keys from one object. */
export type TransformOptions = Record<string, unknown>;

/** zod, handed to the declarations that need it (so a transform module never loads it itself). */
export type ZodApi = typeof Zod;

interface BaseSpec {
  /** Key in the options object and in the plan (camelCase); the CLI flag is its kebab-case. */
  key: string;
  description: string;
}

export interface StringSpec extends BaseSpec {
  kind: "string";
  default: string;
  /** Shown in the flag (`--module <name>`). */
  valueName: string;
  pattern?: RegExp;
  /** What a valid value is, for messages: "a Python module name". */
  expected?: string;
}

export interface ChoiceSpec extends BaseSpec {
  kind: "choice";
  valueName: string;
  choices: readonly string[];
  default: string;
}

export interface BooleanSpec extends BaseSpec {
  kind: "boolean";
  default: boolean;
}

/** One use of a custom option's CLI flag, in command-line order. */
export interface FlagUse {
  flag: string;
  value: string;
}

/**
 * An option with a structure of its own (fstring-id-to-ulid's rules): it says how to read it from
 * a group of CLI flags, from the plan and from jscodeshift's flags.
 */
export interface CustomSpec<V = unknown> extends BaseSpec {
  kind: "custom";
  default: V;
  cli: {
    flags: { name: string; valueName: string; description: string }[];
    /** The flags' uses in order; throws an Error with a usage message when they do not fit. */
    parse(uses: FlagUse[]): V;
  };
  /** Its own key in a system of the plan; absent for an option the plan fills otherwise. */
  plan?: {
    /** Key in a system of the plan. */
    key: string;
    /** What the value is called in "… given but transforms does not include …". */
    label: string;
    schema(z: ZodApi): Zod.ZodType;
    /** From the plan's validated value to the option value. */
    toValue(parsed: unknown): V;
  };
  /** An option the plan fills from the system's database tables instead of a key of its own. */
  fromDatabaseTables?(tables: PlannedTable[]): V;
  fromFlags(flags: Record<string, unknown>, z: ZodApi): V;
  isEmpty(value: V): boolean;
  /** Said when a selected transform gets an empty value (it would match nothing); absent: fine. */
  missing?: { cli: string; plan: string };
}

export type OptionSpec = StringSpec | ChoiceSpec | BooleanSpec | CustomSpec;

/** A table of a plan's database section, as the migration will change it (columns named). */
export interface PlannedTable {
  table: string;
  /** The legacy key column. */
  key: string;
  strategy: "rewrite-in-place" | "add-column";
  /** The column holding the ULID afterwards (the key itself for rewrite-in-place). */
  ulidColumn: string;
  /** Columns of other tables holding the key, and where their ULID goes. */
  references: { table: string; column: string; ulidColumn: string }[];
}

/** `importStyle` -> `import-style`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The options of several plugins, each key once. Two plugins sharing a key must share its
 * declaration (the same object), so one flag never means two things.
 */
export function mergeSpecs(plugins: readonly { name: string; options: readonly OptionSpec[] }[]) {
  const byKey = new Map<string, OptionSpec>();
  for (const p of plugins) {
    for (const spec of p.options) {
      const seen = byKey.get(spec.key);
      if (seen && seen !== spec) {
        throw new Error(
          `option "${spec.key}" of ${p.name} is declared differently by another transform`,
        );
      }
      byKey.set(spec.key, spec);
    }
  }
  return [...byKey.values()];
}

/** Every option at its default. */
export function defaultOptions(specs: readonly OptionSpec[]): TransformOptions {
  return Object.fromEntries(specs.map((s) => [s.key, s.default]));
}

/** Why a string option's value is not valid, or null. */
export function stringProblem(spec: StringSpec, value: string): string | null {
  if (spec.pattern && !spec.pattern.test(value)) {
    return `"${value}" is not ${spec.expected ?? `a valid ${spec.key}`}`;
  }
  return null;
}

/**
 * Options from jscodeshift's flags, which arrive as strings or booleans under the camelCase or
 * the kebab-case name. Unknown flags are jscodeshift's own and are ignored.
 */
export function optionsFromFlags(
  specs: readonly OptionSpec[],
  flags: Record<string, unknown>,
  z: ZodApi,
): TransformOptions {
  const out = defaultOptions(specs);
  for (const spec of specs) {
    const raw = flags[spec.key] ?? flags[flagName(spec.key)];
    switch (spec.kind) {
      case "custom":
        out[spec.key] = spec.fromFlags(flags, z);
        break;
      case "boolean":
        if (raw !== undefined) out[spec.key] = raw === true || raw === "true";
        break;
      case "choice":
        if (raw !== undefined) {
          if (typeof raw !== "string" || !spec.choices.includes(raw)) {
            throw new Error(
              `--${spec.key}: expected one of ${spec.choices.join(", ")}, got ${String(raw)}`,
            );
          }
          out[spec.key] = raw;
        }
        break;
      case "string":
        if (typeof raw === "string") {
          const problem = stringProblem(spec, raw);
          if (problem) throw new Error(`--${spec.key}: ${problem}`);
          out[spec.key] = raw;
        }
        break;
    }
  }
  return out;
}
