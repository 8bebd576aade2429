import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commentText, sqlString } from "../src/sql/escape.ts";

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

test("refuses lone surrogates instead of storing replacement characters", () => {
  expect(() => sqlString("a\ud800b", "sqlite")).toThrow(/surrogate/);
});

test("comment text cannot end the comment line", () => {
  expect(commentText("a\nDROP TABLE x;\r--")).not.toMatch(/[\n\r]/);
});
