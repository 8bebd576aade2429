// fstring-id-to-ulid's rules, declared once: `--target/--template/--natural-keys` on the CLI,
// `fstringRules` in the plan, `--rules` (or `--target`...) under jscodeshift.
import type { CustomSpec, FlagUse, ZodApi } from "../src/codemod/api.ts";

export type NaturalKeyPolicy = "skip" | "rewrite-and-flag";

export interface FStringRule {
  /** `session_id`, `self.session_id`, or a keyword argument name (`entity_id`). */
  target: string;
  /** Literal skeleton such as `system:{}`; absent means any f-string assigned to the target. */
  template?: string;
  naturalKeys: NaturalKeyPolicy;
}

const POLICIES = ["skip", "rewrite-and-flag"] as const;
const TARGET = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** `system:{}` or `{}-{}`: literal text and at least one bare `{}`; any other brace is a typo. */
export function templateProblem(template: string): string | null {
  if (!template.includes("{}")) return "expected at least one `{}` placeholder";
  if (/[{}]/.test(template.replaceAll("{}", ""))) {
    return "expected only bare `{}` placeholders (no names, format specs or stray braces)";
  }
  return null;
}

/** One rule per template (a rule without templates matches any f-string on its target). */
function expand(target: string, templates: string[], naturalKeys: NaturalKeyPolicy): FStringRule[] {
  return templates.length === 0
    ? [{ target, naturalKeys }]
    : templates.map((template) => ({ target, template, naturalKeys }));
}

/**
 * `--target` starts a rule; each `--template` and `--natural-keys` after it belongs to that rule,
 * so `--target a --template x --target b` gives two rules.
 */
function fromCli(uses: FlagUse[]): FStringRule[] {
  const rules: { target: string; templates: string[]; naturalKeys: NaturalKeyPolicy }[] = [];
  for (const { flag, value } of uses) {
    if (flag === "target") {
      if (!TARGET.test(value))
        throw new Error(`--target: "${value}" is not a name such as session_id or self.id.`);
      rules.push({ target: value, templates: [], naturalKeys: "skip" });
      continue;
    }
    const rule = rules.at(-1);
    if (!rule) throw new Error(`--${flag} must follow a --target.`);
    if (flag === "template") {
      if (!/\{[^{}]*\}/.test(value.replace(/\{\{|\}\}/g, ""))) {
        throw new Error(`--template '${value}': expected at least one {} placeholder.`);
      }
      rule.templates.push(value);
    } else if ((POLICIES as readonly string[]).includes(value)) {
      rule.naturalKeys = value as NaturalKeyPolicy;
    } else {
      throw new Error('--natural-keys: expected "skip" or "rewrite-and-flag".');
    }
  }
  return rules.flatMap((r) => expand(r.target, r.templates, r.naturalKeys));
}

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");

/**
 * jscodeshift: `--rules` (JSON array, or an array in an options file), or `--target` with optional
 * `--template`s and `--natural-keys` (one target per template; a repeated `--target` gets every
 * template, so use `--rules` for anything finer).
 */
function fromFlags(flags: Record<string, unknown>, z: ZodApi): FStringRule[] {
  const policy = z.enum(POLICIES);
  // Named placeholders (`{system_id}`) are read as `{}` here, as on the command line.
  const template = z.string();
  const raw = typeof flags.rules === "string" ? JSON.parse(flags.rules) : flags.rules;
  const rules: FStringRule[] =
    raw === undefined
      ? []
      : z
          .array(
            z.strictObject({
              target: z.string().regex(TARGET),
              template: template.optional(),
              naturalKeys: policy.default("skip"),
            }),
          )
          .parse(raw);
  const naturalKeys = policy.parse(flags.naturalKeys ?? flags["natural-keys"] ?? "skip");
  const templates = list(flags.template).map((t) => template.parse(t));
  for (const target of list(flags.target)) rules.push(...expand(target, templates, naturalKeys));
  return rules;
}

export const rulesOption: CustomSpec<FStringRule[]> = {
  key: "rules",
  kind: "custom",
  description: "fstring-id-to-ulid: which f-string IDs to rewrite",
  default: [],
  cli: {
    flags: [
      {
        name: "target",
        valueName: "name",
        description: "fstring-id-to-ulid: ID target (name, self.attr, or keyword)",
      },
      {
        name: "template",
        valueName: "skeleton",
        description: "fstring-id-to-ulid: literal skeleton, e.g. '{}-{}'",
      },
      {
        name: "natural-keys",
        valueName: "policy",
        description: "fstring-id-to-ulid: skip | rewrite-and-flag",
      },
    ],
    parse: fromCli,
  },
  plan: {
    key: "fstringRules",
    label: "rules",
    schema: (z) =>
      z
        .array(
          z.strictObject({
            target: z.string().regex(TARGET, "expected a name such as session_id or self.id"),
            templates: z
              .array(
                z.string().superRefine((t, ctx) => {
                  const problem = templateProblem(t);
                  if (problem) ctx.addIssue({ code: "custom", message: problem });
                }),
              )
              .min(1)
              .optional(),
            naturalKeys: z.enum(POLICIES).default("skip"),
          }),
        )
        .default([]),
    toValue: (parsed) =>
      (parsed as { target: string; templates?: string[]; naturalKeys: NaturalKeyPolicy }[]).flatMap(
        (r) => expand(r.target, r.templates ?? [], r.naturalKeys),
      ),
  },
  fromFlags,
  isEmpty: (rules) => rules.length === 0,
  missing: {
    cli: "fstring-id-to-ulid needs at least one --target (see --help).",
    plan: "fstring-id-to-ulid needs at least one rule (target, templates)",
  },
};
