// A test hook: `ULID_CODEMOD_TEST_PAUSE=<point>` makes the run write `ULID_CODEMOD_TEST_PAUSE_MARKER`
// (its pid) and wait at that point, so a test can signal or kill it there. The wait ends on a signal
// (`checkInterrupted` then stops the run) or after a minute. Without the variable it costs nothing.
import fs from "node:fs";
import { checkInterrupted, interruption } from "./interrupt.ts";

export async function testPause(point: string): Promise<void> {
  if (process.env.ULID_CODEMOD_TEST_PAUSE !== point) return;
  const marker = process.env.ULID_CODEMOD_TEST_PAUSE_MARKER;
  if (marker) fs.writeFileSync(marker, String(process.pid));
  const until = Date.now() + 60_000;
  while (!interruption() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  checkInterrupted(point);
}
