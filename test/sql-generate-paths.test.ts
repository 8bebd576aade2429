// `sql generate` has a fast path (stream rows straight to the files, ULIDs derived on a worker
// thread) and a general one (work table, sorted, on this thread). Whatever path a table takes,
// the files must be the same bytes.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { parseDatabaseConfig } from "../src/plan/database.ts";
import { generateSql } from "../src/sql/generate.ts";
import { openMapBody } from "../src/sql/map-body.ts";
import { scratch } from "./helpers.ts";
import {
  crackerjackConfig,
  crackerjackRealConfig,
  makeCrackerjack,
  makeCrackerjackReal,
  makeSessionBuddy,
  sessionBuddyConfig,
} from "./sql-fixtures.ts";

const { dir, fresh } = scratch("ulid-sql-test-");

/** `events` with `n` rows; `unique` decides whether the database itself enforces the key. */
function eventsDb(n: number, time: (i: number) => string | null, unique: boolean): string {
  const file = `${fresh("events")}.db`;
  const db = new Database(file);
  db.exec(
    `CREATE TABLE events (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL${unique ? " UNIQUE" : ""}, created TEXT)`,
  );
  const insert = db.prepare("INSERT INTO events (event_id, created) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`evt-${String(i).padStart(6, "0")}-it's`, time(i));
  })();
  db.close();
  return file;
}

const config = (file: string, extra: Record<string, unknown> = {}) =>
  parseDatabaseConfig({
    engine: "sqlite",
    path: file,
    salt: "paths",
    batchSize: 64,
    ...extra,
    tables: [
      {
        table: "events",
        key: "event_id",
        strategy: "rewrite-in-place",
        time: { column: "created" },
      },
    ],
  });

/** Every generated file's bytes, by path in the folder. */
function filesOf(outDir: string): Record<string, string> {
  return Object.fromEntries(
    (fs.readdirSync(outDir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(outDir, f)).isFile())
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(outDir, f), "utf8")]),
  );
}

async function generate(file: string, threadRows?: number, extra: Record<string, unknown> = {}) {
  const outDir = fresh("out");
  const r = await generateSql({
    system: "s",
    database: config(file, extra),
    outDir,
    toolVersion: "1.0.0",
    ...(threadRows === undefined ? {} : { threadRows }),
  });
  return { passes: r.passes, files: filesOf(outDir), report: r.report };
}

const second = (i: number) =>
  new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().replace("T", " ").replace("Z", "");

describe("every path through generate writes the same files", () => {
  test("streamed or sorted, on a thread or not; parts split at the same rows", async () => {
    // Rows before the first usable time wait for it; then one per second.
    const time = (i: number) => (i < 3 ? null : second(i));
    // The same rows twice: a UNIQUE key can stream; without one, the work table checks it.
    const unique = eventsDb(2_500, time, true);
    const plain = eventsDb(2_500, time, false);
    // Same file name for both, so the headers agree.
    fs.renameSync(plain, `${plain}.x`);
    const runs = [];
    for (const [file, threadRows] of [
      [unique, undefined],
      [unique, 0],
      [plain, undefined],
      [plain, 0],
    ] as const) {
      const f = file === plain ? `${plain}.x` : file;
      fs.copyFileSync(f, path.join(dir, "events.db"));
      runs.push(await generate(path.join(dir, "events.db"), threadRows, { partRows: 1000 }));
    }
    expect(runs.map((r) => r.passes[0])).toEqual([
      { table: "events", read: "streamed", writer: "main" },
      { table: "events", read: "streamed", writer: "thread" },
      { table: "events", read: "sorted", writer: "main" },
      { table: "events", read: "sorted", writer: "thread" },
    ]);
    const [first, ...rest] = runs.map((r) => r.files);
    expect(Object.keys(first ?? {})).toEqual([
      ".gitignore",
      "README.md",
      "apply/0001_events_1_map_part0001.sql",
      "apply/0001_events_1_map_part0002.sql",
      "apply/0001_events_1_map_part0003.sql",
      "apply/0001_events_2_expand.sql",
      "apply/0001_events_3_backfill.sql",
      "contract/0001_events_contract.sql",
      "manifest.json",
      "rollback/0001_events_rollback.sql",
    ]);
    // 1000 + 1000 + 500 rows, statements of 64 rows that never span two files.
    const part3 = first?.["apply/0001_events_1_map_part0003.sql"] ?? "";
    expect(part3.match(/^INSERT INTO "ulid_migration_map"/gm)).toHaveLength(Math.ceil(500 / 64));
    expect(part3.match(/^\('events', /gm)).toHaveLength(500);
    for (const files of rest) expect(files).toEqual(first);
    expect(runs[0]?.report.filter((l) => l.includes("no usable time"))).toHaveLength(3);
  });

  test("rows found out of time order part way are read again and sorted: same files as sorting from the start", async () => {
    // In order for 3,000 rows, then one row from before them all.
    const time = (i: number) => (i === 3_000 ? second(-5) : second(i));
    const unique = await generate(eventsDb(3_001, time, true), 0);
    expect(unique.passes[0]).toMatchObject({ read: "sorted", writer: "thread" });
    const sorted = await generate(eventsDb(3_001, time, false));
    expect(sorted.passes[0]).toMatchObject({ read: "sorted", writer: "main" });
    const body = (r: typeof unique) => r.files["apply/0001_events_1_map.sql"]?.split("\nBEGIN")[1];
    expect(body(unique)).toEqual(body(sorted));
    // The late row's ULID sorts first: it is the earliest.
    const first = body(unique)?.match(/\('events', '(evt-\d+)/)?.[1];
    expect(first).toBe("evt-003000");
  });

  test("more leading rows without a time than the stream holds in memory: sorted instead", async () => {
    const time = (i: number) => (i < 10_001 ? null : second(i));
    const r = await generate(eventsDb(10_010, time, true));
    expect(r.passes[0]).toMatchObject({ read: "sorted" });
    const sorted = await generate(eventsDb(10_010, time, false));
    const body = (x: typeof r) => x.files["apply/0001_events_1_map.sql"]?.split("\nBEGIN")[1];
    expect(body(r)).toEqual(body(sorted));
  });

  test("legacy IDs with quotes, NUL, newlines, a BOM and surrogate pairs reach the thread intact", async () => {
    const nasty = [
      "it's",
      "nul\u0000byte",
      "new\nline",
      "\ufeffbom",
      "😀-ünï",
      "",
      "x".repeat(5000),
    ];
    const file = `${fresh("cj")}.db`;
    makeCrackerjack(file, 700, { ids: (i) => `${nasty[i % nasty.length]}-${i}` });
    const out = [fresh("out"), fresh("out")];
    const runs = [];
    for (const [i, threadRows] of [undefined, 0].entries()) {
      runs.push(
        await generateSql({
          system: "cj",
          database: crackerjackConfig(file),
          outDir: out[i] as string,
          ...(threadRows === undefined ? {} : { threadRows }),
        }),
      );
    }
    expect(runs.map((r) => r.passes[0]?.writer)).toEqual(["main", "thread"]);
    expect(filesOf(out[1] as string)).toEqual(filesOf(out[0] as string));
  });

  test("orphans found on their own thread (large SQLite tables) are the ones found inline", async () => {
    const file = `${fresh("cj")}.db`;
    makeCrackerjackReal(file, 400, { orphans: 8, nulls: 2 });
    const out = [fresh("out"), fresh("out")];
    const runs = [];
    for (const [i, threadRows] of [undefined, 0].entries()) {
      runs.push(
        await generateSql({
          system: "cj",
          database: crackerjackRealConfig(file),
          outDir: out[i] as string,
          ...(threadRows === undefined ? {} : { threadRows }),
        }),
      );
    }
    expect(runs.map((r) => r.passes[0]?.writer)).toEqual(["main", "thread"]);
    expect(runs[1]?.tables[0]?.children.find((c) => c.table === "errors")?.orphans?.count).toBe(8);
    expect(runs[1]?.report).toEqual(runs[0]?.report);
    expect(filesOf(out[1] as string)).toEqual(filesOf(out[0] as string));
  });

  test("DuckDB: the thread writes what this thread writes", async () => {
    const file = `${fresh("sb")}.duckdb`;
    await makeSessionBuddy(file, 3_000);
    const out = [fresh("out"), fresh("out")];
    const [main, thread] = [
      await generateSql({
        system: "sb",
        database: sessionBuddyConfig(file),
        outDir: out[0] as string,
      }),
      await generateSql({
        system: "sb",
        database: sessionBuddyConfig(file),
        outDir: out[1] as string,
        threadRows: 0,
      }),
    ];
    expect(main.passes[0]).toEqual({ table: "sessions", read: "streamed", writer: "main" });
    expect(thread.passes[0]).toEqual({ table: "sessions", read: "streamed", writer: "thread" });
    expect(filesOf(out[1] as string)).toEqual(filesOf(out[0] as string));
  });
});

test("a writer thread that cannot write fails the run with the file it could not write", async () => {
  const stem = path.join(dir, "no-such-dir", "body");
  const sink = openMapBody(
    { stem, engine: "sqlite", table: "t", batchSize: 10, partRows: 0, salt: "s" },
    true,
  );
  for (let i = 0; i < 20_000; i++) sink.add(1_700_000_000_000 + i, `id-${i}`);
  await expect(
    (async () => {
      await sink.drain();
      return sink.close();
    })(),
  ).rejects.toThrow(/ENOENT.*no-such-dir\/body-0\.sql/);
  await sink.discard();
});
