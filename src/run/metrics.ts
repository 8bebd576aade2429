// The figures of a migrate, rollback or sql verify run as metrics: Prometheus text exposition (what
// node_exporter's textfile collector and Grafana read), rendered by prom-client's registry, and the
// same registry as JSON. Every sample carries `system` and `command` (so the files of different
// commands can sit in one textfile directory without clashing). Written atomically, also when the
// run failed: the failure is what a dashboard most needs to show.
import fs from "node:fs";
import path from "node:path";
import type { CheckOutcome } from "../errors.ts";
import type { VerifyResult } from "../sql/verify.ts";
import type { PhasesResult } from "./phases.ts";
import type { RollbackResult } from "./rollback.ts";
import type { CommandRun } from "./services.ts";

export type MetricsCommand = "migrate" | "rollback" | "sql-verify";

/** Every outcome a command's systems can end in (one sample each: 1 for the one it ended in). */
export const OUTCOMES: Record<MetricsCommand, readonly string[]> = {
  // `blocked`: committed (and pushed, the PR a draft), but blocking sites fail the run.
  migrate: ["done", "dry-run", "blocked", "failed", "declined", "interrupted", "not started"],
  rollback: ["done", "nothing to do", "dry-run", "failed", "not started"],
  "sql-verify": ["passed", "failed"],
};

const SUCCESS = new Set(["done", "dry-run", "nothing to do", "passed"]);

/** One system's figures, whatever command produced them. */
export interface SystemFigures {
  system: string;
  outcome: string;
  rowsBackfilled?: number;
  sites?: { rewritten: number; needsReview: number; blocking: number };
  checks: { stage: "verify" | "apply"; checks: readonly CheckOutcome[] }[];
  /** Row counts measured outside the checks (rollback: around the restore). */
  tableRows: { stage: string; table: string; when: "before" | "after"; rows: number }[];
  /** Milliseconds per step. */
  durationsMs: Record<string, number>;
  services: readonly CommandRun[];
  preflightProblems?: number;
}

export function migrateFigures(run: PhasesResult): SystemFigures[] {
  return run.results.map((r) => ({
    system: r.system,
    outcome: r.status,
    ...(r.rowsBackfilled === undefined ? {} : { rowsBackfilled: r.rowsBackfilled }),
    ...(r.rewritten === undefined
      ? {}
      : {
          sites: {
            rewritten: r.rewritten,
            needsReview: r.needsReview ?? 0,
            blocking: r.blocking ?? 0,
          },
        }),
    checks: [
      ...(r.verifyChecks ? [{ stage: "verify" as const, checks: r.verifyChecks }] : []),
      ...(r.applyChecks ? [{ stage: "apply" as const, checks: r.applyChecks }] : []),
    ],
    tableRows: [],
    durationsMs: r.durations ?? {},
    services: r.services ?? [],
    // Problems name their system first; the others (a missing token) concern every system.
    preflightProblems: run.problems.filter(
      (p) => p.startsWith(`${r.system}:`) || !run.results.some((x) => p.startsWith(`${x.system}:`)),
    ).length,
  }));
}

/** `outcome` overrides what the results say (the run stopped before doing them: not started). */
export function rollbackFigures(
  results: readonly RollbackResult[],
  opts: { dryRun?: boolean; outcome?: string } = {},
): SystemFigures[] {
  const did = (line: string) => /^(restored|put the legacy keys|deleted)/.test(line);
  return results.map((r) => ({
    system: r.system,
    outcome:
      opts.outcome ??
      (!r.ok
        ? "failed"
        : opts.dryRun
          ? "dry-run"
          : did(r.database) || did(r.branch)
            ? "done"
            : "nothing to do"),
    checks: [],
    tableRows: r.tableRows
      ? (["before", "after"] as const).flatMap((when) =>
          Object.entries(r.tableRows?.[when] ?? {}).map(([table, rows]) => ({
            stage: "restore",
            table,
            when,
            rows,
          })),
        )
      : [],
    durationsMs: r.durations ?? {},
    services: r.services ?? [],
  }));
}

export function verifyFigures(r: VerifyResult, durationMs: number): SystemFigures[] {
  return [
    {
      system: r.system,
      outcome: r.ok ? "passed" : "failed",
      checks: [{ stage: "verify", checks: r.checks }],
      tableRows: [],
      durationsMs: { verify: durationMs },
      services: [],
    },
  ];
}

/** The run's figures in a prom-client registry (loaded on use: most runs want no metrics). */
export async function metricsRegistry(
  command: MetricsCommand,
  figures: readonly SystemFigures[],
  now: Date = new Date(),
) {
  const { Gauge, Registry } = await import("prom-client");
  const registry = new Registry();
  registry.setDefaultLabels({ command });
  const gauge = <L extends string>(name: string, help: string, labels: readonly L[]) =>
    new Gauge<"system" | L>({
      name: `ulid_codemod_${name}`,
      help,
      labelNames: ["system", ...labels],
      registers: [registry],
    });
  const outcome = gauge("outcome", "1 for the outcome the system's run ended in, else 0", [
    "outcome",
  ]);
  const success = gauge("success", "1 when the system's run succeeded (or had nothing to do)", []);
  const timestamp = gauge("last_run_timestamp_seconds", "When the run ended (Unix time)", []);
  const problems = gauge("preflight_problems", "Problems the preflight found (nothing ran)", []);
  const backfilled = gauge(
    "rows_backfilled",
    "Rows of the keyed tables given ULIDs by this run",
    [],
  );
  const tableRows = gauge("table_rows", "Rows per table, before and after the step", [
    "stage",
    "table",
    "when",
  ]);
  const checked = gauge("ulids_checked", "Rows whose ULID was checked", ["stage", "table"]);
  const invalid = gauge("ulids_invalid", "Checked ULIDs that are NULL or malformed", [
    "stage",
    "table",
  ]);
  const duplicates = gauge(
    "ulid_duplicates",
    "Rows whose ULID an earlier row of the table already holds (collisions)",
    ["stage", "table"],
  );
  const orphans = gauge("orphans", "Child references that no longer resolve to their parent", [
    "stage",
    "table",
  ]);
  const sites = gauge("sites", "Code sites by outcome (rewritten, needs-review, blocking)", [
    "outcome",
  ]);
  const checks = gauge("checks", "Validation checks by result", ["stage", "result"]);
  const durations = gauge("step_duration_seconds", "Duration of each step", ["step"]);
  const services = gauge("service_commands", "Service commands run, by phase and result", [
    "phase",
    "result",
  ]);

  for (const f of figures) {
    const system = f.system;
    for (const o of OUTCOMES[command]) outcome.set({ system, outcome: o }, f.outcome === o ? 1 : 0);
    success.set({ system }, SUCCESS.has(f.outcome) ? 1 : 0);
    timestamp.set({ system }, Math.floor(now.getTime() / 1000));
    if (f.preflightProblems !== undefined) problems.set({ system }, f.preflightProblems);
    if (f.rowsBackfilled !== undefined) backfilled.set({ system }, f.rowsBackfilled);
    if (f.sites) {
      sites.set({ system, outcome: "rewritten" }, f.sites.rewritten);
      sites.set({ system, outcome: "needs-review" }, f.sites.needsReview);
      sites.set({ system, outcome: "blocking" }, f.sites.blocking);
    }
    for (const { stage, checks: list } of f.checks) {
      checks.set({ system, stage, result: "passed" }, list.filter((c) => c.ok).length);
      checks.set({ system, stage, result: "failed" }, list.filter((c) => !c.ok).length);
      const sums = new Map<string, Sums>();
      for (const c of list) {
        if (!c.table || !c.figures) continue;
        const fig = c.figures;
        const s: Sums = sums.get(c.table) ?? {};
        if (fig.rowsBefore !== undefined)
          tableRows.set({ system, stage, table: c.table, when: "before" }, fig.rowsBefore);
        if (fig.rowsAfter !== undefined)
          tableRows.set({ system, stage, table: c.table, when: "after" }, fig.rowsAfter);
        for (const k of SUM_KEYS) {
          const v = fig[k];
          if (v !== undefined) s[k] = (s[k] ?? 0) + v;
        }
        sums.set(c.table, s);
      }
      for (const [table, s] of sums) {
        const labels = { system, stage, table };
        if (s.ulidsChecked !== undefined) checked.set(labels, s.ulidsChecked);
        if (s.ulidsInvalid !== undefined) invalid.set(labels, s.ulidsInvalid);
        if (s.duplicates !== undefined) duplicates.set(labels, s.duplicates);
        if (s.orphans !== undefined) orphans.set(labels, s.orphans);
      }
    }
    for (const t of f.tableRows) {
      tableRows.set({ system, stage: t.stage, table: t.table, when: t.when }, t.rows);
    }
    for (const [step, ms] of Object.entries(f.durationsMs)) {
      durations.set({ system, step }, ms / 1000);
    }
    for (const phase of ["stop", "start"] as const) {
      const runs = f.services.filter((r) => r.phase === phase);
      if (runs.length === 0) continue;
      services.set({ system, phase, result: "ok" }, runs.filter((r) => r.ok).length);
      services.set({ system, phase, result: "failed" }, runs.filter((r) => !r.ok).length);
      durations.set(
        { system, step: `services-${phase}` },
        runs.reduce((n, r) => n + r.durationMs, 0) / 1000,
      );
    }
  }
  return registry;
}

const SUM_KEYS = ["ulidsChecked", "ulidsInvalid", "duplicates", "orphans"] as const;
type Sums = Partial<Record<(typeof SUM_KEYS)[number], number>>;

export interface MetricsTargets {
  /** Prometheus text exposition. */
  prom?: string;
  json?: string;
}

/** Writes next to the target and renames over it: a reader sees the old file or the new one. */
function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`metrics: cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Renders and writes the files asked for. */
export async function writeMetrics(
  targets: MetricsTargets,
  command: MetricsCommand,
  figures: readonly SystemFigures[],
  now: Date = new Date(),
): Promise<void> {
  if (!targets.prom && !targets.json) return;
  const registry = await metricsRegistry(command, figures, now);
  if (targets.prom) writeAtomically(targets.prom, await registry.metrics());
  if (targets.json) {
    const doc = {
      command,
      generatedAt: now.toISOString(),
      metrics: await registry.getMetricsAsJSON(),
    };
    writeAtomically(targets.json, `${JSON.stringify(doc, null, 2)}\n`);
  }
}
