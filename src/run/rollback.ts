// Undo a migration: databases put back (from the verified backup taken before this migration, or
// by SQL from the mapping when rows were written since), the tool's own migration branches deleted
// (local, and on the remote when it still points at our tip). Never a stale backup over newer rows.
import path from "node:path";
import {
  type BackupMarker,
  listBackups,
  markRestored,
  readMarker,
  restoreBackup,
  verifyBackup,
} from "../live/backup.ts";
import { assessRestore, describeLosses, restoreBySql } from "../live/restore.ts";
import { inspectDatabase, tableCounts } from "../live/state.ts";
import type { DatabaseConfig } from "../plan/database.ts";
import type { SystemConfig } from "../plan/schema.ts";
import { branchTip, gitAt, notOursReason } from "../repo/git.ts";
import { openDb } from "../sql/db.ts";
import { checkInterrupted } from "../util/interrupt.ts";
import { type CommandRun, withServices } from "./services.ts";

export interface RollbackOptions {
  dryRun?: boolean;
  log?: (line: string) => void;
  /** Restore this backup (its file or marker) instead of the newest unrestored one. */
  backup?: string;
  /** Restore even when rows would be lost, or the backup does not match the database. */
  force?: boolean;
  /**
   * `backup`: the whole database from the backup; `sql`: the keys back from the mapping, keeping
   * rows written since; `auto` (default): the backup when nothing would be lost, else SQL.
   */
  restore?: "auto" | "backup" | "sql";
}

export interface RollbackResult {
  system: string;
  /** What happened to the database, one line. */
  database: string;
  /** What happened to the branch, one line. */
  branch: string;
  ok: boolean;
  /** The plan's service commands as they ran around the restore. */
  services?: CommandRun[];
  /** Row count per table just before and after the restore (when one ran). */
  tableRows?: { before: Record<string, number>; after: Record<string, number> };
  /** Milliseconds per step (database, restore, branch). */
  durations?: Record<string, number>;
}

/** Systems are undone in reverse phase order. Every problem is reported; none stops the others. */
export async function rollbackSystems(
  systems: SystemConfig[],
  opts: RollbackOptions = {},
): Promise<RollbackResult[]> {
  const out: RollbackResult[] = [];
  for (const s of [...systems].reverse()) {
    checkInterrupted(`rollback, before ${s.name}`);
    out.push(await rollbackSystem(s, opts));
  }
  return out;
}

export async function rollbackSystem(
  system: SystemConfig,
  opts: RollbackOptions = {},
): Promise<RollbackResult> {
  const log = opts.log ?? (() => {});
  const res: RollbackResult = { system: system.name, database: "-", branch: "-", ok: true };
  const durations: Record<string, number> = {};
  let t = performance.now();
  if (system.database) {
    try {
      const { line, ok } = await rollbackDatabase(system, system.database, opts, log, res);
      res.database = line;
      res.ok &&= ok;
    } catch (e) {
      res.ok = false;
      res.database = `NOT restored: ${(e as Error).message}`;
    }
    durations.database = performance.now() - t;
  }
  t = performance.now();
  try {
    res.branch = await deleteBranch(system, !!opts.dryRun, log);
  } catch (e) {
    res.ok = false;
    res.branch = `NOT deleted: ${(e as Error).message}`;
  }
  durations.branch = performance.now() - t;
  if (!opts.dryRun) res.durations = { ...durations, ...res.durations };
  return res;
}

async function countsOf(cfg: DatabaseConfig): Promise<Record<string, number>> {
  const db = await openDb(cfg.engine, cfg.path, { readOnly: true });
  try {
    return await tableCounts(db);
  } finally {
    db.close();
  }
}

/**
 * The restore between the plan's service commands (stop first: a failing stop leaves the
 * database as it is); the row counts around it for the metrics. Returns what to add to the line
 * when the restore went through but a start failed.
 */
async function aroundRestore(
  system: SystemConfig,
  cfg: DatabaseConfig,
  res: RollbackResult,
  log: (line: string) => void,
  restore: () => Promise<void>,
): Promise<string> {
  const { startFailed } = await withServices(
    system,
    {
      log: (l) => log(`${system.name}: ${l}`),
      onRun: (run) => {
        res.services = [...(res.services ?? []), run];
      },
    },
    async () => {
      const before = await countsOf(cfg);
      const t = performance.now();
      await restore();
      res.durations = { ...res.durations, restore: performance.now() - t };
      res.tableRows = { before, after: await countsOf(cfg) };
    },
  );
  return startFailed ? `; but the service is down: starting it failed: ${startFailed}` : "";
}

/** The backup rollback would use: the one named, else the newest this tool made and did not restore. */
function pickBackup(cfg: DatabaseConfig, named?: string): BackupMarker | { none: string } {
  if (named) {
    const marker = readMarker(path.resolve(named));
    if (!marker)
      return { none: `${named} is not a backup made by ulid-codemod (no marker next to it)` };
    if (marker.database !== path.resolve(cfg.path)) {
      return { none: `${named} is a backup of ${marker.database}, not of ${cfg.path}` };
    }
    return marker;
  }
  const all = listBackups(cfg);
  // A catch-up's backup is of the migrated database: the one to go back to is the migration's.
  const fresh = all.find((m) => !m.restoredAt && !m.catchUp);
  if (fresh) return fresh;
  return {
    none: all.length
      ? `every backup of it was restored already (the newest, ${all[0]?.backup}, on ${all[0]?.restoredAt}); name one with --backup FILE to use it again`
      : "there is no backup made by ulid-codemod for it",
  };
}

async function rollbackDatabase(
  system: SystemConfig,
  cfg: DatabaseConfig,
  opts: RollbackOptions,
  log: (line: string) => void,
  res: RollbackResult,
): Promise<{ line: string; ok: boolean }> {
  const dry = !!opts.dryRun;
  const picked = pickBackup(cfg, opts.backup);
  if ("none" in picked) {
    const state = await inspectDatabase(cfg);
    if (state.state === "fresh") {
      return {
        line: `${cfg.path} is not migrated (legacy keys, no mapping): nothing to restore`,
        ok: true,
      };
    }
    return { line: `NOT restored: ${cfg.path} is migrated, but ${picked.none}`, ok: false };
  }
  const marker = picked;
  await verifyBackup(marker);
  const a = await assessRestore(cfg, marker);
  if (!a.migrated) {
    return {
      line: `${cfg.path} is not migrated (legacy keys, no mapping): nothing to restore`,
      ok: true,
    };
  }
  if (a.mismatch && !opts.force) {
    return {
      line: `NOT restored: ${marker.backup} is not the backup taken before this migration (${a.mismatch}); --force restores it anyway`,
      ok: false,
    };
  }
  const lost = describeLosses(a.losses);
  const how = opts.restore ?? "auto";
  let method: "backup" | "sql";
  if (how === "sql") {
    if (a.sqlNotExact)
      return {
        line: `NOT restored: the SQL rollback is not exact here: ${a.sqlNotExact}`,
        ok: false,
      };
    method = "sql";
  } else if (how === "backup" || a.losses.length === 0) {
    if (a.losses.length > 0 && !opts.force) {
      return {
        line: `NOT restored: restoring ${marker.backup} would lose what was written since the migration (${lost}); --restore sql keeps it${a.sqlNotExact ? ` (not exact here: ${a.sqlNotExact})` : ""}, --force restores the backup anyway`,
        ok: false,
      };
    }
    method = "backup";
  } else if (!a.sqlNotExact) {
    method = "sql";
  } else if (opts.force) {
    method = "backup";
  } else {
    return {
      line: `NOT restored: restoring ${marker.backup} would lose what was written since the migration (${lost}), and the SQL rollback that keeps it is not exact here (${a.sqlNotExact}); --force restores the backup anyway`,
      ok: false,
    };
  }
  const taken = `${marker.backup} (taken ${marker.createdAt})`;
  if (method === "backup") {
    const loses = a.losses.length
      ? `; LOSES ${lost}`
      : "; nothing written since the migration is lost";
    if (dry) return { line: `would restore ${cfg.path} from ${taken}${loses}`, ok: true };
    const down = await aroundRestore(system, cfg, res, log, async () => {
      log(`${system.name}: restoring ${cfg.path} from ${marker.backup}`);
      await restoreBackup(marker);
      markRestored(marker, "backup");
    });
    return { line: `restored ${cfg.path} from ${taken}${loses}${down}`, ok: !down };
  }
  const keeps = a.losses.length ? `, keeping what was written since (${lost})` : "";
  if (dry) {
    return {
      line: `would put the legacy keys of ${cfg.path} back by SQL from the mapping table${keeps}; the backup ${marker.backup} is left as it is`,
      ok: true,
    };
  }
  const down = await aroundRestore(system, cfg, res, log, async () => {
    log(`${system.name}: putting the legacy keys of ${cfg.path} back by SQL`);
    await restoreBySql(cfg, marker);
    markRestored(marker, "sql");
  });
  return {
    line: `put the legacy keys of ${cfg.path} back by SQL from the mapping table${keeps}${down}`,
    ok: !down,
  };
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
