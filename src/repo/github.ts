import { Octokit } from "@octokit/rest";
import { GitHubError } from "../errors.ts";
import type { PrStatus } from "../report/schema.ts";
import { redact, secretsFromEnv } from "../util/redact.ts";

export const DEFAULT_API_URL = "https://api.github.com";

export interface RepoSlug {
  owner: string;
  repo: string;
}

/**
 * owner/repo from a remote URL: https://host/owner/repo(.git), git@host:owner/repo.git,
 * ssh://git@host[:port]/owner/repo.git. Local paths and file:// URLs give null.
 */
export function parseRemoteUrl(url: string): RepoSlug | null {
  const u = url.trim();
  let path: string | undefined;
  const scp = /^[\w.-]+@[\w.-]+:(?!\/)(.+)$/.exec(u);
  if (scp) path = scp[1];
  else if (/^(https?|ssh|git):\/\//i.test(u)) {
    try {
      path = new URL(u).pathname;
    } catch {
      return null;
    }
  }
  if (!path) return null;
  const parts = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter(Boolean);
  const owner = parts.at(-2);
  const repo = parts.at(-1);
  return owner && repo ? { owner, repo } : null;
}

/**
 * The repository's web home (`https://host/owner/repo`), for permalinks: the host of the remote
 * URL when it has one (https, ssh, scp-style; credentials and ssh ports dropped), else the one the
 * API URL belongs to (api.github.com -> github.com, GitHub Enterprise's /api/v3 -> its host).
 */
export function webUrl(remote: string | null, slug: RepoSlug, apiUrl: string): string {
  let host: string | null = null;
  const u = remote?.trim() ?? "";
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)/.exec(u);
  if (scp?.[1]) host = `https://${scp[1]}`;
  else if (/^(https?|ssh|git):\/\//i.test(u)) {
    try {
      const url = new URL(u);
      const https = url.protocol === "https:" || url.protocol === "http:";
      host = `${https ? url.protocol : "https:"}//${https ? url.host : url.hostname}`;
    } catch {
      host = null;
    }
  }
  if (!host) {
    const api = new URL(apiUrl);
    if (api.hostname === "api.github.com") host = "https://github.com";
    else host = `${api.protocol}//${api.host}`;
  }
  return `${host}/${encodeURIComponent(slug.owner)}/${encodeURIComponent(slug.repo)}`;
}

/** `--github-api-url`, then the config's `github.apiUrl`, then GITHUB_API_URL (set by Actions). */
export function resolveApiUrl(
  flag: string | undefined,
  config: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return (flag || config || env.GITHUB_API_URL || DEFAULT_API_URL).replace(/\/+$/, "");
}

export interface PullRequestInput extends RepoSlug {
  apiUrl: string;
  token: string;
  head: string;
  base: string;
  title: string;
  body: string;
  /** Open as a draft; an open PR that is ready for review is turned into one. */
  draft?: boolean;
  labels?: string[];
  /** Logins, and `org/team-slug` for teams. */
  reviewers?: string[];
  assignees?: string[];
}

export interface PullRequestResult {
  action: "created" | "updated";
  number: number;
  url: string;
  draft: boolean;
}

/** Why the API could not be reached at all (no HTTP response), in words, or null. */
function networkProblem(e: { message?: string; response?: unknown }): string | null {
  if (e.response) return null;
  const m = e.message ?? "";
  const code = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)\b/.exec(
    m,
  )?.[1];
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    ETIMEDOUT: "connection timed out",
    ECONNRESET: "connection reset",
    EHOSTUNREACH: "host unreachable",
  };
  if (code) return words[code] ?? code;
  if (/abort|timeout/i.test(m)) return "no answer within the time limit";
  return null;
}

function explain(e: unknown, doing: string, token: string, apiUrl: string): GitHubError {
  const err = e as { status?: number; message?: string; response?: { data?: unknown } };
  // Octokit reports an unreachable API as "HTTP 500" without a response: say what happened.
  const network = networkProblem(err);
  if (network) {
    return new GitHubError(
      redact(`GitHub API: ${doing} failed: ${network} (${apiUrl}). ${err.message ?? ""}`.trim(), [
        token,
        ...secretsFromEnv(),
      ]),
    );
  }
  const hints: Record<number, string> = {
    401: "the token was rejected; check GITHUB_TOKEN",
    403: "the token lacks permission (needs pull request write access) or a rate limit was hit",
    404: "repository not found, or the token cannot see it",
    422: "GitHub refused the request (is the branch pushed, and does the base branch exist?)",
  };
  const status = err.status ? ` (HTTP ${err.status})` : "";
  const hint = err.status && hints[err.status] ? `: ${hints[err.status]}` : "";
  const detail = err.message ?? String(e);
  return new GitHubError(
    redact(`GitHub API: ${doing} failed${status}${hint}. ${detail}`, [token, ...secretsFromEnv()]),
  );
}

function client(apiUrl: string, token: string): Octokit {
  const quiet = (m: string) => process.stderr.write(`${redact(m, [token])}\n`);
  return new Octokit({
    auth: token,
    baseUrl: apiUrl,
    userAgent: "ulid-codemod",
    // A silent API must not hang the run: one budget for the few requests of a PR update.
    request: { signal: AbortSignal.timeout(60_000) },
    // Failed requests are reported once, by our own error; only warnings (deprecations) pass.
    log: { debug: () => {}, info: () => {}, warn: quiet, error: () => {} },
  });
}

/** Open a PR for `head`, or update the one already open for it; then its labels, reviewers, assignees. */
export async function openOrUpdatePullRequest(pr: PullRequestInput): Promise<PullRequestResult> {
  const octokit = client(pr.apiUrl, pr.token);
  const slug = `${pr.owner}/${pr.repo}`;
  const fail = (e: unknown, doing: string) => explain(e, doing, pr.token, pr.apiUrl);
  let existing: { number: number; html_url: string; draft?: boolean; node_id: string } | undefined;
  try {
    const { data } = await octokit.rest.pulls.list({
      owner: pr.owner,
      repo: pr.repo,
      head: `${pr.owner}:${pr.head}`,
      state: "open",
    });
    existing = data[0];
  } catch (e) {
    throw fail(e, `listing open pull requests of ${slug} for ${pr.head}`);
  }
  let result: PullRequestResult;
  if (existing) {
    try {
      const { data } = await octokit.rest.pulls.update({
        owner: pr.owner,
        repo: pr.repo,
        pull_number: existing.number,
        body: pr.body,
      });
      result = { action: "updated", number: data.number, url: data.html_url, draft: !!data.draft };
    } catch (e) {
      throw fail(e, `updating pull request #${existing.number} of ${slug}`);
    }
    // The REST API cannot turn a PR into a draft; GraphQL can. Ready-for-review is left to people.
    if (pr.draft && !result.draft) {
      try {
        await octokit.graphql(
          "mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }",
          { id: existing.node_id },
        );
        result.draft = true;
      } catch (e) {
        throw fail(e, `turning pull request #${existing.number} of ${slug} into a draft`);
      }
    }
  } else {
    try {
      const { data } = await octokit.rest.pulls.create({
        owner: pr.owner,
        repo: pr.repo,
        head: pr.head,
        base: pr.base,
        title: pr.title,
        body: pr.body,
        draft: !!pr.draft,
      });
      result = { action: "created", number: data.number, url: data.html_url, draft: !!data.draft };
    } catch (e) {
      throw fail(e, `opening a pull request on ${slug} (${pr.head} → ${pr.base})`);
    }
  }
  const issue = { owner: pr.owner, repo: pr.repo, issue_number: result.number };
  if (pr.labels?.length) {
    await octokit.rest.issues
      .addLabels({ ...issue, labels: pr.labels })
      .catch((e) => Promise.reject(fail(e, `labelling pull request #${result.number} of ${slug}`)));
  }
  if (pr.reviewers?.length) {
    const teams = pr.reviewers.filter((r) => r.includes("/")).map((r) => r.split("/")[1] as string);
    const users = pr.reviewers.filter((r) => !r.includes("/"));
    await octokit.rest.pulls
      .requestReviewers({
        owner: pr.owner,
        repo: pr.repo,
        pull_number: result.number,
        reviewers: users,
        ...(teams.length ? { team_reviewers: teams } : {}),
      })
      .catch((e) =>
        Promise.reject(
          fail(e, `requesting reviewers on pull request #${result.number} of ${slug}`),
        ),
      );
  }
  if (pr.assignees?.length) {
    await octokit.rest.issues
      .addAssignees({ ...issue, assignees: pr.assignees })
      .catch((e) => Promise.reject(fail(e, `assigning pull request #${result.number} of ${slug}`)));
  }
  return result;
}

export interface PullRequestQuery extends RepoSlug {
  apiUrl: string;
  token: string;
  head: string;
}

type CheckState = NonNullable<PrStatus["checks"]>;

/** Combined commit statuses and check runs, as one verdict (failure wins, then pending). */
function combine(states: CheckState[]): CheckState {
  if (states.includes("failure")) return "failure";
  if (states.includes("pending")) return "pending";
  if (states.includes("success")) return "success";
  return "none";
}

/**
 * The newest pull request for `head` (any state): its state, review decision and the checks on its
 * head commit. Null when there is none.
 */
export async function pullRequestStatus(q: PullRequestQuery): Promise<PrStatus | null> {
  const octokit = client(q.apiUrl, q.token);
  const slug = `${q.owner}/${q.repo}`;
  const fail = (e: unknown, doing: string) => explain(e, doing, q.token, q.apiUrl);
  const repo = { owner: q.owner, repo: q.repo };
  const list = await octokit.rest.pulls
    .list({
      ...repo,
      head: `${q.owner}:${q.head}`,
      state: "all",
      sort: "created",
      direction: "desc",
    })
    .catch((e) => Promise.reject(fail(e, `listing pull requests of ${slug} for ${q.head}`)));
  const pr = list.data[0];
  if (!pr) return null;
  const state: PrStatus["state"] = pr.merged_at
    ? "merged"
    : pr.state === "closed"
      ? "closed"
      : pr.draft
        ? "draft"
        : "open";
  const reviews = await octokit.rest.pulls
    .listReviews({ ...repo, pull_number: pr.number, per_page: 100 })
    .catch((e) => Promise.reject(fail(e, `reading the reviews of #${pr.number} of ${slug}`)));
  // A reviewer's latest approving or change-requesting review counts (comments do not).
  const latest = new Map<string, string>();
  for (const r of reviews.data) {
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED") {
      latest.set(r.user?.login ?? "", r.state);
    }
  }
  const verdicts = [...latest.values()];
  const reviewDecision: PrStatus["reviewDecision"] = verdicts.includes("CHANGES_REQUESTED")
    ? "changes-requested"
    : verdicts.includes("APPROVED")
      ? "approved"
      : "review-required";
  const ref = pr.head.sha;
  const [status, runs] = await Promise.all([
    octokit.rest.repos
      .getCombinedStatusForRef({ ...repo, ref })
      .catch((e) => Promise.reject(fail(e, `reading the commit status of ${ref.slice(0, 12)}`))),
    octokit.rest.checks
      .listForRef({ ...repo, ref, per_page: 100 })
      .catch((e) => Promise.reject(fail(e, `reading the check runs of ${ref.slice(0, 12)}`))),
  ]);
  const detail: PrStatus["checksDetail"] = [];
  const states: CheckState[] = [];
  for (const s of status.data.statuses) {
    detail.push({ name: s.context, state: s.state });
    states.push(s.state === "success" ? "success" : s.state === "pending" ? "pending" : "failure");
  }
  for (const r of runs.data.check_runs) {
    const c = r.status === "completed" ? (r.conclusion ?? "neutral") : r.status;
    detail.push({ name: r.name, state: c });
    if (r.status !== "completed") states.push("pending");
    else if (["success", "neutral", "skipped"].includes(c)) states.push("success");
    else states.push("failure");
  }
  return {
    number: pr.number,
    url: pr.html_url,
    state,
    reviewDecision: state === "open" || state === "draft" ? reviewDecision : null,
    checks: combine(states),
    checksDetail: detail,
  };
}

/** The token's own login (GitHub refuses the PR's author as its reviewer). */
export async function currentLogin(apiUrl: string, token: string): Promise<string> {
  try {
    const { data } = await client(apiUrl, token).rest.users.getAuthenticated();
    return data.login;
  } catch (e) {
    throw explain(e, "asking who the token belongs to", token, apiUrl);
  }
}
