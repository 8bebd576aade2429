import { describe, expect, test } from "vitest";
import { databaseSchema, parseDatabaseConfig, ulidColumnFor } from "../src/plan/database.ts";
import { compileKeyPattern, parseTimeValue, ZoneConverter } from "../src/sql/time.ts";

const utc = new ZoneConverter("UTC");
const ms = (v: unknown, zone = utc) => {
  const r = parseTimeValue(v, zone);
  return "ms" in r ? r.ms : r.error;
};

describe("time values", () => {
  test("ISO-8601 and SQLite text, with or without T and zone", () => {
    const t = Date.UTC(2024, 4, 6, 7, 8, 9, 123);
    expect(ms("2024-05-06 07:08:09.123")).toBe(t);
    expect(ms("2024-05-06 07:08:09.123456")).toBe(t);
    expect(ms("2024-05-06T07:08:09.123Z")).toBe(t);
    expect(ms("2024-05-06T09:08:09.123+02:00")).toBe(t);
    expect(ms("2024-05-06T02:08:09.123-0500")).toBe(t);
    expect(ms("2024-05-06 07:08:09,123+00")).toBe(t);
    expect(ms("2024-05-06 07:08")).toBe(Date.UTC(2024, 4, 6, 7, 8));
    expect(ms("2024-05-06")).toBe(Date.UTC(2024, 4, 6));
  });

  test("epoch seconds, milliseconds and microseconds, as numbers or text", () => {
    expect(ms(1_714_979_289)).toBe(1_714_979_289_000);
    expect(ms(1_714_979_289.5)).toBe(1_714_979_289_500);
    expect(ms(1_714_979_289_123)).toBe(1_714_979_289_123);
    expect(ms("1714979289123")).toBe(1_714_979_289_123);
    expect(ms(1_714_979_289_123_456n)).toBe(1_714_979_289_123);
  });

  test("naive times are read in the configured zone, across DST changes", () => {
    const berlin = new ZoneConverter("Europe/Berlin");
    expect(ms("2024-01-15 12:00:00", berlin)).toBe(Date.UTC(2024, 0, 15, 11));
    expect(ms("2024-07-15 12:00:00", berlin)).toBe(Date.UTC(2024, 6, 15, 10));
    // Explicit zones win over the configured one.
    expect(ms("2024-07-15T12:00:00Z", berlin)).toBe(Date.UTC(2024, 6, 15, 12));
    const ny = new ZoneConverter("America/New_York");
    expect(ms("2024-03-10 12:00:00", ny)).toBe(Date.UTC(2024, 2, 10, 16));
  });

  test("unusable values give a reason, never epoch 0", () => {
    expect(ms(null)).toMatch(/NULL/);
    expect(ms("")).toMatch(/unrecognised/);
    expect(ms("yesterday")).toMatch(/unrecognised/);
    expect(ms("2024-02-30 10:00:00")).toMatch(/invalid/);
    expect(ms("2023-02-29")).toMatch(/invalid/);
    expect(ms("2024-13-01 10:00:00")).toMatch(/invalid/);
    expect(ms(0)).toMatch(/1970/);
    expect(ms("1969-12-31 23:59:59")).toMatch(/1970/);
    expect(ms(Buffer.from("x"))).toMatch(/unsupported/);
  });
});

describe("legacy-ID time pattern", () => {
  const parse = compileKeyPattern("{name}-{YYYYmmdd-HHMMSS}");
  test("takes the time from the end, even when the name contains dashes", () => {
    const r = parse("session-buddy-20240301-080910", utc);
    expect(r).toEqual({ ms: Date.UTC(2024, 2, 1, 8, 9, 10) });
    expect(parse("a-b-c-20240301-235959-20240302-000001", utc)).toEqual({
      ms: Date.UTC(2024, 2, 2, 0, 0, 1),
    });
    expect(parse("x-20240301-080910", new ZoneConverter("Asia/Tokyo"))).toEqual({
      ms: Date.UTC(2024, 2, 1, -1, 9, 10),
    });
  });
  test("reports IDs that do not match or hold an impossible date", () => {
    expect("error" in parse("no-time-here", utc)).toBe(true);
    expect("error" in parse("p-20241340-080910", utc)).toBe(true);
    expect(() => compileKeyPattern("{name}")).toThrow(/YYYY/);
  });
});

describe("database config", () => {
  const base = {
    engine: "sqlite",
    path: "/x/crackerjack.db",
    salt: "s",
    tables: [
      {
        table: "jobs",
        key: "job_id",
        strategy: "rewrite-in-place",
        time: { column: "start_time" },
      },
    ],
  };
  test("fills defaults", () => {
    const c = databaseSchema.parse(base);
    expect(c.batchSize).toBe(500);
    expect(c.partRows).toBe(0);
    expect(c.tables[0]?.time.zone).toBe("UTC");
    expect(c.tables[0]?.references).toEqual([]);
    expect(ulidColumnFor("job_id")).toBe("job_ulid");
    expect(ulidColumnFor("uuid")).toBe("uuid_ulid");
  });
  test("rejects unknown keys, ambiguous time, bad zones and rewrite-in-place on DuckDB, naming the field", () => {
    expect(() => parseDatabaseConfig({ ...base, extra: 1 }, "cj")).toThrow(
      /invalid database config for cj/,
    );
    const t0 = base.tables[0] as object;
    expect(() =>
      parseDatabaseConfig({
        ...base,
        tables: [{ ...t0, time: { column: "a", fromKey: "{n}-{YYYYmmdd}" } }],
      }),
    ).toThrow(/exactly one/);
    expect(() =>
      parseDatabaseConfig({
        ...base,
        tables: [{ ...t0, time: { column: "a", zone: "Mars/Base" } }],
      }),
    ).toThrow(/tables\.0\.time\.zone/);
    expect(() => parseDatabaseConfig({ ...base, engine: "duckdb" })).toThrow(
      /not supported on duckdb/,
    );
    expect(() => parseDatabaseConfig({ ...base, tables: [t0, t0] })).toThrow(/listed twice/);
  });
});

test("naive times in a DST gap or overlap still give one fixed instant", () => {
  const berlin = new ZoneConverter("Europe/Berlin");
  // 02:30 does not exist on 2024-03-31 in Berlin; it lands after the jump.
  expect(ms("2024-03-31 02:30:00", berlin)).toBe(Date.UTC(2024, 2, 31, 1, 30));
  // 02:30 happens twice on 2024-10-27; always the same one of the two.
  const overlap = ms("2024-10-27 02:30:00", berlin);
  expect([Date.UTC(2024, 9, 27, 0, 30), Date.UTC(2024, 9, 27, 1, 30)]).toContain(overlap);
  expect(ms("2024-10-27 02:30:00", new ZoneConverter("Europe/Berlin"))).toBe(overlap);
});
