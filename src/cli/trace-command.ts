// `ulid-codemod trace ID [--config FILE] [--json]`: the ID looked up in every system's mapping
// table (read-only), legacy -> ULID and ULID -> legacy, with the ULID's time and its references.
import type { Command } from "commander";
import type { CliDeps } from "./io.ts";

export function registerTraceCommand(program: Command, deps: CliDeps = {}): void {
  program
    .command("trace")
    .description(
      "look an ID up in every system's mapping table (legacy ID -> ULID and back), with the ULID's time and the child rows that reference it",
    )
    .argument("<id>", "a legacy ID or a ULID")
    .option("--config <file>", "migration plan (default: ./ulid-migration.yaml)")
    .option("--json", "print the result as JSON")
    .action(async (id: string, flags: { config?: string; json?: boolean }) => {
      const out = deps.out ?? ((t: string) => process.stdout.write(t));
      const [{ loadConfig }, { traceId }, { textTable }] = await Promise.all([
        import("../plan/load.ts"),
        import("../live/trace.ts"),
        import("../report/table.ts"),
      ]);
      const config = loadConfig(flags.config);
      const r = await traceId(id, config.systems);
      if (flags.json) {
        out(`${JSON.stringify(r, null, 2)}\n`);
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
