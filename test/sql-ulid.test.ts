import { createHash } from "node:crypto";
import fc from "fast-check";
import { decodeTime, encodeTime, isValid } from "ulid";
import { describe, expect, test } from "vitest";
import { KeyedSha256, saltBlock } from "../src/sql/keyed-hash.ts";
import { encodeRandom80, ULID_RE, UlidDeriver } from "../src/sql/ulid.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function referenceRandom(bytes: Uint8Array): string {
  let v = BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
  let s = "";
  for (let i = 0; i < 16; i++) {
    s = CROCKFORD[Number(v % 32n)] + s;
    v /= 32n;
  }
  return s;
}

const reference = (salt: string, msg: string) =>
  createHash("sha256").update(saltBlock(salt)).update(msg).digest("hex");

describe("keyed SHA-256", () => {
  test("matches node:crypto for any key and message", () => {
    const out = new Uint8Array(32);
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary", maxLength: 200 }),
        (key, msg) => {
          new KeyedSha256(key).digestInto(msg, out);
          expect(Buffer.from(out).toString("hex")).toBe(reference(key, msg));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("matches at block-boundary lengths and with a key longer than a block", () => {
    const out = new Uint8Array(32);
    for (const key of ["k", "k".repeat(64), "k".repeat(65), "ключ".repeat(30)]) {
      const h = new KeyedSha256(key);
      for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000]) {
        const msg = "x".repeat(n);
        h.digestInto(msg, out);
        expect(Buffer.from(out).toString("hex")).toBe(reference(key, msg));
      }
    }
  });

  test("a shorter output buffer gets the digest's first bytes", () => {
    for (const len of [1, 10, 31]) {
      const out = new Uint8Array(len);
      new KeyedSha256("salt").digestInto("legacy-1", out);
      expect(Buffer.from(out).toString("hex")).toBe(
        reference("salt", "legacy-1").slice(0, len * 2),
      );
    }
  });
});

describe("ULID derivation", () => {
  test("the time part equals the ulid package's encodeTime for any increasing times", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 2 ** 47 }),
        (steps, start) => {
          const d = new UlidDeriver("s");
          let ms = start;
          for (const step of steps) {
            ms = Math.min(ms + step, 2 ** 48 - 1);
            expect(d.next(ms, "id").slice(0, 10)).toBe(encodeTime(ms));
          }
        },
      ),
    );
    // Same low 32 bits, 2^32 ms apart: a shift-based window would reuse the old prefix.
    const d = new UlidDeriver("s");
    const t = Date.UTC(2024, 0, 1);
    d.next(t, "a");
    expect(d.next(t + 2 ** 32, "b").slice(0, 10)).toBe(encodeTime(t + 2 ** 32));
  });

  test("random part encodes 80 bits as 16 Crockford characters", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (b) => {
        expect(encodeRandom80(b)).toBe(referenceRandom(b));
      }),
    );
  });

  test("time part is the row's millisecond; random part is the salted hash of the legacy ID", () => {
    const d = new UlidDeriver("salt-1");
    const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const id = d.next(ms, "legacy-1");
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(ms);
    const mac = Buffer.from(reference("salt-1", "legacy-1"), "hex").subarray(0, 10);
    expect(id.slice(10)).toBe(referenceRandom(mac));
    // A different salt gives a different random part for the same row.
    expect(new UlidDeriver("salt-2").next(ms, "legacy-1").slice(10)).not.toBe(id.slice(10));
  });

  test("rows sharing a millisecond stay unique and in feed order; the same input gives the same IDs", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.string()), {
          minLength: 1,
          maxLength: 200,
        }),
        (rows) => {
          // Feed order = (time, original position), as generation does.
          const sorted = rows.map(([t, id], i) => ({
            ms: 1_700_000_000_000 + t,
            id: `${id}#${i}`,
            i,
          }));
          sorted.sort((a, b) => a.ms - b.ms || a.i - b.i);
          const run = () => {
            const d = new UlidDeriver("s");
            return sorted.map((r) => d.next(r.ms, r.id));
          };
          const ids = run();
          expect(run()).toEqual(ids);
          for (let k = 0; k < ids.length; k++) {
            expect(ids[k]).toMatch(ULID_RE);
            expect(decodeTime(ids[k] as string)).toBe(sorted[k]?.ms);
            if (k > 0) expect((ids[k] as string) > (ids[k - 1] as string)).toBe(true);
          }
        },
      ),
    );
  });

  test("refuses rows fed out of time order", () => {
    const d = new UlidDeriver("s");
    d.next(2000, "a");
    expect(() => d.next(1999, "b")).toThrow(/time order/);
  });
});
