// `ulid-codemod trace ID [--config FILE] [--json]`: the ID looked up in every system's mapping
// table (read-only), legacy -> ULID and ULID -> legacy, with the ULID's time and its references.
import type { Command } from "commander";
import { JSON_FORMAT, toJson } from "../report/json-format.ts";
import type { TraceJson } from "../report/schema.ts";
import { TOOL_NAME, TOOL_VERSION } from "../version.ts";
import type { CliDeps } from "./io.ts";

export function registerTraceCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("trace")
    .description(
      "look an ID up in every system's mapping table (legacy ID -> ULID and back), with the ULID's time and the child rows that reference it",
    )
    .argument("<id>", "a legacy ID or a ULID")
    .option(
      "--config <file>",
      "migration plan (default: ULID_CODEMOD_CONFIG, else the nearest ulid-migration.yaml)",
    )
    .option("--json", "the traceJsonSchema document on stdout (see README, JSON output)")
    .addHelpText(
      "after",
      `
Examples:
  $ ulid-codemod trace 0b7c3a2e-5f1d-4c8e-9a6b-2d4e6f8a0c1e
  $ ulid-codemod trace 01HV3K8Z9Q4W2X7Y5T6R1S0P3N --json`,
    )
    .action(async (id: string, flags: { config?: string; json?: boolean }) => {
      const out = deps.out ?? ((t: string) => process.stdout.write(t));
      const [{ loadConfig }, { traceId }, { textTable }] = await Promise.all([
        import("../plan/load.ts"),
        import("../live/trace.ts"),
        import("../report/table.ts"),
      ]);
      const config = loadConfig(flags.config, { env: deps.env ?? process.env });
      const r = await traceId(id, config.systems);
      if (flags.json) {
        const doc: TraceJson = {
          format: JSON_FORMAT,
          tool: TOOL_NAME,
          version: TOOL_VERSION,
          ok: r.hits.length > 0,
          command: "trace",
          ...r,
        };
        out(toJson(doc));
      } else {
        if (r.hits.length > 0) {
          const rows = r.hits.map((h) => [
            h.system,
            h.table,
            h.legacyId,
            h.ulid,
            h.time,
            h.children
              .map((c) => `${c.table}.${c.column}: ${c.count}${c.indexed ? "" : " (no index)"}`)
              .join(", ") || "-",
          ]);
          out(
            `${textTable(["system", "table", "legacy ID", "ULID", "time (from the ULID)", "referenced by"], rows)}\n`,
          );
        } else {
          out(`${id}: not found\n`);
        }
        if (r.time && r.hits.length === 0) {
          out(
            `${id} is a ULID minted at ${r.time} (no mapping table has it: written after the migration, or by a system outside the plan)\n`,
          );
        }
        for (const n of r.notes) out(`${n.system}: ${n.reason}\n`);
      }
      if (r.hits.length === 0) {
        throw new Error(
          `trace: ${id} is in no mapping table${r.searched.length ? ` (looked in ${r.searched.join(", ")})` : " (no system's database is migrated)"}`,
        );
      }
    });
}
