#!/usr/bin/env node
import { readdirSync, statSync } from "node:fs";

// `ulid-codemod ... | head` closes the pipe early; that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const root = new URL("..", import.meta.url);

function newest(dir) {
  let latest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? "/" : ""), dir);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

// The bundle `npm ci` builds starts in plain Node; sources edited since then win, through tsx.
function bundleIsFresh() {
  try {
    const built = statSync(new URL("dist/cli.mjs", root)).mtimeMs;
    return built >= Math.max(newest(new URL("src/", root)), newest(new URL("transforms/", root)));
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import("../dist/cli.mjs"));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv);
