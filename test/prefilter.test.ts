import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { writeCorpus } from "../bench/corpus.ts";
import { optionsFromFlags } from "../src/engine/jscodeshift.ts";
import { runCodemod } from "../src/engine/runner.ts";
import type { TransformOptions } from "../src/engine/types.ts";
import { tempDir } from "./helpers.ts";

const bothRuns = async (dir: string, options: TransformOptions) => {
  const run = (prefilter: boolean) =>
    runCodemod({
      paths: [dir],
      root: dir,
      transforms: ["uuid4-to-ulid", "fstring-id-to-ulid"],
      options,
      dryRun: true,
      prefilter,
    });
  return { fast: await run(true), full: await run(false) };
};

test("the text pre-filter never drops a file that parsing everything would change or report", async () => {
  const dir = tempDir();
  const corpus = path.join(dir, "corpus");
  // The benchmark's generator, smaller and denser in sites.
  const info = writeCorpus(corpus, { files: 120, bytesPerFile: 2_000, siteRatio: 0.25, seed: 7 });
  expect(info.withSites).toBeGreaterThan(10);
  const options = optionsFromFlags({
    rules: [
      { target: "session_id", template: "{}-{}", naturalKeys: "skip" },
      { target: "entity_id", template: "system:{}", naturalKeys: "rewrite-and-flag" },
    ],
  });
  const { fast, full } = await bothRuns(corpus, options);
  expect(fast.changes.length).toBeGreaterThan(10);
  // Files that only rebuild a key (no target in them) are reached too.
  expect(fast.entries.some((e) => e.outcome === "blocking")).toBe(true);
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});

test("when the second pass adds no file, the first pass's indexes give the same result", async () => {
  const dir = tempDir();
  const key = 'session_id = f"{project_name}-{timestamp}"\n';
  writeFileSync(path.join(dir, "a.py"), key);
  writeFileSync(path.join(dir, "b.py"), `${key}again = f"{project_name}-{timestamp}"\n`);
  writeFileSync(path.join(dir, "c.py"), 'print(f"{x}-{y}")\n');
  writeFileSync(path.join(dir, "d.py"), "x = 1\n");
  const options = optionsFromFlags({ target: "session_id", template: "{}-{}" });
  const { fast, full } = await bothRuns(dir, options);
  const review = fast.entries.filter((e) => e.outcome === "needs-review");
  expect(review.map((e) => e.file)).toEqual(["a.py", "b.py"]);
  for (const e of review) expect(e.reason).toContain("b.py:2");
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});
