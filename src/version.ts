import { readFileSync } from "node:fs";

export const TOOL_NAME = "ulid-codemod";
export const TOOL_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
