// SHA-256 of (salt block ‖ message) with the salt block's state computed once: one compression
// per legacy ID of up to 55 bytes. Node's hashing costs microseconds per call in setup alone, and
// HMAC's second (outer) compression buys protection against length extension, which a
// deterministic ID derivation does not need. Checked against node:crypto in test/sql-ulid.test.ts.
//
// Why not @noble/hashes (audited, pure JS, and it can do the same: `sha256.create()` over the salt
// block, then `_cloneInto` a reused instance per ID): measured on the bench's derivation (1M
// UUID-shaped IDs, each its own millisecond, 7 alternating runs on the same loaded machine) it
// gives 0.35M IDs/s against 0.69M here (clone() per ID: 0.16M hashes/s against 0.97M). At half the
// speed the derivation target (>= 1M IDs/s) fails, so this stays; the rest is node:crypto.
import { createHash } from "node:crypto";

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);
const TAIL = new Uint8Array(128);

/** One SHA-256 compression of the 64-byte block at `buf[off..]` into `h`. */
function compress(h: Int32Array, buf: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] =
      ((buf[j] as number) << 24) |
      ((buf[j + 1] as number) << 16) |
      ((buf[j + 2] as number) << 8) |
      (buf[j + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  let e = h[4] as number;
  let f = h[5] as number;
  let g = h[6] as number;
  let hh = h[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = g ^ (e & (f ^ g));
    const t1 = (hh + S1 + ch + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) | (c & (a | b));
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
  h[4] = ((h[4] as number) + e) | 0;
  h[5] = ((h[5] as number) + f) | 0;
  h[6] = ((h[6] as number) + g) | 0;
  h[7] = ((h[7] as number) + hh) | 0;
}

const encoder = new TextEncoder();

/** The salt as one 64-byte block: its UTF-8 bytes (hashed first when longer), zero-padded. */
export function saltBlock(salt: string | Uint8Array): Uint8Array {
  let k = typeof salt === "string" ? encoder.encode(salt) : salt;
  if (k.length > 64) k = createHash("sha256").update(k).digest();
  const block = new Uint8Array(64);
  block.set(k);
  return block;
}

export class KeyedSha256 {
  private readonly keyed = new Int32Array(8);
  private readonly h = new Int32Array(8);
  private buf = new Uint8Array(256);

  constructor(salt: string | Uint8Array) {
    this.keyed.set(IV);
    compress(this.keyed, saltBlock(salt), 0);
  }

  /** Writes the first `out.length` (at most 32) bytes of SHA-256(saltBlock ‖ UTF-8 of `msg`). */
  digestInto(msg: string, out: Uint8Array): void {
    this.h.set(this.keyed);
    if (!this.oneBlockAscii(msg)) {
      // Worst case 3 UTF-8 bytes per UTF-16 unit, plus padding.
      if (this.buf.length < msg.length * 3 + 72) this.buf = new Uint8Array(msg.length * 3 + 72);
      finish(this.h, this.buf, utf8Into(msg, this.buf), 64);
    }
    const h = this.h;
    for (let i = 0; i < out.length; i++)
      out[i] = ((h[i >> 2] as number) >>> (24 - (i & 3) * 8)) & 0xff;
  }

  /**
   * The common case (a UUID, most legacy IDs): ASCII that fits the last block with its padding,
   * written straight into that block. False, having hashed nothing, otherwise.
   */
  private oneBlockAscii(msg: string): boolean {
    const n = msg.length;
    if (n > 55) return false;
    const tail = TAIL;
    for (let i = 0; i < n; i++) {
      const c = msg.charCodeAt(i);
      if (c >= 0x80) return false;
      tail[i] = c;
    }
    lastBlocks(this.h, tail, n, 64 + n);
    return true;
  }
}

/** UTF-8 bytes of `s` into `buf`; ASCII (every UUID and most legacy IDs) without a call out. */
function utf8Into(s: string, buf: Uint8Array): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(s, buf).written;
    buf[i] = c;
  }
  return s.length;
}

function writeBE(out: Uint8Array, off: number, v: number): void {
  out[off] = v >>> 24;
  out[off + 1] = (v >>> 16) & 0xff;
  out[off + 2] = (v >>> 8) & 0xff;
  out[off + 3] = v & 0xff;
}

/** Pads and compresses `buf[0..n)`, a message that follows `prefix` already-hashed bytes. */
function finish(h: Int32Array, buf: Uint8Array, n: number, prefix: number): void {
  let off = 0;
  for (; off + 64 <= n; off += 64) compress(h, buf, off);
  const rest = n - off;
  for (let i = 0; i < rest; i++) TAIL[i] = buf[off + i] as number;
  lastBlocks(h, TAIL, rest, prefix + n);
}

/**
 * Pads and compresses the message's last `rest` (< 64) bytes, already at the start of `tail`;
 * `total` is the length of the whole message, prefix included.
 */
function lastBlocks(h: Int32Array, tail: Uint8Array, rest: number, total: number): void {
  const end = rest < 56 ? 64 : 128;
  tail[rest] = 0x80;
  tail.fill(0, rest + 1, end - 8);
  const bits = total * 8;
  // Message lengths here stay far below 2^32 bits.
  writeBE(tail, end - 8, Math.floor(bits / 2 ** 32));
  writeBE(tail, end - 4, bits >>> 0);
  compress(h, tail, 0);
  if (end === 128) compress(h, tail, 64);
}
