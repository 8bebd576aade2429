import { z } from "zod";

/** True when `zone` is an IANA zone the runtime's Intl knows. */
function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const identifier = z
  .string()
  .min(1)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  .refine((s) => !/[\u0000-\u001f]/.test(s), "must not contain control characters");

export const timeSchema = z
  .strictObject({
    column: identifier.optional(),
    fromKey: z.string().min(1).optional(),
    zone: z.string().default("UTC").refine(isKnownZone, "unknown IANA time zone"),
  })
  .refine((t) => (t.column === undefined) !== (t.fromKey === undefined), {
    message: "set exactly one of time.column or time.fromKey",
  });

export const tableSchema = z.strictObject({
  table: identifier,
  key: identifier,
  strategy: z.enum(["rewrite-in-place", "add-column"]),
  ulidColumn: identifier.optional(),
  time: timeSchema,
  references: z.array(z.strictObject({ table: identifier, column: identifier })).default([]),
  /**
   * Columns that look like references to the key (same name, or values that are keys) but are
   * not: listed with the reason, so `migrate --apply` does not stop at them.
   */
  ignoreReferences: z
    .array(
      z.strictObject({
        table: identifier,
        column: identifier,
        reason: z.string().trim().min(1, "say why this column is not a reference"),
      }),
    )
    .default([]),
  /**
   * Child rows that already point at no parent row before the migration: `keep` leaves them as
   * they are (and reports them), `refuse` stops `sql generate` before it writes anything.
   */
  orphans: z.enum(["keep", "refuse"]).default("keep"),
});

export const databaseSchema = z
  .strictObject({
    engine: z.enum(["sqlite", "duckdb"]),
    path: z.string().min(1),
    backupDir: z.string().min(1).optional(),
    salt: z.string().min(1),
    sqlDir: z.string().min(1).optional(),
    batchSize: z.number().int().min(1).max(10_000).default(500),
    partRows: z.number().int().min(0).default(0),
    /**
     * After a successful apply, also VACUUM (SQLite: rewrites the whole file to give back free
     * pages; takes about as long as copying it and needs that much free disk). Off by default.
     */
    vacuum: z.boolean().default(false),
    tables: z.array(tableSchema).min(1),
  })
  .superRefine((db, ctx) => {
    if (db.engine === "duckdb" && db.vacuum) {
      ctx.addIssue({
        code: "custom",
        path: ["vacuum"],
        message:
          "DuckDB has no VACUUM that gives space back (the apply already runs CHECKPOINT); set it on sqlite only",
      });
    }
    const seen = new Set<string>();
    db.tables.forEach((t, i) => {
      if (seen.has(t.table)) {
        ctx.addIssue({
          code: "custom",
          path: ["tables", i, "table"],
          message: `table ${t.table} is listed twice`,
        });
      }
      seen.add(t.table);
      // DuckDB cannot update a key that indexes or foreign keys depend on, so only the
      // additive strategy is offered there.
      if (db.engine === "duckdb" && t.strategy === "rewrite-in-place") {
        ctx.addIssue({
          code: "custom",
          path: ["tables", i, "strategy"],
          message: `table ${t.table}: rewrite-in-place is not supported on duckdb; use add-column`,
        });
      }
      if (t.strategy === "rewrite-in-place" && t.ulidColumn !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["tables", i, "ulidColumn"],
          message: `table ${t.table}: ulidColumn only applies to the add-column strategy`,
        });
      }
    });
  });

export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type DatabaseConfigInput = z.input<typeof databaseSchema>;
export type TableConfig = z.infer<typeof tableSchema>;

/** `job_id` -> `job_ulid`; anything else -> `<name>_ulid`. */
export function ulidColumnFor(column: string): string {
  return column.endsWith("_id") ? `${column.slice(0, -3)}_ulid` : `${column}_ulid`;
}

/** Parses and validates a database section, naming the system in errors. */
export function parseDatabaseConfig(input: unknown, system = "system"): DatabaseConfig {
  const r = databaseSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  database.${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid database config for ${system}:\n${lines.join("\n")}`);
  }
  return r.data;
}
