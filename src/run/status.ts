// `status`: where each system's migration stands, from what is known locally (the branch, the
// committed report, the last checks, the database, its backups) and what the GitHub API answers
// (the PR, its reviews and checks). Nothing is changed. What could not be asked is said, with why.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { listBackups } from "../live/backup.ts";
import { databaseStatus } from "../live/state.ts";
import { reportDir } from "../plan/paths.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { loadChecks } from "../repo/checks.ts";
import { branchTip, gitAt, remoteUrl } from "../repo/git.ts";
import { parseRemoteUrl, pullRequestStatus } from "../repo/github.ts";
import { type ChecksRun, type Report, reportSchema, type StatusJson } from "../report/schema.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { redact } from "../util/redact.ts";

export type SystemStatus = StatusJson["systems"][number];

export interface StatusOptions {
  github?: { apiUrl: string; token?: string };
  /** Ask the remote for the branch (`git ls-remote`); else only the remote-tracking ref. */
  askRemote?: boolean;
}

/** `git ls-remote` with no prompt and a time limit: a remote that cannot be reached is said so. */
function lsRemote(cwd: string, remote: string, branch: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["ls-remote", "--heads", remote, `refs/heads/${branch}`],
      {
        cwd,
        timeout: 15_000,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_SSH_COMMAND: "ssh -o BatchMode=yes" },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error((stderr || err.message).trim().split("\n").pop() ?? "failed"));
        else resolve(stdout.split("\t")[0]?.trim() || null);
      },
    );
  });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function systemStatus(
  system: SystemConfig,
  opts: StatusOptions = {},
): Promise<SystemStatus> {
  const secrets = opts.github?.token ? [opts.github.token] : [];
  const unknown: string[] = [];
  const row: SystemStatus = {
    system: system.name,
    repo: system.repo,
    branch: { name: system.branch, local: null, remote: null, base: null, ahead: null },
    pr: null,
    checks: null,
    database: null,
    next: "",
    unknown,
  };
  let report: Report | null = null;
  const repoOk =
    fs.existsSync(system.repo) &&
    (await gitAt(system.repo)
      .checkIsRepo()
      .catch(() => false));
  if (!repoOk) {
    unknown.push(`repository: ${system.repo} is not a git repository here`);
  } else {
    const git = gitAt(system.repo);
    row.branch.local = await branchTip(git, system.branch);
    const tracking = (
      await git
        .raw(["rev-parse", "--verify", "-q", `refs/remotes/${system.remote}/${system.branch}`])
        .catch(() => "")
    ).trim();
    row.branch.remote = tracking || null;
    if (opts.askRemote !== false && (await remoteUrl(git, system.remote))) {
      try {
        row.branch.remote = await lsRemote(system.repo, system.remote, system.branch);
      } catch (e) {
        unknown.push(
          `remote branch: could not ask ${system.remote} (${redact(message(e), secrets)}); showing the last fetched ref`,
        );
      }
    }
    const tip = row.branch.local ?? row.branch.remote;
    if (tip) {
      const shown = await git
        .raw(["show", `${tip}:${reportDir(system.name)}/report.json`])
        .catch(() => "");
      // A report.json of another shape (an older version of the tool) is not read.
      try {
        const parsed = shown ? reportSchema.safeParse(JSON.parse(shown)) : null;
        report = parsed?.success ? parsed.data : null;
      } catch {
        report = null;
      }
    }
    const current = (
      await git.raw(["symbolic-ref", "-q", "--short", "HEAD"]).catch(() => "")
    ).trim();
    row.branch.base = report?.base ?? (current && current !== system.branch ? current : null);
    if (row.branch.local && row.branch.base) {
      const n = await git
        .raw(["rev-list", "--count", `refs/heads/${row.branch.base}..${row.branch.local}`])
        .catch(() => "");
      row.branch.ahead = n.trim() ? Number(n.trim()) : null;
    }
    row.checks = (await loadChecks(system.repo, system.name)) ?? report?.checks ?? null;
    checkInterrupted("status");
    await prStatus(system, row, opts, secrets);
  }
  if (system.database) {
    try {
      const db = await databaseStatus(system.database);
      const backups = db.state === "missing" ? [] : listBackups(system.database);
      row.database = {
        path: system.database.path,
        state: db.state,
        detail: db.detail,
        rows: db.rows,
        latestBackup: backups[0]?.backup ?? null,
      };
    } catch (e) {
      unknown.push(`database: ${system.database.path} could not be read (${message(e)})`);
    }
  }
  row.next = nextStep(system, row, report);
  return row;
}

async function prStatus(
  system: SystemConfig,
  row: SystemStatus,
  opts: StatusOptions,
  secrets: string[],
): Promise<void> {
  const url = await remoteUrl(gitAt(system.repo), system.remote);
  const slug = system.github ?? (url ? parseRemoteUrl(url) : null);
  if (!slug) {
    row.unknown.push(
      `pull request: no GitHub owner/repo for remote "${system.remote}" (set systems.${system.name}.github)`,
    );
    return;
  }
  if (!opts.github?.token) {
    row.unknown.push("pull request: not asked (no GITHUB_TOKEN)");
    return;
  }
  try {
    row.pr = await pullRequestStatus({
      ...slug,
      apiUrl: opts.github.apiUrl,
      token: opts.github.token,
      head: system.branch,
    });
  } catch (e) {
    row.unknown.push(`pull request: ${redact(message(e), secrets)}`);
  }
}

function failing(c: ChecksRun | null): string | null {
  const f = c?.results.find((r) => !r.ok);
  return f ? f.command : null;
}

/** What to do next, from what is known. */
export function nextStep(system: SystemConfig, row: SystemStatus, report: Report | null): string {
  const s = `--system ${system.name}`;
  const db = row.database;
  const pr = row.pr;
  const blocking = report?.summary.blocking ?? 0;
  const failed = failing(row.checks);
  if (row.unknown.some((u) => u.startsWith("repository:"))) return "fix the plan's repo path";
  if (db?.state === "partly applied")
    return `ulid-codemod rollback ${s} (the database is partly migrated)`;
  if (!row.branch.local && !row.branch.remote && !pr) {
    if (db?.state === "applied")
      return `the database is migrated but no branch exists: ulid-codemod migrate ${s}, or rollback ${s}`;
    return `ulid-codemod migrate ${s} --dry-run, then migrate ${s} --open-pr`;
  }
  if (pr?.state === "merged") {
    if (db?.state === "not applied") return `ulid-codemod migrate ${s} --apply`;
    if (db?.state === "applied")
      return "once nothing reads the legacy keys: the contract SQL (see the report's Database section)";
    return "done";
  }
  if (pr?.state === "closed")
    return `the PR was closed unmerged: reopen it, or ulid-codemod rollback ${s}`;
  if (failed) return `fix the failing check \`${failed}\`, then ulid-codemod migrate ${s} again`;
  if (blocking > 0)
    return `resolve the ${blocking} blocking site(s) (see the report), then migrate ${s} again`;
  if (!pr) {
    if (row.branch.local && row.branch.remote !== row.branch.local)
      return `ulid-codemod migrate ${s} --open-pr (pushes the branch, opens the PR)`;
    if (row.unknown.some((u) => u.startsWith("pull request:")))
      return "see the pull request on GitHub (not asked)";
    return `ulid-codemod migrate ${s} --open-pr`;
  }
  if (row.branch.local && row.branch.remote && row.branch.local !== row.branch.remote) {
    return `ulid-codemod migrate ${s} --open-pr (the local branch differs from the remote)`;
  }
  if (pr.checks === "failure") return "fix the failing checks on the PR";
  if (pr.reviewDecision === "changes-requested") return "address the requested changes";
  if (pr.state === "draft") return "mark the PR ready for review when its review items are settled";
  if (pr.reviewDecision === "approved")
    return pr.checks === "pending" ? "wait for the PR's checks, then merge" : "merge the PR";
  return "wait for review";
}

export async function statusOf(
  systems: SystemConfig[],
  opts: StatusOptions = {},
): Promise<SystemStatus[]> {
  const out: SystemStatus[] = [];
  for (const s of systems) out.push(await systemStatus(s, opts));
  return out;
}
