import path from "node:path";
import type { Command } from "commander";
import type { DatabaseConfig } from "./config.ts";
import { generateSql } from "./generate.ts";
import { verifySql } from "./verify.ts";

export interface SqlCliContext {
  loadSystem(
    name: string,
    configPath?: string,
  ): Promise<{ name: string; repo: string; database?: DatabaseConfig }>;
  /** Where to print; default process.stdout / process.stderr. */
  out?: (s: string) => void;
  err?: (s: string) => void;
}

interface SqlOptions {
  system?: string;
  db?: string;
  out?: string;
  config?: string;
}

class UsageError extends Error {}

/** Adds `sql generate` and `sql verify`. Exit codes: 0 ok, 1 failure, 2 usage error. */
export function registerSqlCommands(program: Command, ctx: SqlCliContext): void {
  const out = ctx.out ?? ((s: string) => process.stdout.write(s));
  const err = ctx.err ?? ((s: string) => process.stderr.write(s));
  const sql = program.command("sql").description("backfill SQL for legacy IDs in the databases");

  const resolve = async (o: SqlOptions) => {
    if (!o.system) throw new UsageError("--system NAME is required");
    const sys = await ctx.loadSystem(o.system, o.config);
    if (!sys.database) {
      throw new UsageError(`system ${sys.name} has no database section in the migration config`);
    }
    const database = o.db ? { ...sys.database, path: path.resolve(o.db) } : sys.database;
    const outDir = o.out
      ? path.resolve(o.out)
      : path.resolve(
          sys.repo,
          sys.database.sqlDir ?? path.join(".ulid-migration", sys.name, "sql"),
        );
    return { system: sys.name, database, outDir };
  };

  const run = (fn: (o: SqlOptions) => Promise<number>) => async (o: SqlOptions) => {
    try {
      process.exitCode = await fn(o);
    } catch (e) {
      err(`ulid-codemod sql: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    }
  };

  const common = (c: Command) =>
    c
      .option("--system <name>", "system from the migration config")
      .option("--db <path>", "database file (default: the config's database.path)")
      .option("--out <dir>", "SQL directory (default: database.sqlDir in the system's repo)")
      .option("--config <path>", "migration config file");

  common(
    sql.command("generate").description("write expand/backfill/rollback/contract SQL files"),
  ).action(
    run(async (o) => {
      const r = await generateSql(await resolve(o));
      for (const t of r.tables) {
        out(
          `${t.table}.${t.key}: ${t.rowCount} rows, ${t.strategy}, references: ${t.children.map((c) => `${c.table}.${c.column}`).join(", ") || "none"}\n`,
        );
      }
      for (const f of [...r.files, ...r.rollbackFiles, ...r.contractFiles]) out(`wrote ${f}\n`);
      for (const line of r.report) out(`note: ${line}\n`);
      return 0;
    }),
  );

  common(
    sql.command("verify").description("apply the files to a scratch copy, validate, roll back"),
  ).action(
    run(async (o) => {
      const r = await verifySql(await resolve(o));
      const w = Math.max(5, ...r.checks.map((c) => c.name.length));
      out(`${"check".padEnd(w)}  result  detail\n`);
      for (const c of r.checks)
        out(`${c.name.padEnd(w)}  ${c.ok ? "pass  " : "FAIL  "}  ${c.detail}\n`);
      out(
        r.ok
          ? `verify ${r.system}: all ${r.checks.length} checks passed\n`
          : `verify ${r.system}: FAILED\n`,
      );
      return r.ok ? 0 : 1;
    }),
  );
}
