// `ulid-codemod status`: per system, the branch (local, remote, ahead of the base), the PR (state,
// review decision, combined status and check runs) when the API answers, the plan's checks' last
// result, the database state with its rows and latest backup, and what to do next. Without a
// token or network it says what it could not ask.
import fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildDemoWorkspace, type DemoWorkspace } from "../src/cli/demo-workspace.ts";
import { statusJsonSchema } from "../src/report/schema.ts";
import { startFakeGitHub } from "./helpers/github-server.ts";
import { cliCapture, git } from "./helpers/repos.ts";
import { tempDir } from "./helpers.ts";

const TOKEN = "ghp_statusTOKEN0123456789abcdefghSECRET";

let gh: Awaited<ReturnType<typeof startFakeGitHub>>;
beforeAll(async () => {
  gh = await startFakeGitHub("lesleslie", "crackerjack", TOKEN);
});
afterAll(() => gh.close());

async function workspace(): Promise<DemoWorkspace> {
  const ws = await buildDemoWorkspace(path.join(tempDir("ulid-status-"), "ws"), {
    jobs: 120,
    sessions: 30,
  });
  // Crackerjack gets a GitHub home and a check (after its transforms line, whatever they are).
  const before = fs.readFileSync(ws.config, "utf8");
  const text = before.replace(
    /^( {2}crackerjack:\n(?: {4}.*\n)*? {4}transforms: \[.*\]\n)/m,
    '$1    github: { owner: lesleslie, repo: crackerjack }\n    checks: ["test -f crackerjack/jobs.py"]\n',
  );
  expect(text).not.toBe(before);
  fs.writeFileSync(ws.config, text);
  return ws;
}

async function status(ws: DemoWorkspace, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await cliCapture(["status", "--config", ws.config, ...args], { env });
  expect(r.out + r.err).not.toContain(TOKEN);
  return r;
}

describe("status", () => {
  test("without a token: what is known locally, and what could not be asked", async () => {
    const ws = await workspace();
    const cj = ws.repos.crackerjack as string;
    const m = await cliCapture(
      ["migrate", "--config", ws.config, "--system", "crackerjack", "--push", "--yes"],
      { env: {} },
    );
    expect(m.code).toBe(0);
    const r = await status(ws, ["--json"]);
    expect(r.code).toBe(0);
    const doc = statusJsonSchema.parse(JSON.parse(r.out));
    expect(doc.systems.map((s) => s.system)).toEqual(["crackerjack", "session-buddy", "akosha"]);
    const [c, sb] = doc.systems;
    const tip = git(cj, "rev-parse", "ulid-migration");
    expect(c?.branch).toEqual({
      name: "ulid-migration",
      local: tip,
      remote: tip,
      base: "main",
      ahead: 1,
    });
    expect(c?.pr).toBeNull();
    expect(c?.unknown).toContain("pull request: not asked (no GITHUB_TOKEN)");
    expect(c?.checks).toMatchObject({ on: "branch", ok: true, commit: tip });
    expect(c?.database).toMatchObject({ state: "not applied", rows: 120, latestBackup: null });
    expect(sb?.branch.local).toBeNull();
    expect(sb?.database).toMatchObject({ state: "not applied", rows: 30 });
    expect(sb?.next).toBe(
      "ulid-codemod migrate --system session-buddy --dry-run, then migrate --system session-buddy --open-pr",
    );
    expect(sb?.unknown).toEqual([
      'pull request: no GitHub owner/repo for remote "origin" (set systems.session-buddy.github)',
    ]);

    const table = await status(ws, ["--system", "crackerjack"]);
    expect(table.out).toMatch(/^system\s+branch\s+PR\s+checks \(last run\)\s+database\s+next/);
    expect(table.out).toContain(
      `ulid-migration ${tip.slice(0, 12)} (local = remote, 1 ahead of main)`,
    );
    expect(table.out).toContain("not applied, 120 rows");
    expect(table.out).toContain(
      "Not known:\n  crackerjack: pull request: not asked (no GITHUB_TOKEN)",
    );
    expect(table.out).not.toContain("session-buddy");
  }, 120_000);

  test("with the API: PR state, review decision, combined status and check runs; the database after --apply", async () => {
    gh.reset();
    const ws = await workspace();
    const cj = ws.repos.crackerjack as string;
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url };
    const m = await cliCapture(
      [
        "migrate",
        "--config",
        ws.config,
        "--system",
        "crackerjack",
        "--open-pr",
        "--apply",
        "--yes",
      ],
      { env },
    );
    expect(m.code).toBe(0);
    const tip = git(cj, "rev-parse", "ulid-migration");
    const pr = gh.prs[0];
    if (!pr) throw new Error("no PR");
    pr.headSha = tip;
    pr.reviews.push(
      { user: "alice", state: "CHANGES_REQUESTED" },
      { user: "alice", state: "APPROVED" },
    );
    gh.statuses.set(tip, [{ context: "ci/build", state: "success" }]);
    gh.checkRuns.set(tip, [{ name: "lint", status: "completed", conclusion: "failure" }]);

    const doc = statusJsonSchema.parse(
      JSON.parse((await status(ws, ["--system", "crackerjack", "--json"], env)).out),
    );
    const c = doc.systems[0];
    expect(c?.pr).toEqual({
      number: 7,
      url: "https://github.example/lesleslie/crackerjack/pull/7",
      state: "open",
      reviewDecision: "approved",
      checks: "failure",
      checksDetail: [
        { name: "ci/build", state: "success" },
        { name: "lint", state: "failure" },
      ],
    });
    expect(c?.next).toBe("fix the failing checks on the PR");
    expect(c?.database?.state).toBe("applied");
    expect(c?.database?.latestBackup).toMatch(/crackerjack\.db\.ulid-backup-\d{8}T\d{6}Z$/);
    expect(c?.unknown).toEqual([]);

    gh.checkRuns.set(tip, [{ name: "lint", status: "in_progress", conclusion: null }]);
    const pending = statusJsonSchema.parse(
      JSON.parse((await status(ws, ["--system", "crackerjack", "--json"], env)).out),
    );
    expect(pending.systems[0]?.pr?.checks).toBe("pending");
    expect(pending.systems[0]?.next).toBe("wait for the PR's checks, then merge");

    pr.merged = true;
    pr.state = "closed";
    const merged = statusJsonSchema.parse(
      JSON.parse((await status(ws, ["--system", "crackerjack", "--json"], env)).out),
    );
    expect(merged.systems[0]?.pr).toMatchObject({ state: "merged", reviewDecision: null });
    expect(merged.systems[0]?.next).toMatch(/^once nothing reads the legacy keys/);
  }, 120_000);

  test("an API nobody answers: local facts still shown, the PR said unknown with why; exit 0", async () => {
    const ws = await workspace();
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const r = await status(ws, ["--system", "crackerjack", "--json"], {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: `http://127.0.0.1:${port}`,
    });
    expect(r.code).toBe(0);
    const c = statusJsonSchema.parse(JSON.parse(r.out)).systems[0];
    expect(c?.pr).toBeNull();
    expect(c?.unknown.join("\n")).toContain(`connection refused (http://127.0.0.1:${port})`);
    expect(c?.database?.state).toBe("not applied");
  }, 120_000);
});
