import path from "node:path";
import { expect, test } from "vitest";
import { writeCorpus } from "../bench/corpus.ts";
import { optionsFromFlags } from "../src/engine/jscodeshift.ts";
import { runCodemod } from "../src/engine/runner.ts";
import { tempDir } from "./helpers.ts";

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
  const run = (prefilter: boolean) =>
    runCodemod({
      paths: [corpus],
      root: corpus,
      transforms: ["uuid4-to-ulid", "fstring-id-to-ulid"],
      options,
      dryRun: true,
      prefilter,
    });
  const [fast, full] = [await run(true), await run(false)];
  expect(fast.changes.length).toBeGreaterThan(10);
  // Files that only rebuild a key (no target in them) are reached too.
  expect(fast.entries.some((e) => e.outcome === "blocking")).toBe(true);
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});
