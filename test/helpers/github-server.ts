import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: Record<string, unknown> | null;
}

export interface FakePr {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  /** The head commit, as the test sets it (the server sees no git). */
  headSha: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  assignees: string[];
  reviews: { user: string; state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" }[];
}

/**
 * A small GitHub API on 127.0.0.1: pulls (list/create/update, draft), the GraphQL draft mutation,
 * labels, requested reviewers, assignees, reviews, combined status and check runs, the token's
 * user; the token checked like GitHub does. `failWith` makes the next request of a method fail
 * with that status and a body echoing the token, as a careless proxy or API might.
 */
export async function startFakeGitHub(owner: string, repo: string, token: string, login = "bot") {
  const seen: SeenRequest[] = [];
  const prs: FakePr[] = [];
  /** Per commit sha: combined-status entries and check runs. */
  const statuses = new Map<string, { context: string; state: string }[]>();
  const checkRuns = new Map<
    string,
    { name: string; status: string; conclusion: string | null }[]
  >();
  let failNext: { status: number; method: string } | null = null;
  const readBody = async (req: IncomingMessage) => {
    let data = "";
    for await (const chunk of req) data += chunk;
    return data ? (JSON.parse(data) as Record<string, unknown>) : null;
  };
  const html = (n: number) => `https://github.example/${owner}/${repo}/pull/${n}`;
  const view = (p: FakePr) => ({
    number: p.number,
    html_url: html(p.number),
    node_id: `PR_${p.number}`,
    draft: p.draft,
    state: p.state,
    merged_at: p.merged ? "2025-01-01T00:00:00Z" : null,
    head: { ref: p.head, sha: p.headSha },
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    seen.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      auth: req.headers.authorization,
      body,
    });
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    const echo = `request with ${req.headers.authorization} refused`;
    if (failNext && failNext.method === req.method) {
      const { status } = failNext;
      failNext = null;
      const message = status === 422 ? "Validation Failed" : "Bad credentials";
      return send(status, {
        message: `${message}: ${echo}`,
        errors: [{ resource: "PullRequest", code: "custom", message: `no: ${echo}` }],
        documentation_url: "https://docs.github.com/rest",
      });
    }
    if (req.headers.authorization !== `token ${token}`)
      return send(401, { message: "Bad credentials" });
    const byNumber = (n: string | undefined) => prs.find((p) => p.number === Number(n));
    const route = (method: string, pattern: string) => {
      if (req.method !== method) return null;
      const re = new RegExp(`^${pattern.replace(/:\w+/g, "([^/]+)")}$`);
      return re.exec(url.pathname);
    };
    const r = `/repos/${owner}/${repo}`;
    type Handler = (m: RegExpExecArray) => void;
    const routes: [string, string, Handler][] = [
      [
        "GET",
        `${r}/pulls`,
        (_m) => {
          const head = url.searchParams.get("head");
          const state = url.searchParams.get("state") ?? "open";
          return send(
            200,
            prs
              .filter(
                (p) => (state === "all" || p.state === state) && `${owner}:${p.head}` === head,
              )
              .sort((a, b) => b.number - a.number)
              .map(view),
          );
        },
      ],
      [
        "POST",
        `${r}/pulls`,
        (_m) => {
          if (!body) return send(400, { message: "no body" });
          const pr: FakePr = {
            number: 7 + prs.length,
            head: String(body.head),
            base: String(body.base),
            title: String(body.title),
            body: String(body.body),
            state: "open",
            draft: body.draft === true,
            merged: false,
            headSha: "0".repeat(40),
            labels: [],
            reviewers: [],
            teamReviewers: [],
            assignees: [],
            reviews: [],
          };
          prs.push(pr);
          return send(201, view(pr));
        },
      ],
      [
        "PATCH",
        `${r}/pulls/:n`,
        (m) => {
          const pr = byNumber(m[1]);
          if (!pr || !body) return send(404, { message: "Not Found" });
          if (typeof body.body === "string") pr.body = body.body;
          return send(200, view(pr));
        },
      ],
      [
        "POST",
        `${r}/issues/:n/labels`,
        (m) => {
          const pr = byNumber(m[1]);
          if (!pr) return send(404, { message: "Not Found" });
          for (const l of (body?.labels as string[]) ?? [])
            if (!pr.labels.includes(l)) pr.labels.push(l);
          return send(
            200,
            pr.labels.map((name) => ({ name })),
          );
        },
      ],
      [
        "POST",
        `${r}/issues/:n/assignees`,
        (m) => {
          const pr = byNumber(m[1]);
          if (!pr) return send(404, { message: "Not Found" });
          for (const a of (body?.assignees as string[]) ?? [])
            if (!pr.assignees.includes(a)) pr.assignees.push(a);
          return send(201, {
            number: pr.number,
            assignees: pr.assignees.map((l) => ({ login: l })),
          });
        },
      ],
      [
        "POST",
        `${r}/pulls/:n/requested_reviewers`,
        (m) => {
          const pr = byNumber(m[1]);
          if (!pr) return send(404, { message: "Not Found" });
          const users = (body?.reviewers as string[]) ?? [];
          if (users.includes(login)) {
            return send(422, { message: "Review cannot be requested from pull request author." });
          }
          for (const u of users) if (!pr.reviewers.includes(u)) pr.reviewers.push(u);
          for (const t of (body?.team_reviewers as string[]) ?? [])
            if (!pr.teamReviewers.includes(t)) pr.teamReviewers.push(t);
          return send(201, view(pr));
        },
      ],
      [
        "GET",
        `${r}/pulls/:n/reviews`,
        (m) => {
          const pr = byNumber(m[1]);
          if (!pr) return send(404, { message: "Not Found" });
          return send(
            200,
            pr.reviews.map((v, i) => ({ id: i + 1, user: { login: v.user }, state: v.state })),
          );
        },
      ],
      [
        "GET",
        `${r}/commits/:ref/status`,
        (m) => {
          const list = statuses.get(String(m[1])) ?? [];
          const state = list.some((s) => s.state === "failure" || s.state === "error")
            ? "failure"
            : list.some((s) => s.state === "pending") || list.length === 0
              ? "pending"
              : "success";
          return send(200, { state, total_count: list.length, statuses: list });
        },
      ],
      [
        "GET",
        `${r}/commits/:ref/check-runs`,
        (m) => {
          const list = checkRuns.get(String(m[1])) ?? [];
          return send(200, { total_count: list.length, check_runs: list });
        },
      ],
    ];
    if (route("GET", "/user")) return send(200, { login });
    for (const [method, pattern, handle] of routes) {
      const m = route(method, pattern);
      if (m) return handle(m);
    }
    if (route("POST", "/graphql") && body) {
      const id = String((body.variables as Record<string, unknown> | undefined)?.id ?? "");
      const pr = prs.find((p) => `PR_${p.number}` === id);
      if (!String(body.query).includes("convertPullRequestToDraft") || !pr) {
        return send(200, { errors: [{ message: `unknown query or node ${id}` }] });
      }
      pr.draft = true;
      return send(200, { data: { convertPullRequestToDraft: { pullRequest: { isDraft: true } } } });
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    prs,
    statuses,
    checkRuns,
    failWith(status: number, method: string) {
      failNext = { status, method };
    },
    reset() {
      seen.length = 0;
      prs.length = 0;
      statuses.clear();
      checkRuns.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
