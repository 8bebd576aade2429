// GITHUB_TOKEN never leaks: not in stdout, stderr, the reports on the branch, PR bodies, commit
// messages or thrown errors, on success and on every error path.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import { parseConfig } from "../src/plan/load.ts";
import { migrateSystem } from "../src/repo/branch.ts";
import { runTransforms } from "../transforms/index.ts";
import { startFakeGitHub } from "./helpers/github-server.ts";
import { crackerjackFiles, git, makeRepo, migrateCli, tempDir } from "./helpers/repos.ts";

const TOKEN = "ghp_TESTTOKEN_recognisable_1234567890";
const CONFIG = (extra = "") =>
  `version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n    github: { owner: lesleslie, repo: crackerjack }\n${extra}`;

let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
let tmp: ReturnType<typeof tempDir>;
let repo: string;
let bare: string;
beforeAll(async () => {
  gh = await startFakeGitHub("lesleslie", "crackerjack", TOKEN);
  // A push to an http remote must fail, never ask for a password.
  process.env.GIT_TERMINAL_PROMPT = "0";
});
afterAll(() => gh.close());
beforeEach(() => {
  tmp = tempDir("ulid-hostile-secrets-");
  repo = makeRepo(join(tmp.dir, "crackerjack"), crackerjackFiles);
  bare = join(tmp.dir, "remote.git");
  git(tmp.dir, "init", "-q", "--bare", bare);
  git(repo, "remote", "add", "origin", bare);
  writeFileSync(join(tmp.dir, "ulid-migration.yaml"), CONFIG());
  gh.seen.length = 0;
  gh.prs.length = 0;
});
afterEach(() => tmp.cleanup());

function cli(...args: string[]) {
  return migrateCli(
    join(tmp.dir, "ulid-migration.yaml"),
    ["--all", "--github-api-url", gh.url, ...args],
    {
      GITHUB_TOKEN: TOKEN,
    },
  );
}

/** Every place the token could end up, as one text per place. */
function everywhere(r: { out: string; err: string }): Record<string, string> {
  const show = (dir: string, spec: string) => {
    try {
      return git(dir, "show", spec);
    } catch {
      return "";
    }
  };
  const places: Record<string, string> = {
    stdout: r.out,
    stderr: r.err,
    "PR requests": JSON.stringify(gh.seen.map((s) => s.body)),
    "PR bodies": JSON.stringify(gh.prs),
    "commit messages": git(repo, "log", "--format=%B", "--all"),
    "remote commit messages": git(bare, "log", "--format=%B", "--all"),
  };
  for (const f of ["report.md", "report.json"]) {
    places[f] = show(repo, `ulid-migration:.ulid-migration/crackerjack/${f}`);
  }
  return places;
}

function expectNoToken(places: Record<string, string>) {
  for (const [where, text] of Object.entries(places)) {
    expect(text.includes(TOKEN), `token found in ${where}`).toBe(false);
    expect(text.includes(encodeURIComponent(TOKEN)), `token found in ${where}`).toBe(false);
  }
}

test("success: branch, reports and PR carry no token", async () => {
  const r = await cli("--open-pr");
  expect(r.code).toBe(0);
  expect(r.out).toContain("pull request created");
  const places = everywhere(r);
  // The places checked are real: the report and the PR body exist.
  expect(places["report.md"]).toContain("## Rewritten sites");
  expect(gh.prs).toHaveLength(1);
  expectNoToken(places);
});

test.each([
  [401, "GET"],
  [422, "POST"],
  [500, "POST"],
])("API error %i (on %s) with the token echoed in the response body", async (status, method) => {
  gh.failWith(status, method);
  const r = await cli("--open-pr");
  expect(r.code).toBe(1);
  expect(r.err).toContain(`(HTTP ${status})`);
  // The server did echo the credentials; the message shows them masked.
  expect(r.err).toContain("token *** refused");
  expectNoToken(everywhere(r));
});

test("a push rejected by a remote whose URL carries the token", async () => {
  // Our own local server: it knows no git repositories and answers 404.
  git(repo, "remote", "set-url", "origin", `http://x-access-token:${TOKEN}@${gh.url.slice(7)}/o/r`);
  const r = await cli("--open-pr");
  expect(r.code).toBe(1);
  expect(r.err).toContain("pushing ulid-migration to origin failed");
  expect(gh.seen.some((s) => s.path.startsWith("/o/r"))).toBe(true);
  expectNoToken(everywhere(r));
});

test("a config error whose bad value contains the token", async () => {
  writeFileSync(
    join(tmp.dir, "ulid-migration.yaml"),
    `${CONFIG(`    branch: "ulid migration ${TOKEN}"\n`)}github:\n  apiUrl: "ftp://${TOKEN}@ghe"\n`,
  );
  const r = await cli("--open-pr");
  expect(r.code).toBe(1);
  expect(r.err).toContain("systems.crackerjack.branch: expected a valid git branch name");
  expect(r.err).toContain("github.apiUrl");
  expectNoToken(everywhere(r));
});

test("library API: migrateSystem rejections carry no token in message, String() or stack", async () => {
  const [system] = parseConfig(CONFIG(), join(tmp.dir, "ulid-migration.yaml")).systems;
  if (!system) throw new Error("no system");
  const run = () =>
    migrateSystem(system, {
      runCodemod: runTransforms,
      openPr: true,
      github: { apiUrl: gh.url, token: TOKEN },
    });
  const failures: unknown[] = [];
  const attempt = async () => {
    const e = await run().then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    failures.push(e);
  };

  // A commit hook that prints the secret.
  mkdirSync(join(repo, ".git/hooks"), { recursive: true });
  const hook = join(repo, ".git/hooks/pre-commit");
  writeFileSync(hook, `#!/bin/sh\necho "leaked ${TOKEN}" >&2\nexit 1\n`, { mode: 0o755 });
  await attempt();
  writeFileSync(hook, "#!/bin/sh\nexit 0\n", { mode: 0o755 });

  // A push to a remote URL with the token in it.
  git(repo, "remote", "set-url", "origin", `http://x-access-token:${TOKEN}@${gh.url.slice(7)}/o/r`);
  await attempt();
  git(repo, "remote", "set-url", "origin", bare);

  // The API echoing the token.
  gh.failWith(401, "GET");
  await attempt();

  expect(failures.map((e) => (e as Error).message)).toEqual([
    expect.stringContaining("leaked ***"),
    expect.stringContaining("pushing ulid-migration to origin failed"),
    expect.stringContaining("(HTTP 401)"),
  ]);
  for (const e of failures as Error[]) {
    expectNoToken({ message: e.message, string: String(e), stack: e.stack ?? "" });
  }
});
