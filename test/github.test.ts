import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { parseRemoteUrl, resolveApiUrl } from "../src/repo/github.ts";
import { redact } from "../src/util/redact.ts";
import { startFakeGitHub } from "./helpers/github-server.ts";
import {
  commitFiles,
  crackerjackFiles,
  git,
  makeRepo,
  migrateCli,
  tempDir,
} from "./helpers/repos.ts";

const TOKEN = "ghp_RECOGNISABLEtoken0123456789SECRET";

test("owner/repo from https, scp-style ssh and ssh:// remotes; none from local paths", () => {
  expect(parseRemoteUrl("https://github.com/lesleslie/crackerjack.git")).toEqual({
    owner: "lesleslie",
    repo: "crackerjack",
  });
  expect(parseRemoteUrl("https://x-access-token:abc@ghe.corp/api-team/akosha")).toEqual({
    owner: "api-team",
    repo: "akosha",
  });
  expect(parseRemoteUrl("git@github.com:lesleslie/session-buddy.git")).toEqual({
    owner: "lesleslie",
    repo: "session-buddy",
  });
  expect(parseRemoteUrl("ssh://git@ghe.corp:2222/o/r.git/")).toEqual({ owner: "o", repo: "r" });
  expect(parseRemoteUrl("/srv/git/crackerjack.git")).toBeNull();
  expect(parseRemoteUrl("file:///srv/git/crackerjack.git")).toBeNull();
  expect(parseRemoteUrl("../crackerjack")).toBeNull();
});

test("API URL: flag, then config, then GITHUB_API_URL, then api.github.com", () => {
  const env = { GITHUB_API_URL: "https://ghe.corp/api/v3/" };
  expect(resolveApiUrl("http://127.0.0.1:1", "https://c", env)).toBe("http://127.0.0.1:1");
  expect(resolveApiUrl(undefined, "https://c", env)).toBe("https://c");
  expect(resolveApiUrl(undefined, undefined, env)).toBe("https://ghe.corp/api/v3");
  expect(resolveApiUrl(undefined, undefined, {})).toBe("https://api.github.com");
});

test("redact hides the token, its URL-encoded form and URL credentials", () => {
  const t = "tok/en+1234";
  expect(redact(`a ${t} b ${encodeURIComponent(t)} https://u:p@h/x`, [t])).toBe(
    "a *** b *** https://***@h/x",
  );
});

describe("migrate --open-pr against a local GitHub API", () => {
  let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
  let tmp: ReturnType<typeof tempDir>;
  let repo: string;
  let bare: string;
  beforeAll(async () => {
    gh = await startFakeGitHub("lesleslie", "crackerjack", TOKEN);
  });
  afterAll(() => gh.close());
  beforeEach(() => {
    tmp = tempDir();
    repo = makeRepo(join(tmp.dir, "crackerjack"), crackerjackFiles);
    bare = join(tmp.dir, "remote.git");
    git(tmp.dir, "init", "-q", "--bare", bare);
    git(repo, "remote", "add", "origin", bare);
    gh.seen.length = 0;
    gh.prs.length = 0;
    writeConfig("    github: { owner: lesleslie, repo: crackerjack }\n");
  });
  afterEach(() => tmp.cleanup());

  function writeConfig(extra = "") {
    writeFileSync(
      join(tmp.dir, "ulid-migration.yaml"),
      `version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n${extra}`,
    );
  }

  async function cli(args: string[], env: NodeJS.ProcessEnv = { GITHUB_TOKEN: TOKEN }) {
    const r = await migrateCli(join(tmp.dir, "ulid-migration.yaml"), args, env);
    expect(r.out + r.err).not.toContain(TOKEN);
    return r;
  }

  test("first run pushes and creates the PR; a rerun updates its body", async () => {
    const first = await cli(["--system", "crackerjack", "--open-pr", "--github-api-url", gh.url]);
    expect(first.err).toContain(`[1/1] crackerjack: transforming ${repo} (main)\n`);
    expect(first.err).toContain("[1/1] crackerjack: pushing ulid-migration to origin\n");
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      `crackerjack: committed ${git(repo, "rev-parse", "--short=12", "ulid-migration")} on ulid-migration (from main): 2 rewritten in 1 file, 1 needs review`,
    );
    expect(first.out).toContain(
      "crackerjack: pull request created: https://github.example/lesleslie/crackerjack/pull/7",
    );
    expect(git(bare, "rev-parse", "ulid-migration")).toBe(git(repo, "rev-parse", "ulid-migration"));
    expect(gh.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/lesleslie/crackerjack/pulls",
      "POST /repos/lesleslie/crackerjack/pulls",
    ]);
    expect(gh.seen[0]?.query.get("head")).toBe("lesleslie:ulid-migration");
    expect(gh.seen[0]?.query.get("state")).toBe("open");
    expect(gh.seen.every((r) => r.auth === `token ${TOKEN}`)).toBe(true);
    const created = gh.seen[1]?.body;
    expect(created).toMatchObject({
      head: "ulid-migration",
      base: "main",
      title: "ULID migration: crackerjack",
    });
    const body = String(created?.body);
    expect(body).toContain("## Needs review (1)\n\n- `crackerjack/jobs.py:10` — truncated ID");
    expect(body.indexOf("## Needs review")).toBeLessThan(body.indexOf("## Rewritten sites (2)"));
    expect(body).toContain("## Post-migration validation");

    commitFiles(repo, { "crackerjack/queue.py": "import uuid\nQ = str(uuid.uuid4())\n" }, "queue");
    gh.seen.length = 0;
    // This time the API URL comes from the environment, as in GitHub Actions.
    const second = await cli(["--system", "crackerjack", "--open-pr"], {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: gh.url,
    });
    expect(second.code).toBe(0);
    expect(second.out).toContain(
      "pull request updated: https://github.example/lesleslie/crackerjack/pull/7",
    );
    expect(gh.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/lesleslie/crackerjack/pulls",
      "PATCH /repos/lesleslie/crackerjack/pulls/7",
    ]);
    expect(String(gh.seen[1]?.body?.body)).toContain("## Rewritten sites (3)");
    expect(gh.prs).toHaveLength(1);
  });

  test.each([
    [401, "GET"],
    [422, "POST"],
  ])("an API error %i (on %s) is a clear message without the token", async (status, method) => {
    gh.failWith(status, method);
    const r = await cli(["--all", "--open-pr", "--github-api-url", gh.url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`failed (HTTP ${status})`);
    expect(r.err).toContain(status === 401 ? "check GITHUB_TOKEN" : "Validation Failed");
    expect(r.err).toContain("token *** refused");
    expect(r.err).toContain(
      method === "GET" ? "listing open pull requests" : "opening a pull request",
    );
  });

  test("a failed push undoes the local branch and never shows the token from the remote URL", async () => {
    // Port 1 on loopback: the connection is refused at once, nothing leaves the machine.
    git(repo, "remote", "set-url", "origin", `http://x-access-token:${TOKEN}@127.0.0.1:1/o/r.git`);
    const r = await cli(["--all", "--push"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "crackerjack: pushing ulid-migration to origin failed (nothing was kept locally; rerun to retry)",
    );
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
  });

  test("a local-path remote without configured owner/repo is refused before anything changes", async () => {
    writeConfig();
    const r = await cli(["--all", "--open-pr", "--github-api-url", gh.url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot derive the GitHub owner/repo from remote "origin"');
    expect(r.err).toContain("systems.crackerjack.github");
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
    expect(gh.seen).toEqual([]);
  });

  test("--open-pr without GITHUB_TOKEN is refused before anything changes", async () => {
    const r = await cli(["--all", "--open-pr", "--github-api-url", gh.url], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain("--open-pr needs a token in GITHUB_TOKEN");
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
  });

  test("an API nobody answers on is 'connection refused', not HTTP 500", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await cli(["--all", "--open-pr", "--github-api-url", `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`failed: connection refused (http://127.0.0.1:${port})`);
    expect(r.err).not.toContain("HTTP 500");
  });
});
