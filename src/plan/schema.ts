// The migration plan's schema (ulid-migration.yaml). A system's transform options are the keys
// the transforms declare (see transforms/index.ts), so the plan cannot drift from the CLI.
import { z } from "zod";
import { declaredBy, OPTION_SPECS, TRANSFORM_NAMES } from "../../transforms/index.ts";
import type { OptionSpec, PlannedTable, TransformOptions } from "../codemod/options.ts";
import { type DatabaseConfig, databaseSchema, ulidColumnFor } from "./database.ts";

// A rough `git check-ref-format --branch`: enough to reject names git would refuse later.
const branchName = z
  .string()
  .min(1)
  .refine(
    (b) =>
      !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$|\/\./.test(b) && b !== "@" && b !== "HEAD",
    "expected a valid git branch name",
  );

const remoteName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a git remote name");

/** The key of an option in a system of the plan. */
export function planKey(spec: OptionSpec): string | undefined {
  if (spec.kind !== "custom") return spec.key;
  return spec.plan?.key;
}

function optionSchema(spec: OptionSpec): z.ZodType {
  switch (spec.kind) {
    case "string": {
      const s = z.string();
      return (spec.pattern ? s.regex(spec.pattern, `expected ${spec.expected}`) : s).default(
        spec.default,
      );
    }
    case "choice":
      return z.enum(spec.choices as [string, ...string[]]).default(spec.default);
    case "boolean":
      return z.boolean().default(spec.default);
    case "custom":
      return spec.plan ? spec.plan.schema(z) : z.never().optional();
  }
}

const login = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9_.-]+)?$/,
    "expected a GitHub login (or org/team)",
  );

/** The pull request's settings, applied when it is opened and on every update. */
const prSchema = z.strictObject({
  draft: z.boolean().default(false),
  labels: z.array(z.string().trim().min(1).max(50)).default([]),
  // `org/team-slug` asks a team.
  reviewers: z.array(login).default([]),
  assignees: z
    .array(login.refine((l) => !l.includes("/"), "a team cannot be assigned"))
    .default([]),
});

export type PrSettings = z.infer<typeof prSchema>;

// Shell commands run around the data step (`migrate --apply`, `rollback`), e.g. `session-buddy mcp stop`.
const servicesSchema = z.strictObject({
  stop: z.array(z.string().trim().min(1)).default([]),
  start: z.array(z.string().trim().min(1)).default([]),
  /** Per command; a command still running then is killed (its process group) and counts as failed. */
  timeoutSeconds: z.number().positive().max(86_400).default(120),
});

export type ServicesConfig = z.infer<typeof servicesSchema>;

const transformName = z.enum(TRANSFORM_NAMES as [string, ...string[]]);

const systemSchema = z
  .strictObject({
    repo: z.string().min(1),
    branch: branchName.default("ulid-migration"),
    remote: remoteName.default("origin"),
    // Empty: every file the system's transforms read (.py, .ts, ...); globs narrow it.
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    transforms: z.array(transformName).min(1),
    ...Object.fromEntries(
      OPTION_SPECS.flatMap((spec) => {
        const key = planKey(spec);
        return key === undefined ? [] : [[key, optionSchema(spec)]];
      }),
    ),
    github: z
      .strictObject({
        owner: z.string().regex(/^[A-Za-z0-9_.-]+$/),
        repo: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      })
      .optional(),
    database: databaseSchema.optional(),
    // The repository's own checks, run on the migration branch before anything is pushed.
    checks: z.array(z.string().trim().min(1, "expected a shell command")).default([]),
    checkTimeoutMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(10),
    pr: prSchema.default({ draft: false, labels: [], reviewers: [], assignees: [] }),
    services: servicesSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.services && !s.database) {
      ctx.addIssue({
        code: "custom",
        path: ["services"],
        message: "services run around the data step, and this system has no database",
      });
    }
    const seen = new Set<string>();
    s.transforms.forEach((t, i) => {
      if (seen.has(t))
        ctx.addIssue({ code: "custom", path: ["transforms", i], message: "listed twice" });
      seen.add(t);
    });
    // A custom option (rules) without a transform to read it, or a transform without it.
    for (const spec of OPTION_SPECS) {
      if (spec.kind !== "custom") continue;
      const readers = declaredBy(spec.key);
      const used = s.transforms.some((t) => readers.includes(t));
      if (!spec.plan) {
        // Filled from the database section: a reader without one has nothing to read.
        if (used && spec.fromDatabaseTables && !s.database) {
          s.transforms.forEach((t, i) => {
            if (!readers.includes(t)) return;
            ctx.addIssue({
              code: "custom",
              path: ["transforms", i],
              message: "needs the system's database section (it reads its tables)",
            });
          });
        }
        continue;
      }
      const value = spec.plan.toValue((s as Record<string, unknown>)[spec.plan.key]);
      if (used && spec.isEmpty(value) && spec.missing) {
        ctx.addIssue({ code: "custom", path: [spec.plan.key], message: spec.missing.plan });
      }
      if (!used && !spec.isEmpty(value)) {
        ctx.addIssue({
          code: "custom",
          path: [spec.plan.key],
          message: `${spec.plan.label} given but transforms does not include ${readers.join(" or ")}`,
        });
      }
    }
  });

/** The whole file; exported so tests can walk it (e.g. every required key). */
export const configSchema = z.strictObject({
  version: z.literal(1),
  github: z.strictObject({ apiUrl: z.url({ protocol: /^https?$/ }).optional() }).optional(),
  // Insertion order of this map is the phase order.
  systems: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "expected a system name of letters, digits, - or _"),
      systemSchema,
    )
    .refine((m) => Object.keys(m).length > 0, "expected at least one system"),
});

export type RawSystem = z.infer<typeof systemSchema>;

export interface SystemConfig {
  name: string;
  /** Absolute path of the checkout. */
  repo: string;
  branch: string;
  remote: string;
  include: string[];
  exclude: string[];
  transforms: string[];
  /** Every declared transform option, resolved (the plan's value or the default). */
  options: TransformOptions;
  github?: { owner: string; repo: string };
  /** With `path` (and `backupDir`) absolute. */
  database?: DatabaseConfig;
  /** Stopped before the data step changes the database, started after it (see src/run/services.ts). */
  services?: ServicesConfig;
  /** The config file this system came from. */
  configPath: string;
  /** Shell commands run in a worktree of the migration branch before it is pushed. */
  checks: string[];
  /** Each check's time limit. */
  checkTimeoutMinutes: number;
  pr: PrSettings;
}

export interface MigrationConfig {
  /** Absolute path of the YAML file. */
  path: string;
  version: 1;
  github: { apiUrl?: string };
  /** In phase order. */
  systems: SystemConfig[];
}

/** A system's transform options from its validated plan entry. */
export function optionsOf(raw: RawSystem): TransformOptions {
  const r = raw as Record<string, unknown>;
  const value = (spec: OptionSpec) => {
    if (spec.kind !== "custom") return r[spec.key];
    if (spec.plan) return spec.plan.toValue(r[spec.plan.key]);
    if (spec.fromDatabaseTables && raw.database) {
      return spec.fromDatabaseTables(plannedTables(raw.database));
    }
    return spec.default;
  };
  return Object.fromEntries(OPTION_SPECS.map((spec) => [spec.key, value(spec)]));
}

/**
 * The system with the options its plan fills from the database tables recomputed from `tables`
 * (the generated SQL's own plan, which also knows the foreign keys the database declares).
 */
export function withTables(system: SystemConfig, tables: PlannedTable[]): SystemConfig {
  const options = { ...system.options };
  for (const spec of OPTION_SPECS) {
    if (spec.kind === "custom" && spec.fromDatabaseTables) {
      options[spec.key] = spec.fromDatabaseTables(tables);
    }
  }
  return { ...system, options };
}

/** The database section's tables as the migration changes them (the SQL generation's naming). */
export function plannedTables(database: DatabaseConfig): PlannedTable[] {
  return database.tables.map((t) => {
    const add = t.strategy === "add-column";
    const ulidColumn = add ? (t.ulidColumn ?? ulidColumnFor(t.key)) : t.key;
    return {
      table: t.table,
      key: t.key,
      strategy: t.strategy,
      ulidColumn,
      references: t.references.map((ref) => ({
        ...ref,
        ulidColumn: add ? ulidColumnFor(ref.column) : ref.column,
      })),
    };
  });
}
