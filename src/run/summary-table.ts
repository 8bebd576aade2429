// The terminal summary of a migrate run: one row per system, and where the run stopped.
import { textTable } from "../report/table.ts";
import type { PhasesResult } from "./phases.ts";

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The summary table, one row per system; where the run stopped, and what was done. */
/** The steps a summary times, in the order they run (see SystemResult.durations). */
const STEPS = [
  "generate",
  "verify",
  "code",
  "backup",
  "sql files",
  "validate",
  "rollback check",
  "reclaim",
];

function seconds(ms: number | undefined): string {
  return `${((ms ?? 0) / 1000).toFixed(1)} s`;
}

export function summaryTable(run: PhasesResult): string {
  const header = [
    "system",
    "status",
    "rewritten",
    "review",
    "blocking",
    "rows",
    "validation",
    "checks",
    "db size",
    "backup",
    "branch",
    "PR",
  ];
  const rows = run.results.map((r) => [
    r.system,
    r.status,
    String(r.rewritten ?? "-"),
    String(r.needsReview ?? "-"),
    String(r.blocking ?? "-"),
    String(r.rowsBackfilled ?? "-"),
    r.validation ?? "-",
    r.checks ?? "-",
    r.size ? `${mb(r.size.before)} -> ${mb(r.size.after)}` : "-",
    r.backup ?? "-",
    r.branch ?? "-",
    r.prUrl ? `${r.prUrl}${r.migrate?.prDraft ? " (draft)" : ""}` : "-",
  ]);
  const out = [textTable(header, rows)];
  // What the table cannot hold: columns left with legacy IDs, rows broken before we came.
  for (const r of run.results) {
    const refs = r.references;
    if (!refs) continue;
    for (const l of refs.undeclared)
      out.push(
        `${r.system}: NOT in the plan, NOT rewritten: ${l} (add to references or ignoreReferences)`,
      );
    for (const l of refs.orphans)
      out.push(`${r.system}: already orphaned before the migration: ${l}`);
  }
  for (const r of run.results) {
    if (r.size?.reclaimed)
      out.push(
        `${r.system}: database ${mb(r.size.before)} -> ${mb(r.size.after)}; afterwards: ${r.size.reclaimed}`,
      );
  }
  // Where the time went, for systems with a database (the steps that take long).
  for (const r of run.results) {
    const d = r.durations;
    if (!d || d.generate === undefined) continue;
    const steps = STEPS.filter((s) => d[s] !== undefined).map((s) => `${s} ${seconds(d[s])}`);
    out.push(`${r.system}: time: ${steps.join(", ")}`);
  }
  for (const r of run.results.filter((x) => x.blocking && x.migrate)) {
    const failing = run.failOn.some((l) => l.startsWith(`${r.system}:`));
    const accepted = failing || r.status === "blocked" ? "" : " (accepted: --allow-blocking)";
    out.push(
      "",
      `${r.system}: BLOCKING: ${r.blocking} site(s) the rewrite breaks${accepted}; ${r.prUrl ? "the PR is a draft with them first" : "listed first in the report"}${r.done.includes("not applied: blocking sites") ? "; its SQL was not applied" : ""}.`,
    );
  }
  if (run.stoppedAt) {
    const r = run.results.find((x) => x.system === run.stoppedAt);
    const before = run.results.filter((x) => x.status === "done").map((x) => x.system);
    const how = r?.status === "interrupted" ? "Interrupted at" : "Stopped at";
    out.push(
      "",
      `${how} ${run.stoppedAt} (the reason follows below).`,
      `Already done: ${before.length ? before.join(", ") : "nothing"}${r?.done.length ? `; ${run.stoppedAt}: ${r.done.join(", ")}` : ""}. Later phases did not start.`,
    );
  }
  return `${out.join("\n")}\n`;
}
