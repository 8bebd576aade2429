import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { sqlDirFor } from "../plan/paths.ts";
import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import { textTable } from "../report/table.ts";
import type { SqlProgress } from "../sql/progress.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
import { emitMetrics, type MetricsFlags, metricsTargets, withMetrics } from "./metrics-options.ts";
import { type Output, outputFor } from "./output.ts";

interface SqlOptions {
  system?: string;
  db?: string;
  out?: string;
  from?: string;
  config?: string;
  json?: boolean;
}

/** A line a second per table while rows are read, and one per file run on the copy: rows/s. */
export function sqlProgressPrinter(io: Output, label = "") {
  let last = 0;
  const prefix = label ? `${label}: ` : "";
  return (p: SqlProgress) => {
    const rate = p.elapsedMs > 0 ? Math.round((p.rows / p.elapsedMs) * 1000) : 0;
    const secs = (p.elapsedMs / 1000).toFixed(1);
    const perSecond = `${rate.toLocaleString("en-US")} rows/s`;
    if (p.step === "read") {
      const now = Date.now();
      // Quiet for a table read within a second; then a line a second (every batch: --verbose).
      if (!p.done && !io.isVerbose && (p.elapsedMs < 1000 || now - last < 1000)) return;
      last = now;
      io.info(
        `  ${prefix}${p.what}: ${p.done ? "read" : "reading"} ${p.rows}${p.done ? "" : ` of ${p.total}`} rows (${perSecond}, ${secs} s)\n`,
      );
      return;
    }
    const what = { apply: "applied", rollback: "rolled back", validate: "validated" }[p.step];
    io.info(
      `  ${prefix}verify: ${what} ${p.what} on the copy (${p.rows} rows, ${secs} s${p.step === "validate" ? "" : `, ${perSecond}`})\n`,
    );
  };
}

/**
 * Adds `sql generate`, `sql verify` and `sql export`. Errors go to the CLI's boundary (exit 1, or 2 for
 * usage); the database engines load only when a command runs.
 */
export function registerSqlCommands(program: Command, deps: CliDeps = {}): void {
  const sql = program.command("sql").description("backfill SQL for legacy IDs in the databases");

  const resolve = async (o: SqlOptions) => {
    if (!o.system) throw new UsageError("--system NAME is required");
    const { loadSystem } = await import("../plan/load.ts");
    const sys = loadSystem(o.system, o.config, { env: deps.env ?? process.env });
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
      .option(
        "--config <path>",
        "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
      )
      .option("--json", "a JSON document on stdout (see README, JSON output); the rest to stderr");
  const tool = { format: JSON_FORMAT, tool: TOOL_NAME, version: TOOL_VERSION } as const;

  common(sql.command("generate").description("write expand/backfill/rollback/contract SQL files"))
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod sql generate --system crackerjack
  $ ulid-codemod sql generate --system crackerjack --db /tmp/copy.db --out /tmp/sql --json`,
    )
    .action(async (o: SqlOptions) => {
      const io = outputFor(program, deps);
      const say = o.json ? io.err : io.out;
      const { generateSql } = await import("../sql/generate.ts");
      const { tableReport } = await import("../sql/manifest.ts");
      const { system, database, outDir } = await resolve(o);
      const r = await generateSql({
        system,
        database,
        outDir,
        onProgress: sqlProgressPrinter(io),
      });
      for (const t of r.tables) {
        say(
          `${t.table}.${t.key}: ${t.rowCount} rows, ${t.strategy}, references: ${t.children.map((c) => `${c.table}.${c.column}`).join(", ") || "none"}\n`,
        );
      }
      const data = new Set(r.dataFiles);
      for (const f of [...r.files, ...r.rollbackFiles, ...r.contractFiles]) {
        say(`wrote ${f}${data.has(f) ? " (mapping data: not for commit, see .gitignore)" : ""}\n`);
      }
      for (const line of r.report) say(`note: ${line}\n`);
      if (o.json) {
        io.out(
          toJson({
            ...tool,
            ok: true,
            command: "sql generate",
            system: r.system,
            outDir: r.outDir,
            files: r.files,
            rollbackFiles: r.rollbackFiles,
            contractFiles: r.contractFiles,
            dataFiles: r.dataFiles,
            tables: r.tables.map(tableReport),
            notes: r.report,
          }),
        );
      }
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
    .option(
      "--config <path>",
      "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
    )
    .option("--json", "a JSON document on stdout (see README, JSON output); the rest to stderr")
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod sql export --system crackerjack
  $ ulid-codemod sql export --system crackerjack --out /tmp/sql-for-the-dba`,
    )
    .action(async (o: SqlOptions) => {
      const io = outputFor(program, deps);
      const say = o.json ? io.err : io.out;
      const { exportSql } = await import("../sql/export.ts");
      const { system, database, sqlDir } = await resolve(o);
      const r = await exportSql({
        system,
        database,
        sqlDir,
        ...(o.out ? { outDir: path.resolve(o.out) } : {}),
        onProgress: sqlProgressPrinter(io),
      });
      for (const f of r.written) say(`wrote ${f}\n`);
      say(
        `export ${system}: ${r.rows} mapping rows match the committed manifest; apply ${path.join(r.outDir, "apply")}/*.sql in name order (see ${path.join(r.outDir, "README.md")})\n`,
      );
      if (o.json) {
        io.out(
          toJson({
            ...tool,
            ok: true,
            command: "sql export",
            system,
            outDir: r.outDir,
            written: r.written,
            rows: r.rows,
          }),
        );
      }
    });

  common(
    withMetrics(
      sql.command("verify").description("apply the files to a scratch copy, validate, roll back"),
    ),
  )
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod sql verify --system crackerjack
  $ ulid-codemod sql verify --system crackerjack --metrics /var/lib/node_exporter/ulid.prom`,
    )
    .action(async (o: SqlOptions & MetricsFlags) => {
      const io = outputFor(program, deps);
      const say = o.json ? io.err : io.out;
      const { verifySql } = await import("../sql/verify.ts");
      const metrics = metricsTargets(o);
      const started = performance.now();
      const { system, database, outDir } = await resolve(o);
      const r = await verifySql({ system, database, outDir, onProgress: sqlProgressPrinter(io) });
      const { verifyFigures } = await import("../run/metrics.ts");
      const figures = verifyFigures(r, performance.now() - started);
      await emitMetrics(metrics, "sql-verify", figures, !r.ok, io.err);
      say(
        `${textTable(
          ["check", "result", "detail"],
          r.checks.map((c) => [c.name, c.ok ? "pass" : "FAIL", c.detail]),
        )}\n`,
      );
      if (o.json) {
        // The documented shape: the checks' figures go to the metrics, not here.
        const checks = r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail }));
        io.out(toJson({ ...tool, ok: r.ok, command: "sql verify", system: r.system, checks }));
      }
      if (!r.ok) {
        const failed = r.checks.filter((c) => !c.ok).length;
        throw new Error(`verify ${r.system}: FAILED (${failed} of ${r.checks.length} checks)`);
      }
      say(`verify ${r.system}: all ${r.checks.length} checks passed\n`);
    });
}
