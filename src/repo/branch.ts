import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { SimpleGit } from "simple-git";
import type { RunTransforms } from "../../transforms/index.ts";
import { encodeSource } from "../codemod/source.ts";
import { InterruptedError, RefusalError } from "../errors.ts";
import { reportDir } from "../plan/paths.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { unifiedDiff } from "../report/diff.ts";
import { migrationReportJson } from "../report/json.ts";
import { type ReferenceNotes, renderMarkdown } from "../report/markdown.ts";
import { countsLine, type Summary, summarize } from "../report/summary.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { redact, redactError, secretsFromEnv } from "../util/redact.ts";
import { testPause } from "../util/test-pause.ts";
import {
  branchTip,
  gitAt,
  gitDetached,
  inspectRepo,
  isAncestor,
  notOursReason,
  remoteUrl,
  removeStaleIndexLock,
  TRAILER,
} from "./git.ts";
import { clampBody, openOrUpdatePullRequest, parseRemoteUrl, type RepoSlug } from "./github.ts";

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
  github?: { apiUrl: string; token?: string };
  /** More files to commit with the migration (e.g. generated SQL), and to mention in the PR. */
  extraFiles?: ExtraFile[];
  sqlFiles?: string[];
  /**
   * A folder the extra files replace as a whole (the SQL folder): files tracked there on the
   * branch that are not among them are removed, so no stale file (an earlier layout's) is left.
   */
  replaceDir?: string;
  /** What the SQL phase found about references, for the report. */
  references?: ReferenceNotes;
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

/** What the checks found: the repository, the user's branch, and the migration branch's tip. */
interface RepoContext {
  git: SimpleGit;
  root: string;
  /** The user's branch. */
  base: string;
  /** `refs/heads/<base>`: full ref names, so a tag or file called like the branch is never picked. */
  baseRef: string;
  /** The migration branch's tip when it exists already (it is then the tool's). */
  oldTip: string | null;
  /** Where the PR goes, when one is wanted. */
  slug: RepoSlug | null;
}

async function migrateOne(
  system: SystemConfig,
  opts: MigrateOptions,
  secrets: string[],
): Promise<MigrateOutcome> {
  const log = opts.log ?? (() => {});
  const ctx = await checkRepository(system, opts);
  const rewrite = await computeRewrite(system, ctx, opts, log);
  const outcome: MigrateOutcome = {
    system: system.name,
    branch: system.branch,
    base: ctx.base,
    commit: null,
    merged: false,
    pushed: false,
    prUrl: null,
    prAction: null,
    summary: rewrite.summary,
    diff: rewrite.diff,
    report: rewrite.report,
    dryRun: !!opts.dryRun,
  };
  if (opts.dryRun) return outcome;

  await commitOnBranch(system, ctx, rewrite, outcome, log);
  const wantPush = !!opts.push || !!opts.openPr;
  if (wantPush && !(await branchTip(ctx.git, system.branch))) {
    log(`${system.name}: nothing to migrate, so no branch to push`);
    return outcome;
  }
  if (wantPush) await pushBranch(system, ctx, outcome, secrets, log);
  if (opts.openPr && ctx.slug && opts.github?.token) {
    const pr = await openOrUpdatePullRequest({
      ...ctx.slug,
      apiUrl: opts.github.apiUrl,
      token: opts.github.token,
      head: system.branch,
      base: ctx.base,
      title: `ULID migration: ${system.name}`,
      body: clampBody(
        rewrite.report,
        `The full report is in \`${reportDir(system.name)}/report.md\` on the branch.`,
      ),
    });
    outcome.prUrl = pr.url;
    outcome.prAction = pr.action;
  }
  return outcome;
}

/**
 * Everything that can refuse is checked before anything changes: the checkout (clean, on a
 * branch, not the migration branch), the migration branch's owner, and what a push or PR needs.
 */
async function checkRepository(system: SystemConfig, opts: MigrateOptions): Promise<RepoContext> {
  const repo = await checkCheckout(system);
  const slug = opts.dryRun ? null : await checkPushTarget(system, repo.git, opts);
  return { ...repo, slug };
}

async function checkCheckout(system: SystemConfig): Promise<Omit<RepoContext, "slug">> {
  const label = system.name;
  const repo = await inspectRepo(system.repo, label);
  const { git } = repo;
  const base = repo.branch;
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
  return { git, root: repo.root, base, baseRef, oldTip };
}

/** The remote a push needs, and for a PR the GitHub owner/repo and a token. */
async function checkPushTarget(
  system: SystemConfig,
  git: SimpleGit,
  opts: Pick<MigrateOptions, "push" | "openPr" | "github">,
): Promise<RepoSlug | null> {
  const label = system.name;
  if (!opts.push && !opts.openPr) return null;
  const url = await remoteUrl(git, system.remote);
  if (!url) throw new RefusalError(`${label}: remote "${system.remote}" does not exist`);
  if (!opts.openPr) return null;
  const slug = system.github ?? parseRemoteUrl(url);
  if (!slug) {
    throw new RefusalError(
      `${label}: cannot derive the GitHub owner/repo from remote "${system.remote}"; set systems.${system.name}.github: { owner, repo } in the config`,
    );
  }
  if (!opts.github?.token) {
    throw new RefusalError(`${label}: --open-pr needs a token in GITHUB_TOKEN`);
  }
  return slug;
}

/**
 * Every reason this system's repository would refuse the migration, found without changing
 * anything (the preflight of `migrate`): the checkout, then what a push or PR needs.
 */
export async function repositoryProblems(
  system: SystemConfig,
  opts: Pick<MigrateOptions, "push" | "openPr" | "github" | "dryRun">,
): Promise<string[]> {
  const problems: string[] = [];
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  await checkCheckout(system).catch((e) => problems.push(message(e)));
  if (!opts.dryRun && (opts.push || opts.openPr) && existsSync(system.repo)) {
    const git = gitAt(system.repo);
    if (await git.checkIsRepo().catch(() => false)) {
      await checkPushTarget(system, git, opts).catch((e) => problems.push(message(e)));
    }
  }
  return problems;
}

interface Rewrite {
  summary: Summary;
  report: string;
  diff: string;
  /** Every file the commit writes: changed sources, the reports, the extra (SQL) files. */
  files: ExtraFile[];
  /** Tracked files under it that are not in `files` are removed by the commit. */
  replaceDir?: string;
}

/** The rewrite, computed on the user's branch without writing anything, and the reports. */
async function computeRewrite(
  system: SystemConfig,
  ctx: RepoContext,
  opts: MigrateOptions,
  log: (line: string) => void,
): Promise<Rewrite> {
  log(`${system.name}: transforming ${system.repo} (${ctx.base})`);
  const result = await opts.runCodemod({
    paths: [ctx.root],
    root: ctx.root,
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
    base: ctx.base,
    transforms: system.transforms,
    ...(opts.sqlFiles ? { sqlFiles: opts.sqlFiles } : {}),
    ...(opts.references ? { references: opts.references } : {}),
  };
  const report = renderMarkdown(result, summary, meta);
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
      throw new Error(
        `${system.name}: refusing to write ${f.file}: not a path inside the repository`,
      );
    }
  }
  return {
    summary,
    report,
    diff: unifiedDiff(result.changes),
    files,
    ...(opts.replaceDir ? { replaceDir: opts.replaceDir } : {}),
  };
}

/**
 * On the migration branch (created from the user's branch, or reused and brought up to date with
 * it), write the files and commit them. The user is put back on their branch whatever happens; a
 * failure or an interruption (Ctrl-C, SIGTERM) anywhere in this step undoes all of it: every file,
 * the index and the refs are as they were.
 */
async function commitOnBranch(
  system: SystemConfig,
  ctx: RepoContext,
  rewrite: Rewrite,
  outcome: MigrateOutcome,
  log: (line: string) => void,
): Promise<void> {
  const { git, oldTip, baseRef, base } = ctx;
  const started = Date.now();
  const created: string[] = [];
  let touched = false;
  let fastForwarded = false;
  let committed = false;
  try {
    checkInterrupted("the commit step");
    // From here on the undo runs whatever happens (even a checkout killed half-way).
    touched = true;
    if (oldTip) {
      await git.raw(["checkout", "-q", system.branch, "--"]);
      if (await isAncestor(git, oldTip, baseRef)) {
        // The branch was merged into base (its PR landed): move it forward, not a merge commit.
        // Kept only if a commit of ours follows, so its tip always carries the trailer.
        await git.raw(["merge", "-q", "--ff-only", baseRef]);
        fastForwarded = true;
      } else if (!(await isAncestor(git, baseRef, system.branch))) {
        log(`${system.name}: merging ${base} into ${system.branch}`);
        await mergeBase(system, ctx);
        outcome.merged = true;
      }
    } else {
      await git.raw(["checkout", "-q", "-b", system.branch]);
    }
    checkInterrupted("the commit step");

    for (const f of rewrite.files) {
      const abs = join(ctx.root, f.file);
      if (!existsSync(abs)) created.push(abs);
      else if (readFileSync(abs).equals(Buffer.from(f.content))) continue;
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, f.content);
    }
    // Only our files, literally named (never `add -A`); -f: a .gitignore must not hide the report.
    await git.raw(["--literal-pathspecs", "add", "-f", "--", ...rewrite.files.map((f) => f.file)]);
    if (rewrite.replaceDir) {
      const keep = new Set(rewrite.files.map((f) => f.file));
      const stale = (
        await git.raw(["--literal-pathspecs", "ls-files", "-z", "--", rewrite.replaceDir])
      )
        .split("\0")
        .filter((f) => f && !keep.has(f));
      if (stale.length > 0) {
        log(
          `${system.name}: removing ${stale.length} files of an earlier generation in ${rewrite.replaceDir}`,
        );
        await git.raw(["--literal-pathspecs", "rm", "-q", "--", ...stale]);
      }
    }
    await testPause("commit:staged");
    const staged = (await git.raw(["diff", "--cached", "--name-only"])).split("\n").filter(Boolean);
    // A report that changed on its own (e.g. after the PR landed, nothing is left to rewrite)
    // is no reason for a commit: source or extra files are, or a merge it must describe.
    const dir = reportDir(system.name);
    const reports = new Set([`${dir}/report.md`, `${dir}/report.json`]);
    if (staged.some((f) => !reports.has(f)) || (outcome.merged && staged.length > 0)) {
      await git.raw([
        "commit",
        "-q",
        "-m",
        commitMessage(system.name, rewrite.summary, outcome.merged),
      ]);
      committed = true;
    }
    if (committed || outcome.merged) outcome.commit = (await git.revparse(["HEAD"])).trim();
    // A signal that arrived during the commit itself still undoes the step: all or nothing.
    checkInterrupted("the commit step");
  } catch (e) {
    if (touched) {
      outcome.commit = null;
      outcome.merged = false;
      try {
        await putBack(system, ctx, { keepTree: false, keepRef: false, created, since: started });
      } catch (undo) {
        throw new Error(
          `${system.name}: ${(e as Error).message}; and the undo did not finish (${(undo as Error).message}): in ${ctx.root} run \`git reset --hard && git checkout ${base}\`${ctx.oldTip ? ` and \`git update-ref refs/heads/${system.branch} ${ctx.oldTip}\`` : ` and \`git branch -D ${system.branch}\``}`,
        );
      }
    }
    if (e instanceof InterruptedError) {
      throw new InterruptedError(
        `${e.message}; undone: back on ${base}, with the working tree, the index and ${system.branch} as they were`,
        e.signal,
      );
    }
    throw e;
  }
  // Nothing of ours stays on the branch when the step made no commit (a fast-forward or a new
  // branch alone is no reason to keep a ref move).
  const keepRef = !(!outcome.commit && (fastForwarded || !oldTip));
  await putBack(system, ctx, { keepTree: committed, keepRef, created, since: started });
}

/**
 * Back on the user's branch: the undo of the commit step, in git processes of their own so a
 * second Ctrl-C cannot cut it short. The tree was clean when the step started, so every change
 * in it is ours to undo.
 */
async function putBack(
  system: SystemConfig,
  ctx: RepoContext,
  how: { keepTree: boolean; keepRef: boolean; created: string[]; since: number },
): Promise<void> {
  const git = (args: string[]) => gitDetached(ctx.root, args);
  removeStaleIndexLock(ctx.root, how.since);
  if (existsSync(join(ctx.root, ".git", "MERGE_HEAD"))) await git(["merge", "--abort"]);
  if (!how.keepTree) {
    await git(["reset", "-q", "--hard"]);
    for (const abs of how.created) if (existsSync(abs)) unlinkSync(abs);
  }
  await git(["checkout", "-q", ctx.base, "--"]);
  if (!how.keepRef) {
    if (ctx.oldTip) await git(["update-ref", `refs/heads/${system.branch}`, ctx.oldTip]);
    else if (await branchTip(ctx.git, system.branch)) {
      await git(["branch", "-q", "-D", system.branch]);
    }
  }
}

/** Brings the migration branch up to date with base by a merge commit carrying the trailer. */
async function mergeBase(system: SystemConfig, ctx: RepoContext): Promise<void> {
  const { git, base, baseRef } = ctx;
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
    const conflicted = (await git.raw(["diff", "--name-only", "--diff-filter=U"]).catch(() => ""))
      .split("\n")
      .filter(Boolean);
    await git.raw(["merge", "--abort"]).catch(() => {});
    const detail = conflicted.length
      ? `conflicting files: ${conflicted.join(", ")}`
      : String((e as Error).message).trim();
    throw new RefusalError(
      `${system.name}: ${base} has changes that conflict with ${system.branch} (${detail}); nothing was changed. Merge ${base} into ${system.branch} yourself (keeping the "${TRAILER}: ${system.name}" trailer in the merge commit) or delete the branch, then rerun.`,
    );
  }
}

/** A refused push leaves the repository as it was: this run's ref move is undone. */
async function pushBranch(
  system: SystemConfig,
  ctx: RepoContext,
  outcome: MigrateOutcome,
  secrets: string[],
  log: (line: string) => void,
): Promise<void> {
  const { git, oldTip } = ctx;
  log(`${system.name}: pushing ${system.branch} to ${system.remote}`);
  try {
    await git.raw([
      "push",
      "-q",
      system.remote,
      `refs/heads/${system.branch}:refs/heads/${system.branch}`,
    ]);
  } catch (e) {
    // A rerun makes the same change again. The objects stay, unreferenced, for git gc.
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
        `${system.name}: pushing ${system.branch} to ${system.remote} failed (${kept}): ${(e as Error).message.trim()}`,
        secrets,
      ),
    );
  }
  outcome.pushed = true;
}
