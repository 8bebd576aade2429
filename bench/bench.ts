/**
 * `npm run bench`: prints figures and PASS/FAIL against the targets; always exits 0.
 * Results go to bench/results.json. Never part of `npm test`.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { lookupSql, traceId } from "../src/live/trace.ts";
import { parseConfig } from "../src/plan/load.ts";
import { textTable } from "../src/report/table.ts";
import { openDb } from "../src/sql/db.ts";
import { mapDdl } from "../src/sql/sqltext.ts";
import { UlidDeriver } from "../src/sql/ulid.ts";
import { TRANSFORMS } from "../transforms/index.ts";
import { type ApplyBench, benchApplyAt } from "./apply.ts";
import { benchApplyDuckAt } from "./apply-duckdb.ts";
import { copyPythonInstallation, writeRealisticCorpus } from "./corpus.ts";
import { crackerjackDb, crackerjackSystem, sessionBuddyDb } from "./databases.ts";
import { alternate, measure, median } from "./measure.ts";

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
    const read = (f: string) => JSON.parse(readFileSync(f, "utf8"));
    const [a, b] = [read(fast), read(slow)];
    // Sites and changes must be the same. Skips may not: without the pre-filter every file is
    // parsed, so files that mention no ID but do not parse (the standard library's own
    // badsyntax test files) are skipped there too; every skip of the filtered run must be there.
    const skipsOf = (j: { skipped: unknown[] }) => new Set(j.skipped.map((x) => JSON.stringify(x)));
    const slowSkips = skipsOf(b);
    const identical =
      JSON.stringify([a.sites, a.filesChanged]) === JSON.stringify([b.sites, b.filesChanged]) &&
      [...skipsOf(a)].every((x) => slowSkips.has(x));
    out.identicalToNoPrefilter = identical;
    rows.push({
      what: `codemod (${label}): same sites and changes without pre-filter`,
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
    ["version: 1", "systems:", ...crackerjackSystem(path.basename(db)), ""].join("\n"),
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

/** `migrate --apply` against the hand-written floor, at 200k jobs (+600k children) and 1M. */
function benchApply(rows: Row[], results: Record<string, unknown>) {
  const sizes = (process.env.BENCH_APPLY_SIZES ?? "200000,1000000").split(",").map(Number);
  const per: Record<string, unknown> = {};
  const rss: Record<number, number> = {};
  for (const n of sizes) {
    const source = crackerjackDb(path.join(WORK, `crackerjack-${n}.sqlite`), n);
    // A million rows take minutes per round: fewer rounds there.
    const r = benchApplyAt(source, WORK, n >= 1_000_000 ? 1 : Math.min(RUNS, 3), [node, ...cli]);
    rss[n] = r.ours.peakRssKb;
    per[n] = r;
    const ratio = r.ours.wallMs / r.floor.wallMs;
    rows.push({
      what: `migrate --apply, ${n.toLocaleString("en")} jobs + ${(3 * n).toLocaleString("en")} children`,
      figure: `${(r.ours.wallMs / 1000).toFixed(1)} s vs floor ${(r.floor.wallMs / 1000).toFixed(1)} s = ${ratio.toFixed(2)}x, ${(r.ours.peakRssKb / 1024).toFixed(0)} MB`,
      ...(n === 200_000
        ? { target: "<= 1.0x, <= 300 MB", pass: ratio <= 1 && r.ours.peakRssKb <= 300 * 1024 }
        : {}),
    });
  }
  const small = rss[200_000];
  const large = rss[1_000_000];
  if (small && large) {
    rows.push({
      what: "migrate --apply: peak RSS 1M / 200k",
      figure: `${(large / small).toFixed(2)}x`,
      target: "<= 1.3x",
      pass: large / small <= 1.3,
    });
  }
  results.apply = per;
}

/** `sql verify` at 1M jobs against the apply floor at 1M (both from this run, when both ran). */
function verifyAgainstFloor(rows: Row[], results: Record<string, unknown>) {
  const n = 1_000_000;
  const verify = (results.backfill as Record<number, { verify: { wallMs: number } }> | undefined)?.[
    n
  ]?.verify;
  const floor = (results.apply as Record<number, ApplyBench> | undefined)?.[n]?.floor;
  if (!verify || !floor) return;
  const ratio = verify.wallMs / floor.wallMs;
  rows.push({
    what: "sql verify, 1,000,000 jobs: against the apply floor",
    figure: `${(verify.wallMs / 1000).toFixed(1)} s vs ${(floor.wallMs / 1000).toFixed(1)} s = ${ratio.toFixed(2)}x`,
    target: "<= 2x",
    pass: ratio <= 2,
  });
}

/** `migrate --apply` on DuckDB against its hand-written floor, at 200k Session-Buddy sessions. */
async function benchApplyDuck(rows: Row[], results: Record<string, unknown>) {
  const sizes = (process.env.BENCH_DUCK_SIZES ?? "200000").split(",").map(Number);
  const per: Record<string, unknown> = {};
  for (const n of sizes) {
    const source = await sessionBuddyDb(path.join(WORK, `session-buddy-${n}.duckdb`), n);
    const r = await benchApplyDuckAt(source, WORK, Math.min(RUNS, 3), [node, ...cli]);
    per[n] = r;
    const ratio = r.ours.wallMs / r.floor.wallMs;
    const children = Object.entries(r.children)
      .map(([t, c]) => `${c.toLocaleString("en")} ${t}`)
      .join(", ");
    console.log(`apply (DuckDB), ${n.toLocaleString("en")} sessions: children ${children}`);
    rows.push({
      what: `migrate --apply (DuckDB), ${n.toLocaleString("en")} sessions + children`,
      figure: `${(r.ours.wallMs / 1000).toFixed(1)} s vs floor ${(r.floor.wallMs / 1000).toFixed(1)} s = ${ratio.toFixed(2)}x, ${(r.ours.peakRssKb / 1024).toFixed(0)} MB`,
      ...(n === 200_000 ? { target: "<= 1.0x", pass: ratio <= 1 } : {}),
    });
  }
  results.applyDuckdb = per;
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

/**
 * `trace ID` on mapping tables of 1M rows (the generated map DDL, so the same indexes): one
 * lookup per call, legacy ID or ULID in turn, each call opening the database as the command does.
 */
async function benchTrace(rows: Row[], results: Record<string, unknown>) {
  const n = Number(process.env.BENCH_TRACE_ROWS ?? 1_000_000);
  const sqlite = path.join(WORK, `trace-${n}.sqlite`);
  if (!existsSync(sqlite)) {
    const tmp = `${sqlite}.building`;
    copyFileSync(crackerjackDb(path.join(WORK, `crackerjack-${n}.sqlite`), n), tmp);
    const db = new Database(tmp);
    db.exec(mapDdl("sqlite"));
    // ULID-shaped, distinct, in row order like a backfill's (real ones are derived from time).
    db.exec(
      `INSERT INTO ulid_migration_map SELECT 'jobs', job_id, printf('01J%023d', id) FROM jobs`,
    );
    db.close();
    renameSync(tmp, sqlite);
  }
  const duck = path.join(WORK, `trace-${n}.duckdb`);
  if (!existsSync(duck)) {
    const tmp = `${duck}.building`;
    rmSync(tmp, { force: true });
    const inst = await DuckDBInstance.create(tmp);
    const conn = await inst.connect();
    await conn.run(`CREATE TABLE sessions (session_id VARCHAR PRIMARY KEY, started TIMESTAMP);
      INSERT INTO sessions SELECT 'project-' || i, TIMESTAMP '2024-03-01' + INTERVAL (i) SECOND FROM range(${n}) t(i);
      ${mapDdl("duckdb")}
      INSERT INTO ulid_migration_map SELECT 'sessions', session_id, printf('01J%023d', row_number() OVER (ORDER BY started)) FROM sessions;
      CHECKPOINT;`);
    conn.closeSync();
    inst.closeSync();
    renameSync(tmp, duck);
  }
  const plan = path.join(WORK, `plan-trace-${n}.yaml`);
  writeFileSync(
    plan,
    [
      "version: 1",
      "systems:",
      ...crackerjackSystem(path.basename(sqlite)),
      "  session-buddy:",
      "    repo: .",
      "    transforms: [fstring-id-to-ulid]",
      "    fstringRules: [{ target: session_id, templates: ['{}-{}'] }]",
      "    database:",
      "      engine: duckdb",
      `      path: ${path.basename(duck)}`,
      "      salt: bench-salt",
      "      tables:",
      "        - { table: sessions, key: session_id, strategy: add-column, time: { column: started } }",
      "",
    ].join("\n"),
  );
  const systems = parseConfig(readFileSync(plan, "utf8"), plan).systems;
  const sample = new Database(sqlite, { readonly: true });
  const jobs = sample
    .prepare("SELECT legacy_id, ulid FROM ulid_migration_map WHERE rowid % ? = 0 LIMIT 100")
    .raw(true)
    .all(Math.floor(n / 100) || 1) as [string, string][];
  sample.close();
  const perEngine: Record<string, unknown> = {};
  for (const system of systems) {
    const ids: string[] =
      system.name === "crackerjack"
        ? jobs.flat()
        : Array.from({ length: 100 }, (_, i) => {
            const k = Math.floor(((i + 0.5) * n) / 100);
            return i % 2 ? `project-${k}` : `01J${String(k + 1).padStart(23, "0")}`;
          });
    const cfg = system.database as NonNullable<typeof system.database>;
    const tables = cfg.tables.map((t) => t.table);
    // The lookups alone, on an open database: what the target is about.
    const db = await openDb(cfg.engine, cfg.path, { readOnly: true });
    const lookup: number[] = [];
    try {
      for (const [i, id] of ids.entries()) {
        const by = /^01J/.test(id) ? "ulid" : "legacy_id";
        const t = performance.now();
        let found = 0;
        for (const sql of lookupSql(cfg.engine, tables, by, id))
          found += (await db.all(sql)).length;
        if (i > 2) lookup.push(performance.now() - t);
        if (found !== 1) throw new Error(`lookup ${id} in ${system.name}: ${found} rows`);
      }
    } finally {
      db.close();
    }
    // A whole `traceId` call: opening the database, both directions, the references counted.
    const call: number[] = [];
    for (const [i, id] of ids.slice(0, 40).entries()) {
      const t = performance.now();
      const r = await traceId(id, [system]);
      if (i > 2) call.push(performance.now() - t);
      if (r.hits.length !== 1)
        throw new Error(`trace ${id} in ${system.name}: ${r.hits.length} hits`);
    }
    const p95 = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] as number;
    perEngine[system.name] = {
      lookups: lookup.length,
      lookupMedianMs: median(lookup),
      lookupP95Ms: p95(lookup),
      callMedianMs: median(call),
      callP95Ms: p95(call),
    };
    const label = `trace, ${n.toLocaleString("en")}-row map (${cfg.engine})`;
    rows.push(
      {
        what: `${label}: index lookup`,
        figure: `${median(lookup).toFixed(1)} ms median, ${p95(lookup).toFixed(1)} ms p95`,
        target: "< 100 ms",
        pass: p95(lookup) < 100,
      },
      {
        what: `${label}: one call (open, look up, count references)`,
        figure: `${median(call).toFixed(1)} ms median, ${p95(call).toFixed(1)} ms p95`,
      },
    );
  }
  const one = jobs[0]?.[1] as string;
  const cliMs = median(
    Array.from(
      { length: RUNS },
      () => measure([node, ...cli, "trace", one, "--config", plan]).wallMs,
    ),
  );
  rows.push({
    what: "trace: the whole command (Node start-up, both databases)",
    figure: `${cliMs.toFixed(0)} ms`,
  });
  results.trace = { rows: n, ...perEngine, cliMs };
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
  if (!only || only.includes("apply")) benchApply(rows, results);
  verifyAgainstFloor(rows, results);
  if (!only || only.includes("apply-duckdb")) await benchApplyDuck(rows, results);
  if (!only || only.includes("derivation")) benchDerivation(rows, results);
  if (!only || only.includes("trace")) await benchTrace(rows, results);
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
