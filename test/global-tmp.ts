// Every test run gets a temp folder of its own (TMPDIR for the test processes and what they
// spawn), and the run fails if anything is left in it: tests leave nothing in the system temp dir.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-vitest-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    process.env.TMPDIR = previous;
    // tsx keeps a compile cache there when the CLI runs from sources; it is tsx's, not a test's.
    const left = fs.readdirSync(dir).filter((f) => !f.startsWith("tsx-"));
    fs.rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`tests left ${left.length} entries in the temp dir: ${left.join(", ")}`);
    }
  };
}
