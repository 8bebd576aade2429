/**
 * `npm run bench`: prints figures and PASS/FAIL against the targets; always exits 0.
 * Results go to bench/results.json. Never part of `npm test`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TRANSFORMS } from "../src/engine/registry.ts";
import { textTable } from "../src/report.ts";
import { DEFAULT_CORPUS, writeCorpus } from "./corpus.ts";
import { alternate } from "./measure.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WORK = path.join(ROOT, "bench/.corpus");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const node = process.execPath;
const bin = path.join(ROOT, "bin/ulid-codemod.js");
const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");

interface Row {
  what: string;
  figure: string;
  target?: string;
  pass?: boolean;
}

function codemodArgs(corpus: string, report: string, extra: string[] = []): string[] {
  const transforms = ["uuid4-to-ulid", "fstring-id-to-ulid"].filter((t) => TRANSFORMS[t]);
  const rules = TRANSFORMS["fstring-id-to-ulid"]
    ? [
        "--target",
        "session_id",
        "--template",
        "{}-{}",
        "--target",
        "entity_id",
        "--template",
        "system:{}",
      ]
    : [];
  return [
    node,
    bin,
    "transform",
    corpus,
    "--root",
    corpus,
    "--dry-run",
    "--transform",
    transforms.join(","),
    ...rules,
    "--report",
    report,
    ...extra,
  ];
}

function benchCodemod(rows: Row[], results: Record<string, unknown>) {
  const corpus = path.join(WORK, "python");
  const info = writeCorpus(corpus, DEFAULT_CORPUS);
  console.log(
    `corpus: ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB, ${info.withSites} with sites`,
  );
  const fast = path.join(WORK, "report-fast.json");
  const slow = path.join(WORK, "report-noprefilter.json");
  const timed = alternate(
    {
      ours: codemodArgs(corpus, fast),
      astGrep: [
        path.join(ROOT, "node_modules/.bin/ast-grep"),
        "run",
        "--pattern",
        "uuid.uuid4()",
        "--rewrite",
        "dhruva.generate()",
        "--lang",
        "python",
        corpus,
      ],
      parseOnly: [node, tsx, path.join(ROOT, "bench/parse-all.ts"), corpus],
    },
    RUNS,
  );
  // The same run without the pre-filter must find exactly the same sites and changes.
  alternate({ noPrefilter: codemodArgs(corpus, slow, ["--no-prefilter"]) }, 0);
  const strip = (f: string) => {
    const j = JSON.parse(readFileSync(f, "utf8"));
    return JSON.stringify({ sites: j.sites, files: j.filesChanged, skipped: j.skipped });
  };
  const identical = strip(fast) === strip(slow);
  const ours = timed.ours as { wallMs: number; peakRssKb: number };
  const ag = timed.astGrep as { wallMs: number; peakRssKb: number };
  const po = timed.parseOnly as { wallMs: number; peakRssKb: number };
  const vsAstGrep = ours.wallMs / ag.wallMs;
  results.codemod = {
    corpus: info,
    runs: RUNS,
    ours,
    astGrep: ag,
    parseOnly: po,
    vsAstGrep,
    vsParseOnly: ours.wallMs / po.wallMs,
    identicalToNoPrefilter: identical,
  };
  const fmt = (x: { wallMs: number; peakRssKb: number }) =>
    `${(x.wallMs / 1000).toFixed(2)} s, ${(x.peakRssKb / 1024).toFixed(0)} MB peak RSS`;
  rows.push(
    { what: "codemod: ulid-codemod transform (dry-run)", figure: fmt(ours) },
    { what: "codemod: ast-grep rewrite uuid.uuid4()", figure: fmt(ag) },
    { what: "codemod: tree-sitter parse of every file", figure: fmt(po) },
    {
      what: "codemod: ours / ast-grep",
      figure: `${vsAstGrep.toFixed(2)}x`,
      target: "<= 1.0x",
      pass: vsAstGrep <= 1,
    },
    { what: "codemod: ours / parse-only", figure: `${(ours.wallMs / po.wallMs).toFixed(2)}x` },
    {
      what: "codemod: same report without pre-filter",
      figure: identical ? "identical" : "DIFFERENT",
      target: "identical",
      pass: identical,
    },
  );
}

async function main() {
  mkdirSync(WORK, { recursive: true });
  const rows: Row[] = [];
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
  };
  benchCodemod(rows, results);
  const table = textTable(
    ["measure", "figure", "target", ""],
    rows.map((r) => [
      r.what,
      r.figure,
      r.target ?? "",
      r.pass === undefined ? "" : r.pass ? "PASS" : "FAIL",
    ]),
  );
  console.log(`\n${table}`);
  writeFileSync(
    path.join(ROOT, "bench/results.json"),
    `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`,
  );
  console.log("\nwritten: bench/results.json");
}

await main();
