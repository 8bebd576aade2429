// Options more than one transform reads: one declaration each, so `--untruncate` (and the plan's
// `untruncate`) means the same thing for Python and TypeScript.
import type { BooleanSpec } from "../src/codemod/api.ts";

export const untruncateOption: BooleanSpec = {
  key: "untruncate",
  kind: "boolean",
  description: "rewrite truncated IDs to the full 26-character ULID",
  default: false,
};
