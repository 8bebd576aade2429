// The format number and printer of every JSON document, apart from their zod schemas
// (schema.ts) so the commands that only write JSON do not load zod at start-up.

/** Bumped when a key changes meaning or goes away (new keys do not bump it). */
export const JSON_FORMAT = 1;

/** Pretty JSON with a final newline: what every `--json` and report file gets. */
export function toJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
