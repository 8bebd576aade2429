import path from "node:path";

/** A relative path with `/` separators, as reports and git show paths. */
export function toPosix(rel: string): string {
  return rel.split(path.sep).join("/");
}
