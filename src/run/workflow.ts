// `ulid-codemod ci github-actions`: a GitHub Actions workflow that runs the plan from CI, one job
// per system (a matrix), each checking out the plan's repository (the tool pinned by its lockfile)
// and the system's repository where the plan expects it. Built as a typed object, with the types of
// the workflow schema (@schemastore/github-workflow), so the compiler checks its shape.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type {
  NormalJob,
  Step,
  HttpsJsonSchemastoreOrgGithubWorkflowJson as Workflow,
} from "@schemastore/github-workflow";
import { reportDir } from "../plan/paths.ts";
import type { MigrationConfig, SystemConfig } from "../plan/schema.ts";
import { parseRemoteUrl, type RepoSlug } from "../repo/github.ts";

export type { Workflow };

export interface WorkflowOptions {
  /** Each job also applies the SQL (`--apply`): phases then run one at a time, in order. */
  apply?: boolean;
  /** The runner label (for --apply: one that can reach the databases at the plan's paths). */
  runsOn?: string;
  /** The repository secret holding a token that can push to and open PRs on every system's repository. */
  tokenSecret?: string;
  /** `migrate` takes `--sarif FILE` (this CLI's version has it). */
  sarif?: boolean;
  nodeVersion?: string;
}

/** `${{ EXPR }}`: a GitHub Actions expression. */
const gh = (expr: string) => `\${{ ${expr} }}`;

/** Where the plan's repository is checked out in the CI workspace. */
export const PLAN_DIR = "plan";

function git(cwd: string, ...args: string[]): string | null {
  try {
    return execFileSync("git", ["-C", cwd, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** owner/repo of a system: the plan's `github`, else its remote's URL. */
function slugOf(system: SystemConfig): RepoSlug {
  if (system.github) return system.github;
  const url = fs.existsSync(system.repo)
    ? git(system.repo, "remote", "get-url", system.remote)
    : null;
  const slug = url ? parseRemoteUrl(url) : null;
  if (!slug) {
    throw new Error(
      `${system.configPath}: systems.${system.name}: the workflow checks out its GitHub repository, and none is known (${url ? `remote "${system.remote}" is ${url}` : `no remote "${system.remote}" in ${system.repo}`}); set systems.${system.name}.github: { owner, repo }`,
    );
  }
  return slug;
}

/** The plan's repository root (git), else its folder, and the plan's path inside it. */
export function planLocation(config: MigrationConfig): { root: string; plan: string } {
  const dir = path.dirname(config.path);
  const top = git(dir, "rev-parse", "--show-toplevel");
  const root = top ? fs.realpathSync(top) : dir;
  const plan = path.relative(root, fs.realpathSync(config.path)).split(path.sep).join("/");
  return { root, plan };
}

/** A system's checkout in the workspace: its `repo` taken from the plan's folder in `plan/`. */
function workspacePath(system: SystemConfig, planInRepo: string): string {
  const rel = path.relative(path.dirname(system.configPath), system.repo).split(path.sep).join("/");
  const p = path.posix.normalize(path.posix.join(PLAN_DIR, path.posix.dirname(planInRepo), rel));
  if (p === PLAN_DIR || p.startsWith(`${PLAN_DIR}/`) || p.startsWith("..") || p === ".") {
    throw new Error(
      `${system.configPath}: systems.${system.name}.repo: ${rel} would be checked out ${p.startsWith("..") ? "outside the CI workspace" : "inside the plan's own checkout"}; put the plan in a repository of its own, with the systems' checkouts beside it (e.g. repo: ../${system.name})`,
    );
  }
  return p;
}

export function githubWorkflow(config: MigrationConfig, opts: WorkflowOptions = {}): Workflow {
  const { plan } = planLocation(config);
  const secret = `\${{ secrets.${opts.tokenSecret ?? "ULID_CODEMOD_TOKEN"} }}`;
  const include = config.systems.map((s) => ({
    system: s.name,
    repository: `${slugOf(s).owner}/${slugOf(s).repo}`,
    path: workspacePath(s, plan),
    branch: s.branch,
    report: reportDir(s.name),
  }));
  const out = `${gh("runner.temp")}/ulid-out`;
  const flags = [
    `--config ${plan}`,
    `--system ${gh("matrix.system")}`,
    "--yes",
    "--open-pr",
    ...(opts.apply ? ["--apply"] : []),
    `--metrics "${out}/${gh("matrix.system")}.prom"`,
    `--metrics-json "${out}/${gh("matrix.system")}.metrics.json"`,
    ...(opts.sarif ? [`--sarif "${out}/${gh("matrix.system")}.sarif"`] : []),
  ];
  const steps: [Step, ...Step[]] = [
    {
      name: "Check out the plan",
      uses: "actions/checkout@v4",
      with: { path: PLAN_DIR },
    },
    {
      name: `Check out ${gh("matrix.repository")}`,
      uses: "actions/checkout@v4",
      with: {
        repository: gh("matrix.repository"),
        path: gh("matrix.path"),
        token: secret,
        // The migration branch, if it exists already, and the history its merge needs.
        "fetch-depth": 0,
      },
    },
    {
      uses: "actions/setup-node@v4",
      with: {
        "node-version": opts.nodeVersion ?? "20",
        cache: "npm",
        "cache-dependency-path": `${PLAN_DIR}/package-lock.json`,
      },
    },
    {
      name: "Install ulid-codemod from the lockfile",
      "working-directory": PLAN_DIR,
      run: "npm ci",
    },
    {
      name: "Commit identity",
      run: [
        `git -C "${gh("matrix.path")}" config user.name "ulid-codemod[bot]"`,
        `git -C "${gh("matrix.path")}" config user.email "ulid-codemod[bot]@users.noreply.github.com"`,
        `mkdir -p "${out}"`,
      ].join("\n"),
    },
    {
      name: `Migrate ${gh("matrix.system")}${opts.apply ? " (code and data)" : ""}`,
      "working-directory": PLAN_DIR,
      env: { GITHUB_TOKEN: secret },
      run: `npx ulid-codemod migrate ${flags.join(" ")}`,
    },
    {
      name: "Collect the report",
      if: "always()",
      run: [
        "for f in report.md report.json; do",
        `  git -C "${gh("matrix.path")}" show "${gh("matrix.branch")}:${gh("matrix.report")}/$f" > "${out}/$f" 2>/dev/null || rm -f "${out}/$f"`,
        "done",
      ].join("\n"),
    },
    {
      name: "Upload the report",
      if: "always()",
      uses: "actions/upload-artifact@v4",
      with: {
        name: `ulid-migration-${gh("matrix.system")}`,
        // The SARIF file is there when this version of the tool writes one.
        path: [
          `${out}/report.md`,
          `${out}/report.json`,
          `${out}/${gh("matrix.system")}.prom`,
          `${out}/${gh("matrix.system")}.metrics.json`,
          `${out}/${gh("matrix.system")}.sarif`,
        ].join("\n"),
        "if-no-files-found": "warn",
      },
    },
  ];
  const job: NormalJob = {
    name: `migrate ${gh("matrix.system")}`,
    "runs-on": opts.runsOn ?? "ubuntu-latest",
    "timeout-minutes": 120,
    strategy: {
      // Data phases run in the plan's order, one at a time, and a failure stops the later ones;
      // the code-only phase has no order to keep: every repository at once, each to its end.
      ...(opts.apply ? { "max-parallel": 1, "fail-fast": true } : { "fail-fast": false }),
      matrix: {
        system: config.systems.map((s) => s.name) as [string, ...string[]],
        include: include as [(typeof include)[number], ...typeof include],
      },
    },
    steps,
  };
  return {
    name: opts.apply ? "ulid-migration (code and data)" : "ulid-migration",
    on: { workflow_dispatch: {} },
    permissions: { contents: "read" },
    // Two runs of the same migration never overlap.
    concurrency: { group: "ulid-migration", "cancel-in-progress": false },
    jobs: { migrate: job },
  };
}
