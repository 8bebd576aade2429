// A file's bytes as the engine reads them: checked (binary, not UTF-8), searched by the
// pre-filters without decoding, decoded once when a pre-filter or the parser asks.
import { isUtf8 } from "node:buffer";
import type { PrefilterSource } from "./plugin.ts";

export interface DecodedSource {
  /** Text without the BOM. */
  text: string;
  bom: boolean;
  newline: "\n" | "\r\n";
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Why a file's bytes are not Python source we may rewrite, or undefined when they are. */
export function sourceProblem(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return "binary file (contains NUL bytes)";
  if (!isUtf8(bytes)) return "not valid UTF-8";
  return undefined;
}

/** Decodes a file's bytes, or says why it is not Python source we may rewrite. */
export function decodeSource(bytes: Uint8Array): DecodedSource | { error: string } {
  const error = sourceProblem(bytes);
  if (error) return { error };
  let text = utf8.decode(bytes);
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  return { text, bom, newline };
}

/** A string as pre-filters see it (tests, and callers that already hold the text). */
export function textSource(text: string): PrefilterSource {
  return { text, includes: (needle) => text.includes(needle) };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * A file's bytes for the pre-filters: `includes` searches the UTF-8 bytes, so a file no plugin
 * wants is never decoded (most of them); `text` decodes, once. Only for bytes `sourceProblem`
 * accepts.
 */
export class FileSource implements PrefilterSource {
  private decoded?: DecodedSource;
  private readonly start: number;

  constructor(readonly bytes: Buffer) {
    this.start = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
  }

  /**
   * The same answer as `text.includes(needle)`: in valid UTF-8 a character sequence occurs exactly
   * where its encoding does (after the BOM, which the text does not have). A needle with a lone
   * surrogate has no encoding, yet can match half of a pair in the text: that one asks the text.
   */
  includes(needle: string): boolean {
    if (/\p{Cs}/u.test(needle)) return this.text.includes(needle);
    return this.bytes.includes(needle, this.start);
  }

  get text(): string {
    return this.decode().text;
  }

  decode(): DecodedSource {
    if (!this.decoded) {
      const d = decodeSource(this.bytes);
      if ("error" in d) throw new Error(d.error);
      this.decoded = d;
    }
    return this.decoded;
  }
}
