import { encodeTime } from "ulid";
import { HmacSha256 } from "./hmac.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Crockford base32 of an 80-bit value held in 10 bytes: exactly 16 characters. */
export function encodeRandom80(b: Uint8Array): string {
  // Two 40-bit halves fit a double exactly, so plain arithmetic suffices.
  let hi = (b[0] as number) * 2 ** 32 + (((b[1] as number) << 24) >>> 0) + ((b[2] as number) << 16);
  hi += ((b[3] as number) << 8) + (b[4] as number);
  let lo = (b[5] as number) * 2 ** 32 + (((b[6] as number) << 24) >>> 0) + ((b[7] as number) << 16);
  lo += ((b[8] as number) << 8) + (b[9] as number);
  let out = "";
  for (let i = 0; i < 8; i++) {
    out = CROCKFORD[hi % 32] + out;
    hi = Math.floor(hi / 32);
  }
  let low = "";
  for (let i = 0; i < 8; i++) {
    low = CROCKFORD[lo % 32] + low;
    lo = Math.floor(lo / 32);
  }
  return out + low;
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
 * The first row of each millisecond gets HMAC-SHA256(salt, legacyId)[0..10] as its random
 * part; later rows of the same millisecond get the previous random part plus one, so ULIDs
 * are strictly increasing in feed order (unique, and order follows history).
 */
export class UlidDeriver {
  private lastMs = -1;
  private lastTime = "";
  private readonly random = new Uint8Array(10);
  private readonly mac = new Uint8Array(32);
  private readonly hmac: HmacSha256;

  constructor(salt: string) {
    this.hmac = new HmacSha256(salt);
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
      this.lastMs = ms;
      this.lastTime = encodeTime(ms);
      this.hmac.digestInto(legacyId, this.mac);
      this.random.set(this.mac.subarray(0, 10));
    }
    return this.lastTime + encodeRandom80(this.random);
  }
}
