import { Octokit } from "@octokit/rest";
import { GitHubError } from "../errors.ts";
import { redact, secretsFromEnv } from "../util/redact.ts";

export const DEFAULT_API_URL = "https://api.github.com";
/** GitHub rejects PR bodies over 65536 characters. */
export const MAX_BODY = 65_000;

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
}

export interface PullRequestResult {
  action: "created" | "updated";
  number: number;
  url: string;
}

export function clampBody(body: string, note: string): string {
  if (body.length <= MAX_BODY) return body;
  return `${body.slice(0, MAX_BODY - note.length - 10)}\n\n…\n\n${note}\n`;
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

/** Open a PR for `head`, or update the body of the one already open for it. */
export async function openOrUpdatePullRequest(pr: PullRequestInput): Promise<PullRequestResult> {
  const octokit = client(pr.apiUrl, pr.token);
  const slug = `${pr.owner}/${pr.repo}`;
  let existing: { number: number; html_url: string } | undefined;
  try {
    const { data } = await octokit.rest.pulls.list({
      owner: pr.owner,
      repo: pr.repo,
      head: `${pr.owner}:${pr.head}`,
      state: "open",
    });
    existing = data[0];
  } catch (e) {
    throw explain(e, `listing open pull requests of ${slug} for ${pr.head}`, pr.token, pr.apiUrl);
  }
  if (existing) {
    try {
      const { data } = await octokit.rest.pulls.update({
        owner: pr.owner,
        repo: pr.repo,
        pull_number: existing.number,
        body: pr.body,
      });
      return { action: "updated", number: data.number, url: data.html_url };
    } catch (e) {
      throw explain(e, `updating pull request #${existing.number} of ${slug}`, pr.token, pr.apiUrl);
    }
  }
  try {
    const { data } = await octokit.rest.pulls.create({
      owner: pr.owner,
      repo: pr.repo,
      head: pr.head,
      base: pr.base,
      title: pr.title,
      body: pr.body,
    });
    return { action: "created", number: data.number, url: data.html_url };
  } catch (e) {
    throw explain(
      e,
      `opening a pull request on ${slug} (${pr.head} → ${pr.base})`,
      pr.token,
      pr.apiUrl,
    );
  }
}
