// Review-grade migration PRs (#17): the plan's checks run on the migration branch in a temporary
// worktree before anything is pushed, the PR carries permalinks to every site, its options
// (draft, labels, reviewers, assignees) are applied on create and update, and blocking means
// blocking. Real git repositories with a bare remote; the GitHub API is a server on 127.0.0.1.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { webUrl } from "../src/repo/github.ts";
import { reportSchema } from "../src/report/schema.ts";
import { startFakeGitHub } from "./helpers/github-server.ts";
import { parsePrometheusText, sampleOf } from "./helpers/prom-text.ts";
import { crackerjackFiles, git, makeRepo, migrateCli, tempDir } from "./helpers/repos.ts";

const TOKEN = "ghp_reviewPRtoken0123456789abcdefSECRET";
const OWNER = "lesleslie";

let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
beforeAll(async () => {
  gh = await startFakeGitHub(OWNER, "crackerjack", TOKEN, "migration-bot");
});
afterAll(() => gh.close());

let tmp: ReturnType<typeof tempDir>;
let repo: string;
let bare: string;
beforeEach(() => {
  tmp = tempDir("ulid-review-");
  repo = makeRepo(join(tmp.dir, "crackerjack"), crackerjackFiles);
  bare = join(tmp.dir, "remote.git");
  git(tmp.dir, "init", "-q", "--bare", bare);
  git(repo, "remote", "add", "origin", bare);
  git(repo, "push", "-q", "origin", "main");
  gh.reset();
});
afterEach(() => tmp.cleanup());

const configFile = () => join(tmp.dir, "ulid-migration.yaml");

function writePlan(extra: string) {
  writeFileSync(
    configFile(),
    `version: 1\nsystems:\n  crackerjack:\n    repo: ./crackerjack\n    transforms: [uuid4-to-ulid]\n    github: { owner: ${OWNER}, repo: crackerjack }\n${extra}`,
  );
}

async function migrate(args: string[], env: NodeJS.ProcessEnv = { GITHUB_TOKEN: TOKEN }) {
  const r = await migrateCli(configFile(), ["--system", "crackerjack", ...args], env);
  expect(r.out + r.err).not.toContain(TOKEN);
  return r;
}

const remoteRefs = () => git(bare, "for-each-ref", "--format=%(refname) %(objectname)");
const worktrees = () =>
  git(repo, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((l) => l.startsWith("worktree "));
const onBranch = (file: string) => git(repo, "show", `ulid-migration:${file}`);
const writes = () => gh.seen.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe("checks on the migration branch", () => {
  test("they run in a worktree of the migration commit; results go into the committed report, report.json and the PR", async () => {
    const where = join(tmp.dir, "where.txt");
    writePlan(
      [
        "    checks:",
        // Passes only where the rewrite is: the migration branch, not the user's checkout.
        '      - "grep -q dhruva.generate crackerjack/jobs.py"',
        `      - "pwd > ${where}"`,
        "    pr:",
        "      labels: [ulid-migration, needs-dba]",
        "      reviewers: [alice, lesleslie/dba-team]",
        "      assignees: [bob]",
        "",
      ].join("\n"),
    );
    const r = await migrate(["--open-pr", "--github-api-url", gh.url]);
    expect(r.err).toContain("crackerjack: check 2/2: pass in");
    expect(r.code).toBe(0);
    expect(r.err).toContain("[1/1] crackerjack: running 2 check(s) on ulid-migration");
    // The worktree was elsewhere and is gone; the user's checkout is as it was.
    const ranIn = readFileSync(where, "utf8").trim();
    expect(ranIn).not.toBe(repo);
    expect(existsSync(ranIn)).toBe(false);
    expect(worktrees()).toEqual([`worktree ${repo}`]);
    expect(git(repo, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(readFileSync(join(repo, "crackerjack/jobs.py"), "utf8")).toBe(
      crackerjackFiles["crackerjack/jobs.py"],
    );

    // One commit, amended with the results: its report says what ran and how it went.
    expect(git(repo, "rev-list", "--count", "main..ulid-migration")).toBe("1");
    const md = onBranch(".ulid-migration/crackerjack/report.md");
    expect(md).toContain("## Checks");
    expect(md).toMatch(/\| `grep -q dhruva.generate crackerjack\/jobs.py` \| pass \| \d+\.\d s \|/);
    const json = reportSchema.parse(
      JSON.parse(onBranch(".ulid-migration/crackerjack/report.json")),
    );
    expect(json.checks).toMatchObject({ on: "branch", ok: true, commit: null });
    expect(json.checks?.results.map((c) => [c.command, c.exitCode])).toEqual([
      ["grep -q dhruva.generate crackerjack/jobs.py", 0],
      [`pwd > ${where}`, 0],
    ]);
    // The pushed commit is the amended one.
    expect(git(bare, "rev-parse", "ulid-migration")).toBe(git(repo, "rev-parse", "ulid-migration"));
    expect(r.out).toMatch(/crackerjack\s+done\s.*pass \(2\)/);

    // The PR: created ready for review, then labelled, reviewers and assignee asked.
    expect(writes()).toEqual([
      "POST /repos/lesleslie/crackerjack/pulls",
      "POST /repos/lesleslie/crackerjack/issues/7/labels",
      "POST /repos/lesleslie/crackerjack/pulls/7/requested_reviewers",
      "POST /repos/lesleslie/crackerjack/issues/7/assignees",
    ]);
    const pr = gh.prs[0];
    expect(pr).toMatchObject({
      draft: false,
      labels: ["ulid-migration", "needs-dba"],
      reviewers: ["alice"],
      teamReviewers: ["dba-team"],
      assignees: ["bob"],
    });
    expect(pr?.body).toContain("## Checks");
    expect(pr?.body).toContain(`at \`${git(repo, "rev-parse", "--short=12", "ulid-migration")}\``);

    // On update the options are applied again (GitHub keeps what is already there).
    gh.seen.length = 0;
    const again = await migrate(["--open-pr", "--github-api-url", gh.url]);
    expect(again.code).toBe(0);
    expect(writes()).toEqual([
      "PATCH /repos/lesleslie/crackerjack/pulls/7",
      "POST /repos/lesleslie/crackerjack/issues/7/labels",
      "POST /repos/lesleslie/crackerjack/pulls/7/requested_reviewers",
      "POST /repos/lesleslie/crackerjack/issues/7/assignees",
    ]);
  });

  test("a failing check (exit 3) stops before the push: remote as it was, the user on main with a clean tree, the commit kept", async () => {
    writePlan('    checks: ["python3 -c \\"import sys; print(\'2 failed\'); sys.exit(3)\\""]\n');
    const remoteBefore = remoteRefs();
    const r = await migrate(["--open-pr", "--github-api-url", gh.url]);
    expect(r.code).toBe(1);
    const line = r.err.trim().split("\n").at(-1) ?? "";
    expect(line).toContain(
      `check failed on ulid-migration: \`python3 -c "import sys; print('2 failed'); sys.exit(3)"\` exited 3`,
    );
    expect(line).toContain("Nothing was pushed and no pull request was opened or updated");
    expect(line).toContain(
      `the local branch ulid-migration keeps the commit ${git(repo, "rev-parse", "--short=12", "ulid-migration")}`,
    );
    expect(r.out).toMatch(/crackerjack\s+failed\s.*FAIL/);
    expect(remoteRefs()).toBe(remoteBefore);
    expect(gh.seen.filter((s) => s.method !== "GET")).toEqual([]);
    expect(git(repo, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(worktrees()).toEqual([`worktree ${repo}`]);
    // The kept commit's report carries the failure and the output's last lines.
    const json = reportSchema.parse(
      JSON.parse(onBranch(".ulid-migration/crackerjack/report.json")),
    );
    expect(json.checks?.ok).toBe(false);
    expect(json.checks?.results[0]).toMatchObject({
      exitCode: 3,
      ok: false,
      outputTail: ["2 failed"],
    });
    expect(onBranch(".ulid-migration/crackerjack/report.md")).toContain("**FAIL** (exit 3)");

    // --allow-failing-checks: pushed, and the PR opens as a draft with the failure at the top.
    const allowed = await migrate([
      "--open-pr",
      "--allow-failing-checks",
      "--github-api-url",
      gh.url,
    ]);
    expect(allowed.code).toBe(0);
    expect(git(bare, "rev-parse", "ulid-migration")).toBe(git(repo, "rev-parse", "ulid-migration"));
    expect(gh.prs[0]?.draft).toBe(true);
    const body = gh.prs[0]?.body ?? "";
    const top = body.split("\n").slice(0, 4).join("\n");
    expect(top).toContain("> [!WARNING]");
    expect(top).toContain(
      "**1 check failed** on this branch, pushed anyway (`--allow-failing-checks`)",
    );
    expect(body).toContain("2 failed");
  });

  test("an open PR that is ready for review is turned into a draft when a check fails and is allowed", async () => {
    writePlan('    checks: ["true"]\n');
    expect((await migrate(["--open-pr", "--github-api-url", gh.url])).code).toBe(0);
    expect(gh.prs[0]?.draft).toBe(false);
    writePlan("    checks: [\"sh -c 'exit 4'\"]\n");
    gh.seen.length = 0;
    const r = await migrate(["--open-pr", "--allow-failing-checks", "--github-api-url", gh.url]);
    expect(r.code).toBe(0);
    expect(writes()).toEqual(["PATCH /repos/lesleslie/crackerjack/pulls/7", "POST /graphql"]);
    expect(gh.prs[0]?.draft).toBe(true);
    expect(r.out).toContain("pull request updated as a draft");
  });

  test("--dry-run runs the checks on the computed rewrite in a temporary worktree and changes nothing else", async () => {
    writePlan('    checks: ["grep -q dhruva.generate crackerjack/jobs.py", "exit 5"]\n');
    const refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)");
    const r = await migrate(["--dry-run"], {});
    expect(r.code).toBe(0);
    expect(r.out).toContain("run on the computed rewrite (dry run) in a temporary worktree");
    expect(r.out).toMatch(/\| `grep -q dhruva.generate crackerjack\/jobs.py` \| pass \|/);
    expect(r.out).toContain("| `exit 5` | **FAIL** (exit 5) |");
    expect(git(repo, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(refs);
    expect(worktrees()).toEqual([`worktree ${repo}`]);
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(existsSync(join(repo, ".git", "ulid-codemod"))).toBe(false);
  });

  test("the preflight finds a check whose program is not installed, before anything changes", async () => {
    writePlan('    checks: ["no-such-tool-xyz --check ."]\n');
    const r = await migrate(["--push"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `crackerjack: ${configFile()}: systems.crackerjack.checks[0] (no-such-tool-xyz --check .): \`no-such-tool-xyz\` is not on PATH`,
    );
    expect(git(repo, "branch", "--list", "ulid-migration")).toBe("");
    // --no-checks skips them (and their preflight).
    expect((await migrate(["--no-checks"])).code).toBe(0);
  });

  test("the preflight refuses the token's own user as a reviewer", async () => {
    writePlan("    pr: { reviewers: [alice, migration-bot] }\n");
    const r = await migrate(["--open-pr", "--github-api-url", gh.url]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "systems.crackerjack.pr.reviewers lists migration-bot, who opens the pull request",
    );
    expect(remoteRefs()).not.toContain("ulid-migration");
    expect(gh.seen.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /user"]);
  });
});

/** Every `blob/<sha>/<path>#L<n>` link of a text, and its line at that commit. */
function permalinks(text: string, web: string) {
  const re = new RegExp(
    `\\]\\(${web.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/blob/([0-9a-f]{40})/([^#)]+)#L(\\d+)\\)`,
    "g",
  );
  return [...text.matchAll(re)].map((m) => {
    const [, sha = "", file = "", n = "0"] = m;
    const content = git(repo, "show", `${sha}:${decodeURIComponent(file)}`);
    return { sha, file, line: content.split("\n")[Number(n) - 1] ?? null };
  });
}

describe("permalinks", () => {
  test("every site links to its line: the base commit for sites left as they were, the migration commit for rewritten ones", async () => {
    writePlan("");
    const r = await migrate(["--open-pr", "--github-api-url", gh.url]);
    expect(r.code).toBe(0);
    const body = gh.prs[0]?.body ?? "";
    const base = git(repo, "rev-parse", "main");
    const head = git(repo, "rev-parse", "ulid-migration");
    const web = `${gh.url}/${OWNER}/crackerjack`;
    const links = permalinks(body, web);
    // 2 rewritten, 1 needs review.
    expect(links).toHaveLength(3);
    const rewritten = links.filter((l) => l.sha === head);
    const kept = links.filter((l) => l.sha === base);
    expect(rewritten.map((l) => l.line)).toEqual([
      "    job_id = dhruva.generate()",
      "    return {'job_id': job_id, 'trace': dhruva.generate()}",
    ]);
    expect(kept.map((l) => l.line)).toEqual(["    return uuid.uuid4().hex[:8]"]);

    // The committed report links rewritten sites relatively: they resolve on the branch itself.
    const md = onBranch(".ulid-migration/crackerjack/report.md");
    const rel = [...md.matchAll(/\]\(\.\.\/\.\.\/([^#)]+)#L(\d+)\)/g)].map(
      ([, f = "", n = "0"]) => onBranch(f).split("\n")[Number(n) - 1],
    );
    expect(rel).toEqual([
      "    job_id = dhruva.generate()",
      "    return {'job_id': job_id, 'trace': dhruva.generate()}",
    ]);
    expect(permalinks(md, web).map((l) => [l.sha, l.line])).toEqual([
      [base, "    return uuid.uuid4().hex[:8]"],
    ]);
  });

  test("the web home comes from the remote URL, else from the API URL (GitHub Enterprise)", () => {
    const slug = { owner: "o", repo: "r" };
    const api = "https://api.github.com";
    expect(webUrl("git@github.com:o/r.git", slug, api)).toBe("https://github.com/o/r");
    expect(webUrl("https://x-access-token:abc@ghe.corp/o/r.git", slug, api)).toBe(
      "https://ghe.corp/o/r",
    );
    expect(webUrl("ssh://git@ghe.corp:2222/o/r.git", slug, api)).toBe("https://ghe.corp/o/r");
    expect(webUrl("/srv/git/r.git", slug, api)).toBe("https://github.com/o/r");
    expect(webUrl(null, slug, "https://ghe.corp/api/v3")).toBe("https://ghe.corp/o/r");
  });
});

describe("blocking means blocking", () => {
  const GRAPH = [
    "class Graph:",
    "    def __init__(self):",
    "        self.entities = {}",
    "",
    "    def add_system(self, system_id):",
    '        entity = Entity(entity_id=f"system:{system_id}")',
    "        self.entities[entity.entity_id] = entity",
    "",
    "    def find_system(self, system_id):",
    '        return self.entities.get(f"system:{system_id}")',
    "",
  ].join("\n");

  beforeEach(() => {
    writeFileSync(join(repo, "crackerjack/graph.py"), GRAPH);
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "graph");
    writeFileSync(
      configFile(),
      [
        "version: 1",
        "systems:",
        "  crackerjack:",
        "    repo: ./crackerjack",
        "    transforms: [fstring-id-to-ulid]",
        `    github: { owner: ${OWNER}, repo: crackerjack }`,
        "    fstringRules:",
        "      - target: entity_id",
        '        templates: ["system:{}"]',
        "        naturalKeys: rewrite-and-flag",
        "",
      ].join("\n"),
    );
  });

  test("the PR opens as a draft with the blocking items first; migrate exits 1 unless --allow-blocking", async () => {
    const prom = join(tmp.dir, "blocked.prom");
    const r = await migrate(["--open-pr", "--github-api-url", gh.url, "--metrics", prom]);
    expect(r.code).toBe(1);
    // The metrics say so too: outcome blocked, not a success.
    const families = parsePrometheusText(readFileSync(prom, "utf8"));
    const labels = { system: "crackerjack", command: "migrate" };
    expect(sampleOf(families, "ulid_codemod_outcome", { ...labels, outcome: "blocked" })).toBe(1);
    expect(sampleOf(families, "ulid_codemod_outcome", { ...labels, outcome: "done" })).toBe(0);
    expect(sampleOf(families, "ulid_codemod_success", labels)).toBe(0);
    expect(r.err.trim().split("\n").at(-1)).toBe(
      "error: migrate: crackerjack: 1 blocking site(s): the rewrite breaks them (the PR is a draft); resolve them, or rerun with --allow-blocking to accept",
    );
    expect(r.out).toMatch(/crackerjack\s+blocked\s/);
    expect(r.out).toContain(
      "crackerjack: BLOCKING: 1 site(s) the rewrite breaks; the PR is a draft with them first",
    );
    // Pushed and opened (as a draft): the reviewer sees it.
    expect(git(bare, "rev-parse", "ulid-migration")).toBe(git(repo, "rev-parse", "ulid-migration"));
    const pr = gh.prs[0];
    expect(pr?.draft).toBe(true);
    const lines = (pr?.body ?? "").split("\n");
    expect(lines.slice(0, 6).join("\n")).toMatch(
      /^# ULID migration: crackerjack\n\n> \[!CAUTION\]\n> \*\*1 blocking site\*\*.*\n\n- \[`crackerjack\/graph.py:10`\]\(.*\) — natural key `system:\{\}`/,
    );

    const ok = await migrate(["--open-pr", "--allow-blocking", "--github-api-url", gh.url]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("(accepted: --allow-blocking)");
    expect(gh.prs[0]?.draft).toBe(true);
  });

  test("--fail-on needs-review fails a dry run with sites to review; --fail-on is the CI switch", async () => {
    writePlan("");
    const dry = await migrate(["--dry-run", "--fail-on", "needs-review"], {});
    expect(dry.code).toBe(1);
    expect(dry.err).toContain("crackerjack: 1 site(s) need review (--fail-on needs-review)");
    expect((await migrate(["--dry-run"], {})).code).toBe(0);
  });
});
