#!/usr/bin/env node
// Bundles the CLI's own TypeScript into dist/cli.mjs (dependencies stay external), so the command
// starts in plain Node instead of through tsx. Run by `npm ci`/`npm install` (prepare). A failed
// build is not fatal: bin/ulid-codemod.js then runs the sources through tsx.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// A folder one level below the root, like dist/ (the bundle finds package.json at ../).
const outdir = `${root}${process.argv[2] ?? "dist"}`;
try {
  rmSync(outdir, { recursive: true, force: true });
  const { build } = await import("esbuild");
  await build({
    entryPoints: {
      cli: `${root}src/cli/main.ts`,
      // Worker threads load their entry by file name, next to the chunk that starts them.
      "map-body-worker": `${root}src/sql/map-body-worker.ts`,
      "orphans-worker": `${root}src/sql/orphans-worker.ts`,
      "run-worker": `${root}transforms/run-worker.ts`,
    },
    outdir,
    outExtension: { ".js": ".mjs" },
    // Chunks per dynamic import keep each command's dependencies out of the others' start-up.
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
    // CommonJS parts (the lazy native loader) call require(); ESM has none of its own.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  });
} catch (err) {
  console.warn(`ulid-codemod: no bundle built (${err.message}); the CLI will run from sources.`);
}
