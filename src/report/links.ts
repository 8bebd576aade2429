// Where each site of a report is: a permalink to its exact line, on the base commit for sites left
// as they were and on the migration commit for rewritten ones (whose line may have moved: an
// import added above it), and the per-file +/- counts of the rewrite.
import { diffLines } from "diff";
import type { ReportEntry } from "../codemod/plugin.ts";
import type { FileChange } from "../codemod/runner.ts";

export interface LinkTargets {
  /** `https://host/owner/repo`, or null when the repository has no web home the tool knows. */
  web: string | null;
  /** The commit the migration starts from (sites left unchanged). */
  base: string | null;
  /**
   * The migration commit (rewritten sites). Null in the committed report, which cannot name its
   * own commit: its rewritten sites link relatively, resolving at whatever commit it is read.
   */
  head: string | null;
  /** The committed report's folder (repo-relative), for those relative links. */
  reportDir?: string;
}

/** Old line -> new line of one changed file, and its +/- counts. */
export interface FileLines {
  map(oldLine: number): number;
  added: number;
  removed: number;
}

export function fileLines(before: string, after: string): FileLines {
  // Runs of [oldStart, newStart, oldCount, newCount] for every changed block, in order.
  const blocks: [number, number, number, number][] = [];
  let oldLine = 1;
  let newLine = 1;
  let added = 0;
  let removed = 0;
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!p) continue;
    const n = p.count ?? 0;
    if (!p.added && !p.removed) {
      oldLine += n;
      newLine += n;
      continue;
    }
    const next = parts[i + 1];
    const del = p.removed ? n : 0;
    const add = p.added ? n : next?.added && p.removed ? (next.count ?? 0) : 0;
    if (p.removed && next?.added) i++;
    blocks.push([oldLine, newLine, del, add]);
    oldLine += del;
    newLine += add;
    added += add;
    removed += del;
  }
  return {
    added,
    removed,
    map(line) {
      let shift = 0;
      for (const [os, ns, oc, nc] of blocks) {
        if (line < os) break;
        if (line < os + oc) return ns + Math.min(line - os, Math.max(nc - 1, 0));
        shift = ns + nc - (os + oc);
      }
      return line + shift;
    },
  };
}

const computed = new WeakMap<readonly FileChange[], Map<string, FileLines>>();

/** The line map of every changed file, by report path (computed once per run's changes). */
export function changedLines(changes: readonly FileChange[]): Map<string, FileLines> {
  let lines = computed.get(changes);
  if (!lines) {
    lines = new Map(changes.map((c) => [c.file, fileLines(c.before, c.after)]));
    computed.set(changes, lines);
  }
  return lines;
}

/** Encodes a repo path for a URL, keeping its `/`s. */
function urlPath(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

/**
 * The link for a site, or null when none can be made: the migration commit's line for a rewrite,
 * the base commit's for anything left as it was.
 */
export function siteLink(
  entry: Pick<ReportEntry, "file" | "line" | "outcome">,
  targets: LinkTargets,
  lines: Map<string, FileLines>,
): string | null {
  if (entry.outcome === "rewritten") {
    const line = lines.get(entry.file)?.map(entry.line) ?? entry.line;
    if (targets.head && targets.web) {
      return `${targets.web}/blob/${targets.head}/${urlPath(entry.file)}#L${line}`;
    }
    if (targets.reportDir !== undefined) {
      const up = targets.reportDir.split("/").filter(Boolean).length;
      return `${"../".repeat(up)}${urlPath(entry.file)}#L${line}`;
    }
    return null;
  }
  if (targets.base && targets.web) {
    return `${targets.web}/blob/${targets.base}/${urlPath(entry.file)}#L${entry.line}`;
  }
  return null;
}
