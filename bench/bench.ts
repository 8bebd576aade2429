/**
 * `npm run bench`: prints figures and PASS/FAIL against the targets; always exits 0.
 * Results go to bench/results.json. Never part of `npm test`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { textTable } from "../src/report/table.ts";
import { UlidDeriver } from "../src/sql/ulid.ts";
import { TRANSFORMS } from "../transforms/index.ts";
import { copyPythonInstallation, writeRealisticCorpus } from "./corpus.ts";
import { crackerjackDb } from "./databases.ts";
import { alternate } from "./measure.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WORK = path.join(ROOT, "bench/.corpus");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const node = process.execPath;
// The bundle users run, built fresh into a folder of its own (editing sources mid-run changes
// nothing): the same code path as bin/ulid-codemod.js with a fresh dist/.
const BUNDLE = "dist-bench";
const cli = [
  "--input-type=module",
  "-e",
  `const { main } = await import(${JSON.stringify(path.join(ROOT, BUNDLE, "cli.mjs"))});
   process.exitCode = await main(["node", "ulid-codemod", ...process.argv.slice(1)]);`,
  "--",
];
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
    ...cli,
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

/** ours vs ast-grep (and a parse of every file) on one corpus, alternating; rows per target. */
function benchCorpus(
  label: string,
  corpus: string,
  rows: Row[],
  opts: { parseOnly: boolean; prefilterCheck: boolean },
) {
  const fast = path.join(WORK, `report-${label}.json`);
  const slow = path.join(WORK, `report-${label}-noprefilter.json`);
  const commands: Record<string, string[]> = {
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
  };
  if (opts.parseOnly)
    commands.parseOnly = [node, tsx, path.join(ROOT, "bench/parse-all.ts"), corpus];
  const timed = alternate(commands, RUNS);
  const ours = timed.ours as { wallMs: number; peakRssKb: number };
  const ag = timed.astGrep as { wallMs: number; peakRssKb: number };
  const vsAstGrep = ours.wallMs / ag.wallMs;
  const fmt = (x: { wallMs: number; peakRssKb: number }) =>
    `${(x.wallMs / 1000).toFixed(2)} s, ${(x.peakRssKb / 1024).toFixed(0)} MB peak RSS`;
  const out: Record<string, unknown> = { ours, astGrep: ag, vsAstGrep };
  rows.push(
    { what: `codemod (${label}): ulid-codemod transform (dry-run)`, figure: fmt(ours) },
    { what: `codemod (${label}): ast-grep rewrite uuid.uuid4()`, figure: fmt(ag) },
    {
      what: `codemod (${label}): ours / ast-grep`,
      figure: `${vsAstGrep.toFixed(2)}x`,
      target: "<= 0.5x",
      pass: vsAstGrep <= 0.5,
    },
    {
      what: `codemod (${label}): our peak RSS`,
      figure: `${(ours.peakRssKb / 1024).toFixed(0)} MB`,
      target: "<= 150 MB",
      pass: ours.peakRssKb <= 150 * 1024,
    },
  );
  if (timed.parseOnly) {
    const po = timed.parseOnly as { wallMs: number; peakRssKb: number };
    out.parseOnly = po;
    rows.push(
      { what: `codemod (${label}): tree-sitter parse of every file`, figure: fmt(po) },
      {
        what: `codemod (${label}): ours / parse-only`,
        figure: `${(ours.wallMs / po.wallMs).toFixed(2)}x`,
      },
    );
  }
  if (opts.prefilterCheck) {
    // The same run without the pre-filter must find exactly the same sites and changes.
    alternate({ noPrefilter: codemodArgs(corpus, slow, ["--no-prefilter"]) }, 0);
    const strip = (f: string) => {
      const j = JSON.parse(readFileSync(f, "utf8"));
      return JSON.stringify({ sites: j.sites, files: j.filesChanged, skipped: j.skipped });
    };
    const identical = strip(fast) === strip(slow);
    out.identicalToNoPrefilter = identical;
    rows.push({
      what: `codemod (${label}): same report without pre-filter`,
      figure: identical ? "identical" : "DIFFERENT",
      target: "identical",
      pass: identical,
    });
  }
  return out;
}

function benchCodemod(rows: Row[], results: Record<string, unknown>) {
  const synthetic = path.join(WORK, "python");
  const info = writeRealisticCorpus(synthetic);
  console.log(
    `corpus (synthetic, real statistics): ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB, ${info.uuidFiles} mention uuid, ${info.targetFiles} the rule's target`,
  );
  const real = path.join(WORK, "python-installation");
  const realInfo = copyPythonInstallation(real);
  console.log(
    `corpus (this machine's python3, copied): ${realInfo.files} files, ${(realInfo.bytes / 1e6).toFixed(1)} MB from ${realInfo.from.join(", ")}`,
  );
  results.codemod = {
    runs: RUNS,
    synthetic: {
      corpus: info,
      ...benchCorpus("synthetic", synthetic, rows, { parseOnly: true, prefilterCheck: true }),
    },
    installation: {
      corpus: realInfo,
      ...benchCorpus("python3 installation", real, rows, {
        parseOnly: false,
        prefilterCheck: true,
      }),
    },
  };
}

function crackerjackConfig(dir: string, db: string): string {
  const file = path.join(dir, `plan-${path.basename(db, ".sqlite")}.yaml`);
  writeFileSync(
    file,
    [
      "version: 1",
      "systems:",
      "  crackerjack:",
      "    repo: .",
      "    transforms: [uuid4-to-ulid]",
      "    database:",
      "      engine: sqlite",
      `      path: ${path.basename(db)}`,
      "      salt: bench-salt",
      "      tables:",
      "        - { table: jobs, key: job_id, strategy: rewrite-in-place, time: { column: start_time } }",
      "",
    ].join("\n"),
  );
  return file;
}

function benchBackfill(rows: Row[], results: Record<string, unknown>) {
  const sizes = (process.env.BENCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
  const per: Record<string, unknown> = {};
  const rss: Record<number, number> = {};
  for (const n of sizes) {
    const db = crackerjackDb(path.join(WORK, `crackerjack-${n}.sqlite`), n);
    const plan = crackerjackConfig(WORK, db);
    const out = path.join(WORK, `sql-${n}`);
    const sql = (verb: string) => [
      node,
      ...cli,
      "sql",
      verb,
      "--system",
      "crackerjack",
      "--config",
      plan,
      "--out",
      out,
    ];
    // verify needs generate's files; runs alternate so each verify sees the files just written.
    // A million-row verify takes minutes: fewer rounds and no warm-up there (the OS cache is warm
    // from generate anyway).
    const big = n >= 1_000_000;
    const timed = alternate(
      { generate: sql("generate"), verify: sql("verify") },
      big ? Math.min(RUNS, 2) : RUNS,
      !big,
    );
    const g = timed.generate as { wallMs: number; peakRssKb: number };
    const v = timed.verify as { wallMs: number; peakRssKb: number };
    rss[n] = g.peakRssKb;
    per[n] = {
      generate: g,
      verify: v,
      generateRowsPerSec: n / (g.wallMs / 1000),
      verifyRowsPerSec: n / (v.wallMs / 1000),
    };
    const rate = n / (g.wallMs / 1000);
    rows.push(
      {
        what: `sql generate, ${n.toLocaleString("en")} jobs`,
        figure: `${Math.round(rate).toLocaleString("en")} rows/s, ${(g.peakRssKb / 1024).toFixed(0)} MB`,
        ...(n === 1_000_000 ? { target: ">= 300,000 rows/s", pass: rate >= 300_000 } : {}),
      },
      {
        what: `sql verify, ${n.toLocaleString("en")} jobs`,
        figure: `${Math.round(n / (v.wallMs / 1000)).toLocaleString("en")} rows/s, ${(v.peakRssKb / 1024).toFixed(0)} MB`,
      },
    );
  }
  const small = rss[Math.min(...sizes)];
  const large = rss[Math.max(...sizes)];
  if (small && large && sizes.length > 1) {
    const ratio = large / small;
    rows.push({
      what: "sql generate: peak RSS largest / smallest",
      figure: `${ratio.toFixed(2)}x`,
      target: "<= 1.5x",
      pass: ratio <= 1.5,
    });
  }
  results.backfill = per;
}

function benchDerivation(rows: Row[], results: Record<string, unknown>) {
  const n = 1_000_000;
  const ids = Array.from(
    { length: n },
    (_, i) => `0f8fad5b-d9cb-469f-a165-${String(i).padStart(12, "0")}`,
  );
  const run = (sameMs: boolean) => {
    const d = new UlidDeriver("bench-salt");
    let ms = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 50_000; i++) d.next(ms++, ids[i] as string);
    const t = performance.now();
    for (let i = 0; i < n; i++) d.next(sameMs ? ms : ms++, ids[i] as string);
    return n / ((performance.now() - t) / 1000);
  };
  // Median of RUNS passes: one pass is a fraction of a second, so a burst of load elsewhere on
  // the machine can halve a single figure.
  const median = (sameMs: boolean) => {
    const rates = Array.from({ length: RUNS }, () => run(sameMs)).sort((a, b) => a - b);
    return rates[Math.floor(rates.length / 2)] as number;
  };
  const distinct = median(false);
  const same = median(true);
  results.derivation = { runs: RUNS, idsPerSecDistinctMs: distinct, idsPerSecSameMs: same };
  rows.push(
    {
      what: "ULID derivation, every row its own ms",
      figure: `${(distinct / 1e6).toFixed(2)}M IDs/s`,
      target: ">= 1M IDs/s",
      pass: distinct >= 1e6,
    },
    { what: "ULID derivation, rows sharing a ms", figure: `${(same / 1e6).toFixed(2)}M IDs/s` },
  );
}

async function main() {
  mkdirSync(WORK, { recursive: true });
  // Measure what users run: the bundle, rebuilt from the current sources.
  execFileSync(node, [path.join(ROOT, "bin/build.js"), BUNDLE], { stdio: "inherit" });
  const rows: Row[] = [];
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
  };
  const only = process.env.BENCH_ONLY?.split(",");
  if (!only || only.includes("codemod")) benchCodemod(rows, results);
  if (!only || only.includes("backfill")) benchBackfill(rows, results);
  if (!only || only.includes("derivation")) benchDerivation(rows, results);
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
