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
  from?: string;
  config?: string;
}

/**
 * Adds `sql generate`, `sql verify` and `sql export`. Errors go to the CLI's boundary (exit 1, or 2 for
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
    const sqlDir = path.resolve(sys.repo, sqlDirFor(sys));
    const outDir = o.out ? path.resolve(o.out) : sqlDir;
    return { system: sys.name, database, outDir, sqlDir: o.from ? path.resolve(o.from) : sqlDir };
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
    const { system, database, outDir } = await resolve(o);
    const r = await generateSql({ system, database, outDir });
    for (const t of r.tables) {
      out(
        `${t.table}.${t.key}: ${t.rowCount} rows, ${t.strategy}, references: ${t.children.map((c) => `${c.table}.${c.column}`).join(", ") || "none"}\n`,
      );
    }
    const data = new Set(r.dataFiles);
    for (const f of [...r.files, ...r.rollbackFiles, ...r.contractFiles]) {
      out(`wrote ${f}${data.has(f) ? " (mapping data: not for commit, see .gitignore)" : ""}\n`);
    }
    for (const line of r.report) out(`note: ${line}\n`);
  });

  sql
    .command("export")
    .description(
      "write the mapping data (not committed) from the database, checked against the committed manifest, so the files run without this tool",
    )
    .option("--system <name>", "system from the migration config")
    .option("--db <path>", "database file (default: the config's database.path)")
    .option("--from <dir>", "committed SQL folder (default: database.sqlDir in the system's repo)")
    .option("--out <dir>", "write the whole folder here instead of adding the data to --from")
    .option("--config <path>", "migration config file")
    .action(async (o: SqlOptions) => {
      const { exportSql } = await import("../sql/export.ts");
      const { system, database, sqlDir } = await resolve(o);
      const r = await exportSql({
        system,
        database,
        sqlDir,
        ...(o.out ? { outDir: path.resolve(o.out) } : {}),
      });
      for (const f of r.written) out(`wrote ${f}\n`);
      out(
        `export ${system}: ${r.rows} mapping rows match the committed manifest; apply ${path.join(r.outDir, "apply")}/*.sql in name order (see ${path.join(r.outDir, "README.md")})\n`,
      );
    });

  common(
    withMetrics(
      sql.command("verify").description("apply the files to a scratch copy, validate, roll back"),
    ),
  ).action(async (o: SqlOptions & MetricsFlags) => {
    const { verifySql } = await import("../sql/verify.ts");
    const metrics = metricsTargets(o);
    const started = performance.now();
    const { system, database, outDir } = await resolve(o);
    const r = await verifySql({ system, database, outDir });
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
