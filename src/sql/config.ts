// PLACEHOLDER written by the git/migrate branch so the config loader can validate `database`.
// The SQL engineer owns this file: their version replaces this one on merge.
import { z } from "zod";

const ident = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an SQL identifier");

const timeSchema = z.union([
  z.strictObject({ column: ident, zone: z.string().optional() }),
  z.strictObject({ fromKey: z.string().min(1), zone: z.string().optional() }),
]);

export const tableSchema = z.strictObject({
  table: ident,
  key: ident,
  strategy: z.enum(["rewrite-in-place", "add-column"]),
  ulidColumn: ident.optional(),
  time: timeSchema,
  references: z.array(z.strictObject({ table: ident, column: ident })).optional(),
});

export const databaseSchema = z.strictObject({
  engine: z.enum(["sqlite", "duckdb"]),
  path: z.string().min(1),
  backupDir: z.string().min(1).optional(),
  salt: z.string().min(1),
  sqlDir: z.string().min(1).optional(),
  batchSize: z.number().int().positive().optional(),
  partRows: z.number().int().positive().optional(),
  tables: z.array(tableSchema).min(1),
});

export type DatabaseConfig = z.infer<typeof databaseSchema>;
