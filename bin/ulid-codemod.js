#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), so `npx ulid-codemod` works right after `npm ci`.
import { register } from "tsx/esm/api";

// `ulid-codemod ... | head` closes the pipe early; that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
