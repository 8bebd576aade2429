import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { sqlDirFor } from "../plan/paths.ts";
import { textTable } from "../report/table.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, type MetricsFlags, metricsTargets, withMetrics } from "./metrics-options.ts";

interface SqlOptions {
  system?: string;
  db?: string;
  out?: string;
  config?: string;
}

/**
 * Adds `sql generate` and `sql verify`. Errors go to the CLI's boundary (exit 1, or 2 for
 * usage); the database engines load only when a command runs.
 */
export function registerSqlCommands(program: Command, deps: CliDeps = {}): void {
  const out = deps.out ?? ((s: string) => process.stdout.write(s));
  const sql = program.command("sql").description("backfill SQL for legacy IDs in the databases");

  const resolve = async (o: SqlOptions) => {
    if (!o.system) throw new UsageError("--system NAME is required");
    const { loadSystem } = await import("../plan/load.ts");
    const sys = loadSystem(o.system, o.config);
    if (!sys.database) {
      throw new UsageError(`system ${sys.name} has no database section in the migration config`);
    }
    const database = o.db ? { ...sys.database, path: path.resolve(o.db) } : sys.database;
    // Checked here, where it is read, not at config load: a plan is valid before its database
    // is on this machine, and migrate never opens it. The message says where to fix it.
    if (!fs.existsSync(database.path)) {
      throw new Error(
        o.db
          ? `--db ${database.path}: no such file`
          : `${sys.configPath}: systems.${sys.name}.database.path: ${database.path} does not exist`,
      );
    }
    const outDir = o.out ? path.resolve(o.out) : path.resolve(sys.repo, sqlDirFor(sys));
    return { system: sys.name, database, outDir };
  };

  const common = (c: Command) =>
    c
      .option("--system <name>", "system from the migration config")
      .option("--db <path>", "database file (default: the config's database.path)")
      .option("--out <dir>", "SQL directory (default: database.sqlDir in the system's repo)")
      .option("--config <path>", "migration config file");

  common(
    sql.command("generate").description("write expand/backfill/rollback/contract SQL files"),
  ).action(async (o: SqlOptions) => {
    const { generateSql } = await import("../sql/generate.ts");
    const r = await generateSql(await resolve(o));
    for (const t of r.tables) {
      out(
        `${t.table}.${t.key}: ${t.rowCount} rows, ${t.strategy}, references: ${t.children.map((c) => `${c.table}.${c.column}`).join(", ") || "none"}\n`,
      );
    }
    for (const f of [...r.files, ...r.rollbackFiles, ...r.contractFiles]) out(`wrote ${f}\n`);
    for (const line of r.report) out(`note: ${line}\n`);
  });

  common(
    withMetrics(
      sql.command("verify").description("apply the files to a scratch copy, validate, roll back"),
    ),
  ).action(async (o: SqlOptions & MetricsFlags) => {
    const { verifySql } = await import("../sql/verify.ts");
    const metrics = metricsTargets(o);
    const started = performance.now();
    const r = await verifySql(await resolve(o));
    const { verifyFigures } = await import("../run/metrics.ts");
    const figures = verifyFigures(r, performance.now() - started);
    await emitMetrics(
      metrics,
      "sql-verify",
      figures,
      !r.ok,
      deps.err ?? ((t) => process.stderr.write(t)),
    );
    out(
      `${textTable(
        ["check", "result", "detail"],
        r.checks.map((c) => [c.name, c.ok ? "pass" : "FAIL", c.detail]),
      )}\n`,
    );
    if (!r.ok) {
      const failed = r.checks.filter((c) => !c.ok).length;
      throw new Error(`verify ${r.system}: FAILED (${failed} of ${r.checks.length} checks)`);
    }
    out(`verify ${r.system}: all ${r.checks.length} checks passed\n`);
  });
}
