import type { CodemodPlugin } from "../../src/codemod/plugin.ts";
import { plugin as uuid4 } from "../../transforms/uuid4-to-ulid.ts";

/** uuid4-to-ulid, except that its analysis fails on any file named boom*.py. */
export const throwingPlugin: CodemodPlugin = {
  ...uuid4,
  name: "throws-on-boom",
  analyze(ctx, options, index) {
    if (/(^|\/)boom[^/]*\.py$/.test(ctx.path)) throw new Error("analysis failed");
    return uuid4.analyze(ctx, options, index);
  },
};
