import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";

test("the CLI entry point runs through npx-style bin", () => {
  const out = execFileSync(process.execPath, ["bin/ulid-codemod.js", "--help"], {
    encoding: "utf8",
  });
  expect(out).toContain("hello");
});
