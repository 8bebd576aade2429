import { encodeTime } from "ulid";
import { KeyedSha256 } from "./keyed-hash.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

// Every 10-bit value as two Crockford characters: 80 bits become 8 lookups.
const PAIRS: string[] = Array.from(
  { length: 1024 },
  (_, i) => (CROCKFORD[i >> 5] as string) + (CROCKFORD[i & 31] as string),
);

function pairs40(b: Uint8Array, o: number): string {
  const b0 = b[o] as number;
  const b1 = b[o + 1] as number;
  const b2 = b[o + 2] as number;
  const b3 = b[o + 3] as number;
  const b4 = b[o + 4] as number;
  return (
    (PAIRS[(b0 << 2) | (b1 >> 6)] as string) +
    (PAIRS[((b1 & 0x3f) << 4) | (b2 >> 4)] as string) +
    (PAIRS[((b2 & 0x0f) << 6) | (b3 >> 2)] as string) +
    (PAIRS[((b3 & 0x03) << 8) | b4] as string)
  );
}

/** Crockford base32 of an 80-bit value held in 10 bytes: exactly 16 characters. */
export function encodeRandom80(b: Uint8Array): string {
  return pairs40(b, 0) + pairs40(b, 5);
}

/** Adds one to a big-endian 80-bit value in place; false when it wrapped around. */
function increment80(b: Uint8Array): boolean {
  for (let i = 9; i >= 0; i--) {
    const v = (b[i] as number) + 1;
    b[i] = v & 0xff;
    if (v <= 0xff) return true;
  }
  return false;
}

/**
 * Assigns ULIDs to rows fed in (time, original order) order.
 * The first row of each millisecond gets SHA-256(saltBlock ‖ legacyId)[0..10] as its random
 * part; later rows of the same millisecond get the previous random part plus one, so ULIDs
 * are strictly increasing in feed order (unique, and order follows history).
 */
export class UlidDeriver {
  private lastMs = -1;
  private lastTime = "";
  private lastBlock = -1;
  private lastHigh = -1;
  private timeHigh = "";
  private blockTime = "";
  private readonly random = new Uint8Array(10);
  private readonly hash: KeyedSha256;

  constructor(salt: string) {
    this.hash = new KeyedSha256(salt);
  }

  next(ms: number, legacyId: string): string {
    if (ms < this.lastMs) {
      throw new Error(`rows must be fed in time order: ${ms} after ${this.lastMs}`);
    }
    if (ms === this.lastMs) {
      if (!increment80(this.random)) {
        throw new Error(`more than 2^80 rows in millisecond ${ms}`);
      }
    } else {
      // The time's 10 characters are five 10-bit groups: the last changes every ms, the fourth
      // every 1024 ms, the first six every 2^20 ms (about 17 minutes), taken from `ulid`.
      // (Division, not shifts, above 2^32; `& 1023` keeps the low bits of any safe integer.)
      const block = Math.floor(ms / 1024);
      if (block !== this.lastBlock) {
        const high = Math.floor(block / 1024);
        if (high !== this.lastHigh) {
          this.timeHigh = encodeTime(ms).slice(0, 6);
          this.lastHigh = high;
        }
        this.blockTime = this.timeHigh + (PAIRS[block & 1023] as string);
        this.lastBlock = block;
      }
      this.lastMs = ms;
      this.lastTime = this.blockTime + (PAIRS[ms & 1023] as string);
      this.hash.digestInto(legacyId, this.random);
    }
    return this.lastTime + encodeRandom80(this.random);
  }
}
