import { expect, test } from "vitest";
import { runCli } from "./helpers.ts";

test("npx-style bin: --help lists every command, --version prints the package version", () => {
  const help = runCli(["--help"]);
  expect(help.status).toBe(0);
  for (const cmd of ["transform", "init", "migrate", "rollback", "demo"])
    expect(help.stdout).toContain(cmd);
  const version = runCli(["--version"]);
  expect(version.stdout.trim()).toBe("0.1.0");
});
