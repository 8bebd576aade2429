// Review items as SARIF 2.1.0 (`--sarif FILE`), so GitHub code scanning or any SARIF viewer shows
// them inline: a rule per kind of reason, level error for blocking, warning for needs-review and
// files not processed, note for notes, the exact region of each site. Rewritten and unchanged
// sites are not review items and are left out.
import { pathToFileURL } from "node:url";
import type * as Sarif from "sarif";
import type { ReportEntry } from "../codemod/plugin.ts";
import type { RunResult } from "../codemod/runner.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import { ruleOf } from "./rules.ts";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** One run per repository (a system of the plan, or the `transform` root). */
export interface SarifRunInput {
  result: RunResult;
  /** Absolute path the report paths are relative to. */
  root: string;
  /** The system's name: the run's automation id (a code-scanning category). */
  id?: string;
  /** For versionControlProvenance: the repository's web URL, the commit and branch scanned. */
  repository?: { uri: string | null; revision: string | null; branch: string | null };
}

const LEVEL: Partial<Record<ReportEntry["outcome"], Sarif.Result.level>> = {
  blocking: "error",
  "needs-review": "warning",
  note: "note",
};

const SKIPPED_RULE = "file-not-processed";

/** The region a site covers: its start, and its end from the text it spans. */
function region(e: ReportEntry): Sarif.Region {
  const lines = e.before.split(/\r\n|\r|\n/);
  const last = lines.at(-1) ?? "";
  const endLine = e.line + lines.length - 1;
  const endColumn = (lines.length === 1 ? e.column : 1) + last.length;
  return {
    startLine: e.line,
    startColumn: e.column,
    endLine,
    // An empty span (a file-level item) still needs a column past its start.
    endColumn: Math.max(endColumn, e.column + (e.before ? 0 : 1)),
    ...(e.before ? { snippet: { text: e.before } } : {}),
  };
}

function run(input: SarifRunInput): Sarif.Run {
  const rules = new Map<string, Sarif.ReportingDescriptor>();
  const ruleIndex = (id: string, title: string, level: Sarif.Result.level) => {
    if (!rules.has(id)) {
      rules.set(id, {
        id,
        name: id
          .split(/[/-]/)
          .map((w) => (w ? w[0]?.toUpperCase() + w.slice(1) : w))
          .join(""),
        shortDescription: { text: title },
        defaultConfiguration: { level },
      });
    }
    return [...rules.keys()].indexOf(id);
  };
  const results: Sarif.Result[] = [];
  const entries = input.result.entries
    .filter((e) => LEVEL[e.outcome])
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  for (const e of entries) {
    const level = LEVEL[e.outcome] as Sarif.Result.level;
    const rule = ruleOf(e);
    results.push({
      ruleId: rule.id,
      ruleIndex: ruleIndex(rule.id, rule.title, level),
      level,
      message: { text: e.reason },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(e.file), uriBaseId: "SRCROOT" },
            region: region(e),
          },
        },
      ],
      properties: { outcome: e.outcome, transform: e.transform, after: e.after },
    });
  }
  for (const s of input.result.skipped) {
    results.push({
      ruleId: SKIPPED_RULE,
      ruleIndex: ruleIndex(SKIPPED_RULE, "file not processed", "warning"),
      level: "warning",
      message: { text: `not processed: ${s.reason}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: encodeURI(s.file), uriBaseId: "SRCROOT" } },
        },
      ],
    });
  }
  const root = pathToFileURL(input.root).href;
  const repo = input.repository;
  return {
    tool: {
      driver: {
        name: TOOL_NAME,
        version: TOOL_VERSION,
        rules: [...rules.values()],
      },
    },
    ...(input.id ? { automationDetails: { id: `${TOOL_NAME}/${input.id}/` } } : {}),
    originalUriBaseIds: { SRCROOT: { uri: root.endsWith("/") ? root : `${root}/` } },
    columnKind: "utf16CodeUnits",
    ...(repo?.uri
      ? {
          versionControlProvenance: [
            {
              repositoryUri: repo.uri,
              ...(repo.revision ? { revisionId: repo.revision } : {}),
              ...(repo.branch ? { branch: repo.branch } : {}),
              mappedTo: { uriBaseId: "SRCROOT" },
            },
          ],
        }
      : {}),
    results,
  };
}

export function sarifLog(runs: SarifRunInput[]): Sarif.Log {
  return { $schema: SARIF_SCHEMA, version: "2.1.0", runs: runs.map(run) };
}
