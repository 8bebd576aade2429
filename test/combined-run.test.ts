import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, test, vi } from "vitest";
import { parsePython, reparsePython } from "../src/codemod/python/parse.ts";
import { runTransforms } from "../transforms/index.ts";
import { flagOptions } from "./helpers.ts";

// Counts parses; every call still goes to the real tree-sitter parser.
vi.mock("../src/codemod/python/parse.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/codemod/python/parse.ts")>();
  return {
    ...real,
    parsePython: vi.fn(real.parsePython),
    reparsePython: vi.fn(real.reparsePython),
  };
});

const scratch = mkdtempSync(path.join(os.tmpdir(), "ulid-combined-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  vi.mocked(parsePython).mockClear();
  vi.mocked(reparsePython).mockClear();
});

const SERVICE = [
  "import uuid",
  "",
  "",
  "def start(project, n):",
  '    session_id = f"s-{uuid.uuid4()}"',
  "    request_id = str(uuid.uuid4())",
  '    run_id = f"{project}-{n}"',
  "    return session_id, request_id, run_id",
  "",
].join("\n");

async function combined(name: string, transforms: string[]) {
  const dir = path.join(scratch, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "service.py"), SERVICE);
  writeFileSync(path.join(dir, "other.py"), "def other():\n    return 1\n");
  const result = await runTransforms({
    paths: [dir],
    root: dir,
    transforms,
    options: await flagOptions({ rules: [{ target: "session_id" }, { target: "run_id" }] }),
    dryRun: false,
  });
  return { result, output: readFileSync(path.join(dir, "service.py"), "utf8") };
}

const brief = (e: { line: number; transform: string; outcome: string }) =>
  `${e.line} ${e.transform} ${e.outcome}`;

describe("uuid4-to-ulid and fstring-id-to-ulid in one run", () => {
  test("one parse per file, one import update; the f-string keeps the earlier rewrite inside it", async () => {
    const { result, output } = await combined("uuid-first", [
      "uuid4-to-ulid",
      "fstring-id-to-ulid",
    ]);
    // service.py parsed once, its output once more (incrementally) to check it; other.py is not
    // a candidate.
    expect(vi.mocked(parsePython)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(reparsePython)).toHaveBeenCalledTimes(1);
    expect(output).toBe(
      [
        "import dhruva",
        "",
        "",
        "def start(project, n):",
        '    session_id = f"s-{dhruva.generate()}"',
        "    request_id = dhruva.generate()",
        "    run_id = dhruva.generate()",
        "    return session_id, request_id, run_id",
        "",
      ].join("\n"),
    );
    expect(result.entries.map(brief)).toEqual([
      "5 fstring-id-to-ulid needs-review",
      "5 uuid4-to-ulid rewritten",
      "6 uuid4-to-ulid rewritten",
      "7 fstring-id-to-ulid rewritten",
    ]);
    expect(result.entries[0]?.reason).toMatch(/^overlaps an edit of an earlier transform/);
  });

  test("in the other order the whole f-string goes and the uuid4 inside it is not claimed", async () => {
    const { result, output } = await combined("fstring-first", [
      "fstring-id-to-ulid",
      "uuid4-to-ulid",
    ]);
    expect(output.match(/^import (dhruva|uuid)$/gm)).toEqual(["import dhruva"]);
    expect(output).toContain("    session_id = dhruva.generate()\n");
    const inside = result.entries.find((e) => e.line === 5 && e.transform === "uuid4-to-ulid");
    expect(inside?.outcome).toBe("unchanged");
    expect(inside?.after).toBeNull();
    expect(inside?.reason).toMatch(/^inside code that fstring-id-to-ulid replaced as a whole/);
  });
});
