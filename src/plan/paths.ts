// Where the plan and what the tool commits live: one place for every path name.
import path from "node:path";

export const CONFIG_FILE = "ulid-migration.yaml";

/** The folder of a system's committed reports (and, by default, SQL) in its repository. */
export function reportDir(system: string): string {
  return `.ulid-migration/${system}`;
}

/**
 * Where a system's SQL lives in its repository (repo-relative, `/` separators): `database.sqlDir`,
 * else `.ulid-migration/<system>/sql`. A folder outside the repository is refused.
 */
export function sqlDirFor(system: {
  name: string;
  repo: string;
  database?: { sqlDir?: string };
}): string {
  const dir = system.database?.sqlDir ?? `${reportDir(system.name)}/sql`;
  const rel = path.relative(system.repo, path.resolve(system.repo, dir));
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new Error(
      `${system.name}: database.sqlDir ${dir} is outside the repository ${system.repo}`,
    );
  }
  return rel.split(path.sep).join("/");
}
