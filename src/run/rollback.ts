// Undo a migration: databases back from the tool's latest verified backup, the tool's own
// migration branches deleted (local, and on the remote when it still points at our tip).
import { listBackups, restoreBackup, verifyBackup } from "../live/backup.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { branchTip, gitAt, notOursReason } from "../repo/git.ts";

export interface RollbackOptions {
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface RollbackResult {
  system: string;
  /** What happened to the database, one line. */
  database: string;
  /** What happened to the branch, one line. */
  branch: string;
  ok: boolean;
}

/** Systems are undone in reverse phase order. Every problem is reported; none stops the others. */
export async function rollbackSystems(
  systems: SystemConfig[],
  opts: RollbackOptions = {},
): Promise<RollbackResult[]> {
  const out: RollbackResult[] = [];
  for (const s of [...systems].reverse()) out.push(await rollbackSystem(s, opts));
  return out;
}

export async function rollbackSystem(
  system: SystemConfig,
  opts: RollbackOptions = {},
): Promise<RollbackResult> {
  const dry = !!opts.dryRun;
  const log = opts.log ?? (() => {});
  const res: RollbackResult = { system: system.name, database: "-", branch: "-", ok: true };

  if (system.database) {
    const db = system.database;
    const [latest] = listBackups(db);
    if (!latest) {
      res.database = `no backup made by ulid-codemod for ${db.path}; left as is`;
    } else {
      try {
        await verifyBackup(latest);
        if (dry) {
          res.database = `would restore ${db.path} from ${latest.backup} (${latest.createdAt})`;
        } else {
          log(`${system.name}: restoring ${db.path} from ${latest.backup}`);
          await restoreBackup(latest);
          res.database = `restored ${db.path} from ${latest.backup}`;
        }
      } catch (e) {
        res.ok = false;
        res.database = `NOT restored: ${(e as Error).message}`;
      }
    }
  }

  try {
    res.branch = await deleteBranch(system, dry, log);
  } catch (e) {
    res.ok = false;
    res.branch = `NOT deleted: ${(e as Error).message}`;
  }
  return res;
}

async function deleteBranch(
  system: SystemConfig,
  dry: boolean,
  log: (l: string) => void,
): Promise<string> {
  const git = gitAt(system.repo);
  if (!(await git.checkIsRepo().catch(() => false))) {
    throw new Error(`${system.repo} is not a git repository`);
  }
  const branch = system.branch;
  const tip = await branchTip(git, branch);
  if (!tip) return `no branch ${branch}`;
  const current = (await git.raw(["symbolic-ref", "-q", "--short", "HEAD"]).catch(() => "")).trim();
  if (!current) throw new Error(`${system.repo} has a detached HEAD; check out your branch first`);
  if (current === branch) {
    throw new Error(
      `${system.repo} is on ${branch}; check out the branch you work on, then rerun (the branch is kept)`,
    );
  }
  const reason = await notOursReason(git, branch, `refs/heads/${current}`, system.name);
  if (reason) return `kept ${branch}: not created by ulid-codemod (${reason})`;

  // The remote copy goes only if it is exactly the tip we checked is ours.
  const remoteLine = (
    await git.raw(["ls-remote", system.remote, `refs/heads/${branch}`]).catch(() => "")
  ).trim();
  const remoteSha = remoteLine.split(/\s+/)[0] ?? "";
  const onRemote = remoteSha === tip;
  if (dry) {
    return `would delete ${branch} (${tip.slice(0, 12)})${onRemote ? ` and ${system.remote}/${branch}` : ""}; stays on ${current}`;
  }
  let remoteNote = "";
  if (onRemote) {
    log(`${system.name}: deleting ${branch} on ${system.remote}`);
    try {
      await git.raw([
        "push",
        "-q",
        `--force-with-lease=refs/heads/${branch}:${tip}`,
        system.remote,
        `:refs/heads/${branch}`,
      ]);
      remoteNote = ` and ${system.remote}/${branch}`;
    } catch (e) {
      remoteNote = ` (${system.remote}/${branch} kept: ${(e as Error).message.trim().split("\n")[0]})`;
    }
  } else if (remoteSha) {
    remoteNote = ` (${system.remote}/${branch} kept: it points at another commit)`;
  }
  await git.raw(["branch", "-q", "-D", branch]);
  return `deleted ${branch} (was ${tip.slice(0, 12)})${remoteNote}; on ${current}`;
}
