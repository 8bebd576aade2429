import { readFileSync } from "node:fs";

// The one place that finds package.json: src/ and the bundle in dist/ both sit one level below it.

export const TOOL_NAME = "ulid-codemod";
export const TOOL_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
