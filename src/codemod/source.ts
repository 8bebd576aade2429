// A file's bytes as the engine reads them: checked (binary, not decodable), searched by the
// pre-filters without decoding, decoded once when a pre-filter or the parser asks, and the
// result encoded back the same way. Python source is UTF-8 unless a PEP 263 coding line
// (`# -*- coding: latin-1 -*-`) on line 1 or 2 declares another encoding.
import { isUtf8 } from "node:buffer";
import type { PrefilterSource } from "./plugin.ts";

export interface DecodedSource {
  /** Text without the BOM. */
  text: string;
  bom: boolean;
  newline: "\n" | "\r\n";
  /** The declared encoding (Python's name for it), or undefined for UTF-8. */
  encoding?: string;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * How to read and write one declared encoding. Only byte-for-byte reversible ones: UTF-8, and
 * single-byte encodings (every byte one character, so an encoding table written from the
 * decoding one gives back the same bytes for every character not edited).
 */
interface Codec {
  name: string;
  decode(bytes: Uint8Array): string;
  encode(text: string): Buffer;
}

const UTF8_NAMES = /^(utf-?8|u8|utf-8-sig|utf8-sig|cp65001)$/;
const LATIN1_NAMES = /^(latin-?1|iso-?8859-1|iso-latin-1|8859|cp819|l1|latin)$/;
const ASCII_NAMES = /^(ascii|us-ascii|646)$/;
/** Python codec names to WHATWG labels for single-byte encodings Node's TextDecoder reads. */
function whatwgLabel(name: string): string | undefined {
  const iso = /^iso-?8859-(\d+)$/.exec(name);
  if (iso)
    return ["2", "3", "4", "5", "6", "7", "8", "10", "13", "14", "15", "16"].includes(
      iso[1] as string,
    )
      ? `iso-8859-${iso[1]}`
      : undefined;
  const cp = /^(?:cp|windows-)(125\d)$/.exec(name);
  if (cp) return `windows-${cp[1]}`;
  if (name === "latin-9" || name === "latin9") return "iso-8859-15";
  if (name === "koi8-r" || name === "koi8-u") return name;
  if (name === "cp866" || name === "ibm866") return "ibm866";
  if (name === "mac-roman" || name === "macroman" || name === "macintosh") return "macintosh";
  if (name === "cp874") return "windows-874";
  return undefined;
}

const codecs = new Map<string, Codec | null>();

function codecFor(declared: string): Codec | null {
  const name = declared.toLowerCase().replace(/_/g, "-");
  let codec = codecs.get(name);
  if (codec !== undefined) return codec;
  codec = null;
  if (LATIN1_NAMES.test(name) || ASCII_NAMES.test(name)) {
    // Python's latin-1 maps every byte to the code point of its value (WHATWG's "latin1" label
    // is windows-1252, which does not).
    const ascii = ASCII_NAMES.test(name);
    codec = {
      name: declared,
      decode: (b) => {
        if (ascii && b.some((x) => x > 0x7f)) throw new Error(`not valid ${declared}`);
        return Buffer.from(b).toString("latin1");
      },
      encode: (t) => {
        const max = ascii ? 0x7f : 0xff;
        for (const ch of t) {
          if ((ch.codePointAt(0) as number) > max)
            throw new Error(`${JSON.stringify(ch)} cannot be written in ${declared}`);
        }
        return Buffer.from(t, "latin1");
      },
    };
  } else {
    const label = whatwgLabel(name);
    if (label) codec = singleByte(declared, label);
  }
  codecs.set(name, codec);
  return codec;
}

/**
 * A single-byte encoding from Node's decoder for it, trusted only if every byte decodes to one
 * character of its own (Node 20's windows-1252 decoder drops 0x80-0x9F, for one: such an
 * encoding is refused rather than risk a byte).
 */
function singleByte(declared: string, label: string): Codec | null {
  const decoder = new TextDecoder(label, { fatal: true });
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    let ch: string;
    try {
      ch = decoder.decode(Uint8Array.of(b));
    } catch {
      continue; // A byte the encoding leaves undefined: files containing it do not decode.
    }
    if (ch.length !== 1 || table.has(ch)) return null;
    table.set(ch, b);
  }
  return {
    name: declared,
    decode: (b) => {
      const text = decoder.decode(b);
      if (text.length !== b.length) throw new Error(`not valid ${declared}`);
      return text;
    },
    encode: (t) => {
      const out = Buffer.alloc(t.length);
      for (let i = 0; i < t.length; i++) {
        const b = table.get(t[i] as string);
        if (b === undefined) {
          throw new Error(`${JSON.stringify(t[i])} cannot be written in ${declared}`);
        }
        out[i] = b;
      }
      return out;
    },
  };
}

/** The encoding a PEP 263 coding line declares (line 1, or line 2 after a comment line). */
export function declaredEncoding(bytes: Uint8Array): string | undefined {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = Buffer.from(bytes.subarray(start, 400))
    .toString("latin1")
    .split(/\r?\n|\r/);
  const coding = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
  const first = coding.exec(head[0] ?? "");
  if (first) return first[1];
  if (head.length > 1 && /^[ \t\f]*(#.*)?$/.test(head[0] ?? ""))
    return coding.exec(head[1] ?? "")?.[1];
  return undefined;
}

/** The declared encoding's codec when it is not UTF-8; undefined for UTF-8 files. */
function nonUtf8(bytes: Uint8Array): { declared: string; codec: Codec | null } | undefined {
  const declared = declaredEncoding(bytes);
  if (declared === undefined || UTF8_NAMES.test(declared.toLowerCase().replace(/_/g, "-"))) {
    return undefined;
  }
  return { declared, codec: codecFor(declared) };
}

/** Why a file's bytes are not Python source we may rewrite, or undefined when they are. */
export function sourceProblem(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return "binary file (contains NUL bytes)";
  const other = nonUtf8(bytes);
  if (!other) return isUtf8(bytes) ? undefined : "not valid UTF-8";
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return `a UTF-8 byte order mark with a coding line declaring ${other.declared}`;
  }
  if (!other.codec) {
    return `declares the encoding ${other.declared} (PEP 263), which ulid-codemod cannot read and write back byte for byte (UTF-8, latin-1 and the single-byte encodings Node decodes exactly)`;
  }
  try {
    other.codec.decode(bytes);
  } catch {
    return `not valid ${other.declared}, the encoding its coding line declares`;
  }
  return undefined;
}

/** Decodes a file's bytes, or says why it is not Python source we may rewrite. */
export function decodeSource(bytes: Uint8Array): DecodedSource | { error: string } {
  const error = sourceProblem(bytes);
  if (error) return { error };
  const other = nonUtf8(bytes);
  let text = other?.codec ? other.codec.decode(bytes) : utf8.decode(bytes);
  const bom = !other && text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const lf = text.indexOf("\n");
  const newline = lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
  return other ? { text, bom, newline, encoding: other.declared } : { text, bom, newline };
}

/**
 * A file's text (BOM included when it had one) as bytes in its encoding; throws an Error
 * naming a character the encoding cannot hold.
 */
export function encodeSource(text: string, encoding: string | undefined): Buffer {
  if (encoding === undefined) return Buffer.from(text, "utf8");
  const codec = codecFor(encoding);
  if (!codec) throw new Error(`cannot write ${encoding}`);
  return codec.encode(text);
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
  /** True when a coding line declares an encoding other than UTF-8. */
  private readonly encoded: boolean;

  constructor(readonly bytes: Buffer) {
    this.start = bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
    this.encoded = nonUtf8(bytes) !== undefined;
  }

  /**
   * The same answer as `text.includes(needle)`: in valid UTF-8 a character sequence occurs exactly
   * where its encoding does (after the BOM, which the text does not have). A needle with a lone
   * surrogate has no encoding, yet can match half of a pair in the text: that one asks the text.
   */
  includes(needle: string): boolean {
    // In a single-byte encoding, ASCII is found where its bytes are; anything else asks the text.
    if (/\p{Cs}/u.test(needle) || (this.encoded && /[^ -~\t\r\n]/.test(needle))) {
      return this.text.includes(needle);
    }
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
