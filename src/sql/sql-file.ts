import type { Hash } from "node:crypto";
import fs from "node:fs";

/**
 * Collects text as UTF-8 in a fixed buffer and hands full buffers to `sink`: encoding many small
 * strings into one buffer is much cheaper than concatenating and encoding them later.
 */
export class Utf8Buffer {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private off = 0;
  constructor(private readonly sink: (chunk: Buffer | string) => void) {}
  write(s: string): void {
    // Up to 3 bytes per UTF-16 unit; Buffer.write would silently truncate past the end.
    if (this.off + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.sink(s);
        return;
      }
    }
    this.off += this.buf.write(s, this.off);
  }
  flush(): void {
    if (this.off > 0) this.sink(this.buf.subarray(0, this.off));
    this.off = 0;
  }
}

/** Writes all of `b` (writeSync may write less than asked). */
function writeAll(fd: number, b: Uint8Array): void {
  for (let done = 0; done < b.length; ) done += fs.writeSync(fd, b, done);
}

/** Buffered, synchronous file writer: few syscalls, bounded memory. */
export class SqlFile {
  private readonly fd: number;
  private readonly out: Utf8Buffer;
  /** `hash`, if given, is fed every byte written (not those of `append`). */
  constructor(
    readonly file: string,
    hash?: Hash,
  ) {
    const fd = fs.openSync(file, "w");
    this.fd = fd;
    this.out = new Utf8Buffer((chunk) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      hash?.update(b);
      writeAll(fd, b);
    });
  }
  write(s: string): void {
    this.out.write(s);
  }
  /** Appends a whole file's bytes. */
  append(file: string): void {
    this.out.flush();
    const from = fs.openSync(file, "r");
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n = fs.readSync(from, buf); n > 0; n = fs.readSync(from, buf)) {
        writeAll(this.fd, buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(from);
    }
  }
  close(): void {
    this.out.flush();
    fs.closeSync(this.fd);
  }
}
