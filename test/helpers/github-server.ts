import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: Record<string, unknown> | null;
}

interface Pr {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
}

/**
 * A tiny GitHub pulls API on 127.0.0.1: list/create/update, with the token checked like GitHub
 * does. `failWith` makes the next request fail with that status and a body echoing the token,
 * as a careless proxy or API might.
 */
export async function startFakeGitHub(owner: string, repo: string, token: string) {
  const seen: SeenRequest[] = [];
  const prs: Pr[] = [];
  let failNext: { status: number; method: string } | null = null;
  const readBody = async (req: IncomingMessage) => {
    let data = "";
    for await (const chunk of req) data += chunk;
    return data ? (JSON.parse(data) as Record<string, unknown>) : null;
  };
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
    const prefix = `/repos/${owner}/${repo}/pulls`;
    const html = (n: number) => `https://github.example/${owner}/${repo}/pull/${n}`;
    if (req.method === "GET" && url.pathname === prefix) {
      const head = url.searchParams.get("head");
      return send(
        200,
        prs
          .filter((p) => p.state === "open" && `${owner}:${p.head}` === head)
          .map((p) => ({ number: p.number, html_url: html(p.number) })),
      );
    }
    if (req.method === "POST" && url.pathname === prefix && body) {
      const pr: Pr = {
        number: 7 + prs.length,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body),
        state: "open",
      };
      prs.push(pr);
      return send(201, { number: pr.number, html_url: html(pr.number) });
    }
    const m = new RegExp(`^${prefix}/(\\d+)$`).exec(url.pathname);
    const pr = m && prs.find((p) => p.number === Number(m[1]));
    if (req.method === "PATCH" && pr && body) {
      pr.body = String(body.body);
      return send(200, { number: pr.number, html_url: html(pr.number) });
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    prs,
    failWith(status: number, method: string) {
      failNext = { status, method };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
