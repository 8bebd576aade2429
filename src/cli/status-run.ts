import { UsageError } from "../errors.ts";
import { loadConfig } from "../plan/load.ts";
import { resolveApiUrl } from "../repo/github.ts";
import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import type { StatusJson } from "../report/schema.ts";
import { textTable } from "../report/table.ts";
import { type SystemStatus, statusOf } from "../run/status.ts";
import { redact, secretsFromEnv } from "../util/redact.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";
import { colorOutcomes, type Output } from "./output.ts";
import type { StatusFlags } from "./status-command.ts";

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : "-");

function branchCell(r: SystemStatus): string {
  const b = r.branch;
  if (!b.local && !b.remote) return `${b.name}: none`;
  const where =
    b.local && b.remote
      ? b.local === b.remote
        ? "local = remote"
        : "local ≠ remote"
      : b.local
        ? "local only"
        : "remote only";
  const ahead = b.ahead !== null && b.base ? `, ${b.ahead} ahead of ${b.base}` : "";
  return `${b.name} ${short(b.local ?? b.remote)} (${where}${ahead})`;
}

function prCell(r: SystemStatus): string {
  const p = r.pr;
  if (!p) return r.unknown.some((u) => u.startsWith("pull request:")) ? "?" : "none";
  const review = p.reviewDecision ? `, ${p.reviewDecision}` : "";
  const checks = p.checks && p.checks !== "none" ? `, checks ${p.checks}` : "";
  return `#${p.number} ${p.state}${review}${checks} ${p.url}`;
}

function checksCell(r: SystemStatus): string {
  const c = r.checks;
  if (!c) return "-";
  const failed = c.results.filter((x) => !x.ok);
  const when = c.finishedAt.slice(0, 16).replace("T", " ");
  if (!failed.length) return `pass (${c.results.length}) ${when}`;
  return `FAIL: ${failed.map((f) => `${f.command} (${f.timedOut ? "timed out" : `exit ${f.exitCode ?? "killed"}`})`).join(", ")} ${when}`;
}

function databaseCell(r: SystemStatus): string {
  const d = r.database;
  if (!d) return "-";
  const rows = d.rows !== null ? `, ${d.rows} rows` : "";
  const backup = d.latestBackup ? `, backup ${d.latestBackup.split(/[\\/]/).pop()}` : "";
  return `${d.state}${rows}${backup}`;
}

export async function runStatus(flags: StatusFlags, deps: CliDeps, io: Output): Promise<void> {
  const env = deps.env ?? process.env;
  if (flags.system && flags.all)
    throw new UsageError("status: give --system NAME or --all, not both");
  const config = loadConfig(flags.config, { env });
  const systems = flags.system
    ? config.systems.filter((s) => s.name === flags.system)
    : config.systems;
  if (!systems.length) {
    throw new UsageError(
      `status: no system "${flags.system}" in ${config.path} (known: ${config.systems.map((s) => s.name).join(", ")})`,
    );
  }
  const apiUrl = resolveApiUrl(flags.githubApiUrl, config.github.apiUrl, env);
  const rows = await statusOf(systems, {
    github: { apiUrl, ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}) },
    askRemote: flags.remote !== false,
  });
  const secrets = secretsFromEnv(env);
  if (flags.json) {
    const doc: StatusJson = {
      format: JSON_FORMAT,
      tool: TOOL_NAME,
      version: TOOL_VERSION,
      ok: true,
      command: "status",
      systems: rows,
    };
    io.out(redact(toJson(doc), secrets));
    return;
  }
  const table = textTable(
    ["system", "branch", "PR", "checks (last run)", "database", "next"],
    rows.map((r) => [r.system, branchCell(r), prCell(r), checksCell(r), databaseCell(r), r.next]),
  );
  io.out(`${redact(colorOutcomes(table, io.style), secrets)}\n`);
  const unknown = rows.flatMap((r) => r.unknown.map((u) => `  ${r.system}: ${u}`));
  if (unknown.length) io.out(`\nNot known:\n${redact(unknown.join("\n"), secrets)}\n`);
}
