// The whole migration, one phase per system in the plan's order: code on its branch (with the
// generated SQL committed next to it), SQL verified on a scratch copy, then optionally applied.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunTransforms } from "../../transforms/index.ts";
import { ApplyFailure, DeclinedError } from "../errors.ts";
import { type ApplyProgress, applyDatabase } from "../live/apply.ts";
import { inspectDatabase } from "../live/state.ts";
import { sqlDirFor } from "../plan/paths.ts";
import { type SystemConfig, withTables } from "../plan/schema.ts";
import { type ExtraFile, type MigrateOutcome, migrateSystem } from "../repo/branch.ts";

export type Confirm = (question: string, details: string[]) => Promise<boolean>;

export interface PhaseOptions {
  runCodemod: RunTransforms;
  /** Apply the SQL to the real databases (after a verified backup). */
  apply?: boolean;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  github?: { apiUrl: string; token?: string };
  /** Asked before every step that changes something; false stops the run. */
  confirm: Confirm;
  /** Phase lines ("[1/3] crackerjack: ..."). */
  log?: (line: string) => void;
  onApplyProgress?: (system: string, p: ApplyProgress) => void;
  busyTimeoutMs?: number;
}

export interface SystemResult {
  system: string;
  status: "done" | "dry-run" | "failed" | "declined" | "not started";
  rewritten?: number;
  needsReview?: number;
  blocking?: number;
  /** Rows of the keyed tables given ULIDs by this run (0 when already applied). */
  rowsBackfilled?: number;
  /** "verified on a copy", "pass (N checks)", "already applied", "FAIL: ..."; "-" without a database. */
  validation?: string;
  backup?: string | null;
  branch?: string;
  prUrl?: string | null;
  /** The step that failed or was declined, with the reason. */
  error?: string;
  /** Steps finished for this system, in order. */
  done: string[];
  migrate?: MigrateOutcome;
  /** Generated SQL (repo-relative paths); kept in `sqlTempDir` until the caller removes it. */
  sqlFiles?: string[];
}

export interface RunResult {
  ok: boolean;
  /** The system the run stopped at (failure or declined), if any. */
  stoppedAt: string | null;
  results: SystemResult[];
}

export async function runPhases(systems: SystemConfig[], opts: PhaseOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const results: SystemResult[] = systems.map((s) => ({
    system: s.name,
    status: "not started",
    done: [],
  }));
  for (const [i, system] of systems.entries()) {
    const r = results[i] as SystemResult;
    const say = (step: string) => log(`[${i + 1}/${systems.length}] ${system.name}: ${step}`);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `ulid-phase-${system.name}-`));
    try {
      await runPhase(system, r, scratch, opts, say);
    } catch (e) {
      r.status = e instanceof DeclinedError ? "declined" : "failed";
      r.error = e instanceof Error ? e.message : String(e);
      if (e instanceof ApplyFailure) {
        r.backup = e.backup;
        r.validation = "FAIL";
      }
      say(r.status === "declined" ? `declined: ${r.error}` : `FAILED: ${r.error}`);
      return { ok: false, stoppedAt: system.name, results };
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { ok: true, stoppedAt: null, results };
}

async function runPhase(
  planned: SystemConfig,
  r: SystemResult,
  scratch: string,
  opts: PhaseOptions,
  say: (s: string) => void,
): Promise<void> {
  const dryRun = !!opts.dryRun;
  let system = planned;
  const db = system.database;
  r.branch = system.branch;
  r.validation = db ? "-" : "- (no database)";

  // 1. SQL: generated from the real database (read-only) and verified on a scratch copy.
  const extraFiles: ExtraFile[] = [];
  const sqlFiles: string[] = [];
  let sqlOut: string | null = null;
  let alreadyApplied = false;
  let rows = 0;
  if (db) {
    const state = await inspectDatabase(db).catch((e: Error) => {
      throw new Error(`${system.name}: reading ${db.path}: ${e.message}`);
    });
    if (state.state === "partial") {
      throw new Error(
        `${system.name}: ${db.path} is partly migrated (${state.detail}); run \`ulid-codemod rollback --system ${system.name}\` first`,
      );
    }
    if (state.state === "applied") {
      alreadyApplied = true;
      r.validation = "already applied";
      r.rowsBackfilled = 0;
      say(`database ${db.path} already migrated (${state.detail}); nothing to do there`);
    } else {
      const { generateSql } = await import("../sql/generate.ts");
      const { verifySql } = await import("../sql/verify.ts");
      sqlOut = path.join(scratch, "sql");
      say(`generating SQL from ${db.path}`);
      const gen = await generateSql({ system: system.name, database: db, outDir: sqlOut });
      rows = gen.tables.reduce((n, t) => n + t.rowCount, 0);
      say(`verifying SQL on a scratch copy (${rows} rows)`);
      const v = await verifySql({ system: system.name, database: db, outDir: sqlOut });
      if (!v.ok) {
        const bad = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
        throw new Error(
          `${system.name}: SQL verification failed on a scratch copy: ${bad.join("; ")}`,
        );
      }
      r.validation = `verified on a copy (${v.checks.length} checks)`;
      // The code checks (sql-consumers) see the tables as the SQL changes them, foreign keys too.
      system = withTables(
        system,
        gen.tables.map((t) => ({
          table: t.table,
          key: t.key,
          strategy: t.strategy,
          ulidColumn: t.ulidColumn,
          references: t.children.map((c) => ({
            table: c.table,
            column: c.column,
            ulidColumn: c.ulidColumn,
          })),
        })),
      );
      const rel = sqlDirFor(system);
      for (const name of fs.readdirSync(sqlOut).sort()) {
        const file = `${rel}/${name}`;
        extraFiles.push({ file, content: fs.readFileSync(path.join(sqlOut, name), "utf8") });
        sqlFiles.push(file);
      }
      r.sqlFiles = sqlFiles;
    }
  }

  // 2. Code: what would change, then (confirmed) the branch and commit.
  say("computing the rewrite");
  const common = {
    runCodemod: opts.runCodemod,
    ...(opts.github ? { github: opts.github } : {}),
    extraFiles,
    sqlFiles,
  };
  const preview = await migrateSystem(system, { ...common, dryRun: true });
  r.migrate = preview;
  r.rewritten = preview.summary.rewritten;
  r.needsReview = preview.summary.needsReview;
  r.blocking = preview.summary.blocking;
  if (dryRun) {
    r.status = "dry-run";
    r.done.push("previewed");
    if (db && !alreadyApplied) r.rowsBackfilled = 0;
    return;
  }
  const changed = preview.diff ? (preview.diff.match(/^\+\+\+ b\/(.*)$/gm) ?? []) : [];
  const wantPush = !!opts.push || !!opts.openPr;
  const details = [
    `repository: ${system.repo} (from ${preview.base})`,
    `branch: ${system.branch}${wantPush ? ` (pushed to ${system.remote}${opts.openPr ? ", pull request" : ""})` : ""}`,
    `source files: ${changed.length} (${preview.summary.rewritten} sites rewritten, ${preview.summary.needsReview} need review, ${preview.summary.blocking} blocking)`,
    ...changed.map((l) => `  ${l.slice(6)}`),
    `SQL files: ${sqlFiles.length}${sqlFiles.length ? ` in ${sqlDirFor(system)}/` : ""}`,
  ];
  if (
    !(await opts.confirm(
      `${system.name}: commit the migration to branch ${system.branch}?`,
      details,
    ))
  ) {
    throw new DeclinedError(`commit to ${system.branch} not confirmed`);
  }
  say(`committing to ${system.branch}`);
  const outcome = await migrateSystem(system, {
    ...common,
    push: !!opts.push,
    openPr: !!opts.openPr,
    log: (l) => say(l.replace(`${system.name}: `, "")),
  });
  r.migrate = outcome;
  r.prUrl = outcome.prUrl;
  r.done.push(outcome.commit ? `committed ${outcome.commit.slice(0, 12)}` : "no new commit needed");
  if (outcome.pushed) r.done.push("pushed");
  if (outcome.prUrl) r.done.push(`PR ${outcome.prAction}`);

  // 3. Data.
  if (db && opts.apply && !alreadyApplied && sqlOut) {
    const applyDetails = [
      `database: ${db.path} (${db.engine})`,
      `tables: ${db.tables.map((t) => `${t.table}.${t.key} (${t.strategy})`).join(", ")}`,
      `rows to backfill: ${rows}`,
      `backup first into: ${db.backupDir ?? path.dirname(db.path)}`,
    ];
    if (!(await opts.confirm(`${system.name}: apply the SQL to ${db.path}?`, applyDetails))) {
      throw new DeclinedError(`apply to ${db.path} not confirmed`);
    }
    say(`applying SQL to ${db.path}`);
    const applied = await applyDatabase({
      system: system.name,
      database: db,
      sqlDir: sqlOut,
      ...(opts.busyTimeoutMs ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
      onProgress: (p) => opts.onApplyProgress?.(system.name, p),
      log: say,
    });
    r.backup = applied.backup;
    if (applied.status === "already-applied") {
      r.validation = "already applied";
      r.rowsBackfilled = 0;
    } else {
      r.rowsBackfilled = applied.rows;
      r.validation = `pass (${applied.checks.length} checks)`;
      r.done.push(`applied ${applied.rows} rows`);
    }
  } else if (db && !alreadyApplied) {
    r.rowsBackfilled = 0;
  }
  r.status = "done";
}
