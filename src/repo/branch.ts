import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { RunTransforms } from "../../transforms/index.ts";
import { encodeSource } from "../codemod/source.ts";
import { RefusalError } from "../errors.ts";
import { reportDir } from "../plan/paths.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { unifiedDiff } from "../report/diff.ts";
import { migrationReportJson } from "../report/json.ts";
import { renderMarkdown } from "../report/markdown.ts";
import { countsLine, type Summary, summarize } from "../report/summary.ts";
import { redact, redactError, secretsFromEnv } from "../util/redact.ts";
import { branchTip, inspectRepo, isAncestor, notOursReason, remoteUrl, TRAILER } from "./git.ts";
import { clampBody, openOrUpdatePullRequest, parseRemoteUrl } from "./github.ts";

export interface ExtraFile {
  /** Relative to the repo root, `/` separators. */
  file: string;
  /** Text (written as UTF-8) or the file's bytes. */
  content: string | Uint8Array;
}

export interface MigrateOptions {
  runCodemod: RunTransforms;
  dryRun?: boolean;
  push?: boolean;
  /** Implies push: a PR needs the branch on the remote. */
  openPr?: boolean;
  /** Unused here: confirmations are asked by the phase runner (src/phases.ts) before calling this. */
  yes?: boolean;
  github?: { apiUrl: string; token?: string };
  /** More files to commit with the migration (e.g. generated SQL), and to mention in the PR. */
  extraFiles?: ExtraFile[];
  sqlFiles?: string[];
  log?: (line: string) => void;
}

export interface MigrateOutcome {
  system: string;
  branch: string;
  /** The user's branch: the migration starts from it, the PR targets it, the user is put back on it. */
  base: string;
  /** The new commit, or null when nothing changed (or dry-run). */
  commit: string | null;
  /** True when the branch was brought up to date with `base` by a merge commit. */
  merged: boolean;
  pushed: boolean;
  prUrl: string | null;
  prAction: "created" | "updated" | null;
  summary: Summary;
  /** Unified diff of the source changes (always computed; printed for dry-run). */
  diff: string;
  report: string;
  dryRun: boolean;
}

export function commitMessage(system: string, summary: Summary, merged: boolean): string {
  const lines = [`ulid-migration(${system}): ${countsLine(summary)}`, ""];
  if (merged) lines.push("Brings the branch up to date with its base first (merge commit).", "");
  lines.push(
    "Rewritten by ulid-codemod; see the report for every site that needs review.",
    `Report: ${reportDir(system)}/report.md`,
    "",
    `${TRAILER}: ${system}`,
  );
  return lines.join("\n");
}

/**
 * Migrate one system: compute the rewrite on the user's branch (read-only), then on the tool's
 * branch write it, the reports and any extra files, and commit them. The user ends on their
 * branch, and a failure before the commit leaves the repository as it was.
 */
export async function migrateSystem(
  system: SystemConfig,
  opts: MigrateOptions,
): Promise<MigrateOutcome> {
  // Library callers get errors as safe to print as the CLI's: git hooks, remotes and the API
  // may echo the token.
  const secrets = [opts.github?.token ?? "", ...secretsFromEnv()].filter((s) => s.length >= 4);
  try {
    return await migrateOne(system, opts, secrets);
  } catch (e) {
    throw redactError(e, secrets);
  }
}

async function migrateOne(
  system: SystemConfig,
  opts: MigrateOptions,
  secrets: string[],
): Promise<MigrateOutcome> {
  const log = opts.log ?? (() => {});
  const label = system.name;
  const wantPr = !!opts.openPr;
  const wantPush = !!opts.push || wantPr;
  const dryRun = !!opts.dryRun;

  const repo = await inspectRepo(system.repo, label);
  const { git } = repo;
  const base = repo.branch;
  // Full ref names: a tag or file called like the branch must not be picked instead.
  const baseRef = `refs/heads/${base}`;
  if (base === system.branch) {
    throw new RefusalError(
      `${label}: ${system.repo} is on the migration branch ${system.branch}; check out the branch to migrate from`,
    );
  }
  const oldTip = await branchTip(git, system.branch);
  if (oldTip) {
    const reason = await notOursReason(git, system.branch, baseRef, system.name);
    if (reason) {
      throw new RefusalError(
        `${label}: branch ${system.branch} in ${system.repo} was not created by ulid-codemod (${reason}); rename it or set another branch in the config`,
      );
    }
  }

  // Everything the PR needs is checked before anything changes.
  let slug: { owner: string; repo: string } | null = null;
  if (wantPush && !dryRun) {
    const url = await remoteUrl(git, system.remote);
    if (!url) throw new RefusalError(`${label}: remote "${system.remote}" does not exist`);
    if (wantPr) {
      slug = system.github ?? parseRemoteUrl(url);
      if (!slug) {
        throw new RefusalError(
          `${label}: cannot derive the GitHub owner/repo from remote "${system.remote}"; set systems.${system.name}.github: { owner, repo } in the config`,
        );
      }
      if (!opts.github?.token) {
        throw new RefusalError(`${label}: --open-pr needs a token in GITHUB_TOKEN`);
      }
    }
  }

  log(`${label}: transforming ${system.repo} (${base})`);
  const result = await opts.runCodemod({
    paths: [repo.root],
    root: repo.root,
    transforms: system.transforms,
    options: system.options,
    include: system.include,
    exclude: system.exclude,
    dryRun: true,
  });
  const summary = summarize(result);
  const meta = {
    system: system.name,
    branch: system.branch,
    base,
    transforms: system.transforms,
    ...(opts.sqlFiles ? { sqlFiles: opts.sqlFiles } : {}),
  };
  const report = renderMarkdown(result, summary, meta);
  const diff = unifiedDiff(result.changes);
  const outcome: MigrateOutcome = {
    system: system.name,
    branch: system.branch,
    base,
    commit: null,
    merged: false,
    pushed: false,
    prUrl: null,
    prAction: null,
    summary,
    diff,
    report,
    dryRun,
  };
  if (dryRun) return outcome;

  const dir = reportDir(system.name);
  const files: ExtraFile[] = [
    // A source file goes back in the encoding its coding line declares.
    ...result.changes.map((c) => ({
      file: c.file,
      content: c.encoding ? encodeSource(c.after, c.encoding) : c.after,
    })),
    { file: `${dir}/report.md`, content: report },
    { file: `${dir}/report.json`, content: migrationReportJson(result, summary, meta) },
    ...(opts.extraFiles ?? []),
  ];

  for (const f of files) {
    if (isAbsolute(f.file) || f.file.split(/[\\/]/).includes("..") || f.file.startsWith(".git/")) {
      throw new Error(`${label}: refusing to write ${f.file}: not a path inside the repository`);
    }
  }
  const created: string[] = [];
  let switched = false;
  let fastForwarded = false;
  let committed = false;
  let ok = false;
  try {
    if (oldTip) {
      await git.raw(["checkout", "-q", system.branch, "--"]);
      switched = true;
      if (await isAncestor(git, oldTip, baseRef)) {
        // The branch was merged into base (its PR landed): move it forward, not a merge commit.
        // Kept only if a commit of ours follows, so its tip always carries the trailer.
        await git.raw(["merge", "-q", "--ff-only", baseRef]);
        fastForwarded = true;
      } else if (!(await isAncestor(git, baseRef, system.branch))) {
        log(`${label}: merging ${base} into ${system.branch}`);
        try {
          await git.raw([
            "merge",
            "--no-ff",
            "--no-edit",
            "-m",
            `Merge ${base} into ${system.branch}\n\n${TRAILER}: ${system.name}`,
            baseRef,
          ]);
        } catch (e) {
          const conflicted = (
            await git.raw(["diff", "--name-only", "--diff-filter=U"]).catch(() => "")
          )
            .split("\n")
            .filter(Boolean);
          await git.raw(["merge", "--abort"]).catch(() => {});
          const detail = conflicted.length
            ? `conflicting files: ${conflicted.join(", ")}`
            : String((e as Error).message).trim();
          throw new RefusalError(
            `${label}: ${base} has changes that conflict with ${system.branch} (${detail}); nothing was changed. Merge ${base} into ${system.branch} yourself (keeping the "${TRAILER}: ${system.name}" trailer in the merge commit) or delete the branch, then rerun.`,
          );
        }
        outcome.merged = true;
      }
    } else {
      await git.raw(["checkout", "-q", "-b", system.branch]);
      switched = true;
    }

    for (const f of files) {
      const abs = join(repo.root, f.file);
      if (!existsSync(abs)) created.push(abs);
      else if (readFileSync(abs).equals(Buffer.from(f.content))) continue;
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, f.content);
    }
    // Only our files, literally named (never `add -A`); -f: a .gitignore must not hide the report.
    await git.raw(["--literal-pathspecs", "add", "-f", "--", ...files.map((f) => f.file)]);
    const staged = (await git.raw(["diff", "--cached", "--name-only"])).split("\n").filter(Boolean);
    // A report that changed on its own (e.g. after the PR landed, nothing is left to rewrite)
    // is no reason for a commit: source or extra files are, or a merge it must describe.
    const reports = new Set([`${dir}/report.md`, `${dir}/report.json`]);
    if (staged.some((f) => !reports.has(f)) || (outcome.merged && staged.length > 0)) {
      await git.raw(["commit", "-q", "-m", commitMessage(system.name, summary, outcome.merged)]);
      committed = true;
    }
    if (committed || outcome.merged) outcome.commit = (await git.revparse(["HEAD"])).trim();
    ok = true;
  } finally {
    if (switched) await restore(ok);
  }

  async function restore(success: boolean): Promise<void> {
    if (!success || !committed) {
      // The tree was clean when we started, so every change here is ours to undo.
      await git.raw(["reset", "-q", "--hard"]).catch(() => {});
      for (const abs of created) if (existsSync(abs)) unlinkSync(abs);
    }
    await git.raw(["checkout", "-q", base, "--"]);
    // Undo our own ref moves when nothing of ours ended on the branch.
    if (!success || (!outcome.commit && (fastForwarded || !oldTip))) {
      if (oldTip) await git.raw(["update-ref", `refs/heads/${system.branch}`, oldTip]);
      else await git.raw(["branch", "-q", "-D", system.branch]).catch(() => {});
    }
  }

  if (wantPush && !(await branchTip(git, system.branch))) {
    log(`${label}: nothing to migrate, so no branch to push`);
    return outcome;
  }
  if (wantPush) {
    log(`${label}: pushing ${system.branch} to ${system.remote}`);
    try {
      await git.raw([
        "push",
        "-q",
        system.remote,
        `refs/heads/${system.branch}:refs/heads/${system.branch}`,
      ]);
    } catch (e) {
      // A refused push must leave the repository as it was: undo this run's ref move (a rerun
      // makes the same change again). The objects stay, unreferenced, for git gc.
      let undone = true;
      if (outcome.commit) {
        const ref = `refs/heads/${system.branch}`;
        const undo = oldTip
          ? git.raw(["update-ref", ref, oldTip, outcome.commit])
          : git.raw(["update-ref", "-d", ref, outcome.commit]);
        undone = await undo.then(
          () => true,
          () => false,
        );
      }
      const kept = undone
        ? "nothing was kept locally; rerun to retry"
        : `the local commit ${outcome.commit?.slice(0, 12)} is kept`;
      throw new Error(
        redact(
          `${label}: pushing ${system.branch} to ${system.remote} failed (${kept}): ${(e as Error).message.trim()}`,
          secrets,
        ),
      );
    }
    outcome.pushed = true;
  }
  if (wantPr && slug && opts.github?.token) {
    const pr = await openOrUpdatePullRequest({
      ...slug,
      apiUrl: opts.github.apiUrl,
      token: opts.github.token,
      head: system.branch,
      base,
      title: `ULID migration: ${system.name}`,
      body: clampBody(report, `The full report is in \`${dir}/report.md\` on the branch.`),
    });
    outcome.prUrl = pr.url;
    outcome.prAction = pr.action;
  }
  return outcome;
}
