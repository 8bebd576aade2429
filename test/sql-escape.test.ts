import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commentText, sqlString } from "../src/sql/escape.ts";
import { MapBody } from "../src/sql/map-body.ts";
import { mapDdl } from "../src/sql/sqltext.ts";
import { scratch } from "./helpers.ts";

const nasty = [
  "",
  "'",
  "''",
  "a'b",
  "'); DROP TABLE jobs; --",
  "back\\slash\\",
  "\\'",
  "line\nbreak",
  "cr\r\nlf",
  "nul\u0000inside",
  "\u0000",
  "tab\tand\u001bescape\u007f",
  "é☃😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "\ufeffbom",
  "\u2028\u2029",
  "-- comment",
  "/* c */",
  "$$dollar$$",
  '"double"',
];

/** Strings without lone surrogates: the only kind a database can hand back as text. */
const anyText = fc.string({ unit: "binary", maxLength: 40 });

describe("sqlString on SQLite", () => {
  const db = new Database(":memory:");
  const roundTrip = (s: string) => {
    const lit = sqlString(s, "sqlite");
    // Through a table too: stored bytes, not just the expression's value.
    db.exec(`DELETE FROM t; INSERT INTO t VALUES (${lit});`);
    return db.prepare("SELECT v FROM t").pluck().get();
  };
  beforeAll(() => db.exec("CREATE TABLE t (v TEXT)"));
  afterAll(() => db.close());

  test("escaping cases round-trip exactly", () => {
    for (const s of nasty) expect(roundTrip(s)).toBe(s);
  });

  test("any string round-trips (property)", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(roundTrip(s)).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe("sqlString on DuckDB", () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
  });
  afterAll(() => instance.closeSync());

  test("escaping cases and random strings round-trip exactly (property, batched per query)", async () => {
    const conn = await instance.connect();
    try {
      await conn.run("CREATE TABLE t (i INTEGER, v VARCHAR)");
      const samples = fc.sample(anyText, { numRuns: 500, seed: 42 });
      const all = [...nasty, ...samples];
      await conn.run(
        `INSERT INTO t VALUES ${all.map((s, i) => `(${i}, ${sqlString(s, "duckdb")})`).join(", ")}`,
      );
      // The '#' prefix keeps the client's BOM-stripping text decoder off a leading U+FEFF.
      const rows = (await conn.runAndReadAll("SELECT '#' || v FROM t ORDER BY i")).getRows();
      expect(rows.map((r) => (r[0] as string).slice(1))).toEqual(all);
      const lengths = (await conn.runAndReadAll("SELECT length(v) FROM t ORDER BY i")).getRows();
      expect(lengths.map((r) => Number(r[0]))).toEqual(all.map((s) => [...s].length));
    } finally {
      conn.closeSync();
    }
  });
});

describe("mapping rows on DuckDB: plain IDs packed into one literal per batch, the rest in VALUES", () => {
  const { fresh } = scratch("ulid-sql-test-");

  test("any legacy ID round-trips, whichever way it travels (property)", async () => {
    const ids = [...new Set([...nasty, ...fc.sample(anyText, { numRuns: 600, seed: 7 })])];
    const body = new MapBody({
      stem: fresh("body"),
      engine: "duckdb",
      table: "it's",
      batchSize: 37,
      partRows: 0,
      salt: "s",
    });
    // One millisecond apart: the ULIDs sort in feed order.
    for (const [i, id] of ids.entries()) body.add(1_700_000_000_000 + i * 1000, id);
    const { files } = body.close();
    const sql = files.map((f) => readFileSync(f, "utf8")).join("");
    expect(sql).toContain("string_split(unnest(string_split('");
    expect(sql).toMatch(/VALUES\n/);
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      await conn.run(mapDdl("duckdb") + sql);
      const rows = (
        await conn.runAndReadAll(
          `SELECT '#' || legacy_id, table_name FROM ulid_migration_map ORDER BY ulid`,
        )
      ).getRows();
      expect(rows.map((r) => (r[0] as string).slice(1))).toEqual(ids);
      expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(["it's"]));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

test("refuses lone surrogates instead of storing replacement characters", () => {
  expect(() => sqlString("a\ud800b", "sqlite")).toThrow(/surrogate/);
});

test("comment text cannot end the comment line", () => {
  expect(commentText("a\nDROP TABLE x;\r--")).not.toMatch(/[\n\r]/);
});
