export type Engine = "sqlite" | "duckdb";

// Characters that must not sit raw inside a literal: C0 controls and DEL (NUL truncates in
// some clients, CR/LF break line-based review and splitting) and lone surrogates.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_G = new RegExp(UNSAFE.source, "g");

/** True when `s` can sit in a plain quoted literal: no control characters, no lone surrogates. */
export function isPlainText(s: string): boolean {
  return !UNSAFE.test(s);
}

/**
 * SQL text literal for `s` that round-trips exactly on the engine: quotes doubled (neither
 * engine treats backslash specially), control characters spliced in with char()/chr().
 */
export function sqlString(s: string, engine: Engine): string {
  if (!UNSAFE.test(s)) return s.includes("'") ? `'${s.replaceAll("'", "''")}'` : `'${s}'`;
  const fn = engine === "sqlite" ? "char" : "chr";
  const parts: string[] = [];
  let last = 0;
  for (const m of s.matchAll(UNSAFE_G)) {
    const code = m[0].charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new Error(`string contains a lone UTF-16 surrogate and cannot be stored as text`);
    }
    if (m.index > last) parts.push(`'${s.slice(last, m.index).replaceAll("'", "''")}'`);
    parts.push(`${fn}(${code})`);
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push(`'${s.slice(last).replaceAll("'", "''")}'`);
  return `(${parts.join(" || ")})`;
}

/** Double-quoted identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Text safe to put on one `--` comment line. */
export function commentText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, "?");
}
