import { TIME_MAX } from "ulid";

/** A parsed creation time, or why the value cannot give one. */
export type TimeResult = { ms: number } | { error: string };

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;
const NUMBER_RE = /^-?\d+(?:\.\d+)?$/;

/** Converts naive wall-clock times in one IANA zone to epoch ms (cached per zone). */
export class ZoneConverter {
  private readonly fmt: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  constructor(zone: string) {
    this.fmt =
      zone === "UTC" || zone === "Etc/UTC"
        ? undefined
        : new Intl.DateTimeFormat("en-US", {
            timeZone: zone,
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          });
  }

  /** Offset (ms) of the zone at UTC instant `ms`, cached per hour. */
  private offsetAt(ms: number): number {
    const fmt = this.fmt as Intl.DateTimeFormat;
    const hour = Math.floor(ms / 3_600_000);
    let off = this.offsets.get(hour);
    if (off === undefined) {
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(hour * 3_600_000)) p[part.type] = Number(part.value);
      const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second);
      off = wall - hour * 3_600_000;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(hour, off);
    }
    return off;
  }

  /** `wallMs` is the wall-clock reading encoded as if it were UTC. */
  toUtc(wallMs: number): number {
    if (this.fmt === undefined) return wallMs;
    // Two rounds settle DST edges: a time in a gap maps forward; one in an overlap maps to
    // the same one of its two instants every time.
    let utc = wallMs - this.offsetAt(wallMs);
    utc = wallMs - this.offsetAt(utc);
    return utc;
  }
}

/** Accepts epoch ms inside the ULID range; `raw` names the source value in errors. */
export function checkRange(ms: number, raw: unknown): TimeResult {
  if (!Number.isFinite(ms)) return { error: `not a time: ${describe(raw)}` };
  // Epoch 0 is what a missing value turns into; a ULID from it would sort before all history.
  if (ms <= 0) return { error: `time at or before 1970-01-01: ${describe(raw)}` };
  if (ms > TIME_MAX) return { error: `time beyond the ULID range: ${describe(raw)}` };
  return { ms };
}

function describe(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Epoch number: seconds below 1e11, ms below 1e14, µs below 1e17, else ns. */
export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a < 1e11) return Math.floor(n * 1000);
  if (a < 1e14) return Math.floor(n);
  if (a < 1e17) return Math.floor(n / 1000);
  return Math.floor(n / 1e6);
}

function wallClock(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  frac: string | undefined,
): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  const ms = frac ? Number(`${frac}00`.slice(0, 3)) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 2024-02-30 over to March; reject instead.
  if (new Date(t).getUTCDate() !== d) return Number.NaN;
  return t;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Fast path for the commonest shape, naive `YYYY-MM-DD HH:MM:SS[.fff...]` (SQLite's own format),
 * without regexes; anything else returns undefined and takes the general path.
 */
function parseSqliteText(s: string, zone: ZoneConverter): TimeResult | undefined {
  const n = s.length;
  if (n < 19 || s[4] !== "-" || s[7] !== "-" || (s[10] !== " " && s[10] !== "T")) return undefined;
  if (s[13] !== ":" || s[16] !== ":") return undefined;
  let ms = 0;
  if (n > 19) {
    if (s[19] !== "." || n < 21) return undefined;
    for (let i = 20; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (i < 23) ms = ms * 10 + c;
    }
    for (let i = Math.min(n, 23); i < 23; i++) ms *= 10;
  }
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  if (sec < 0 || sec > 59 || d > (DAYS[mo - 1] as number)) return undefined;
  if (mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0))) return undefined;
  return checkRange(zone.toUtc(Date.UTC(y, mo - 1, d, h, mi, sec, ms)), s);
}

/** Parses a time column value: ISO-8601 / SQLite text (zone optional), or epoch s/ms/µs/ns. */
export function parseTimeValue(v: unknown, zone: ZoneConverter): TimeResult {
  if (v === null || v === undefined) return { error: "time is NULL" };
  if (typeof v === "number") return checkRange(epochToMs(v), v);
  if (typeof v === "bigint") return checkRange(epochToMs(Number(v)), v);
  if (typeof v !== "string") return { error: `time has unsupported type: ${describe(v)}` };
  const fast = parseSqliteText(v, zone);
  if (fast !== undefined) return fast;
  const s = v.trim();
  if (NUMBER_RE.test(s)) return checkRange(epochToMs(Number(s)), v);
  const m = ISO_RE.exec(s);
  if (!m) return { error: `unrecognised time text: ${describe(v)}` };
  const wall = wallClock(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    m[7],
  );
  if (Number.isNaN(wall)) return { error: `invalid date/time: ${describe(v)}` };
  const tz = m[8];
  if (tz === undefined) return checkRange(zone.toUtc(wall), v);
  if (tz === "Z" || tz === "z" || tz === "UTC") return checkRange(wall, v);
  const sign = tz[0] === "-" ? -1 : 1;
  const digits = tz.slice(1).replace(":", "");
  const off = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
  return checkRange(wall - sign * off, v);
}

const DATE_TOKENS: Record<string, string> = {
  YYYY: "(\\d{4})",
  mm: "(\\d{2})",
  dd: "(\\d{2})",
  HH: "(\\d{2})",
  MM: "(\\d{2})",
  SS: "(\\d{2})",
  fff: "(\\d{3})",
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Compiles a legacy-ID pattern such as `{name}-{YYYYmmdd-HHMMSS}`.
 * `{word}` in lower case matches anything (greedy, so the time is taken from the END of the
 * ID even when the name contains `-`); other `{...}` groups are date formats built from
 * YYYY mm dd HH MM SS fff and literal characters.
 */
export function compileKeyPattern(
  pattern: string,
): (id: string, zone: ZoneConverter) => TimeResult {
  let re = "^";
  const order: string[] = [];
  const groupRe = /\{([^}]*)\}|([^{]+)/g;
  let hasDate = false;
  for (const g of pattern.matchAll(groupRe)) {
    if (g[2] !== undefined) {
      re += escapeRe(g[2]);
    } else if (/^[a-z_]+$/.test(g[1] as string)) {
      re += "[\\s\\S]*";
    } else {
      hasDate = true;
      let fmt = g[1] as string;
      while (fmt.length > 0) {
        const tok = Object.keys(DATE_TOKENS).find((t) => fmt.startsWith(t));
        if (tok) {
          re += DATE_TOKENS[tok];
          order.push(tok);
          fmt = fmt.slice(tok.length);
        } else {
          re += escapeRe(fmt[0] as string);
          fmt = fmt.slice(1);
        }
      }
    }
  }
  if (!hasDate || !order.includes("YYYY") || !order.includes("mm") || !order.includes("dd")) {
    throw new Error(`time.fromKey pattern ${JSON.stringify(pattern)} needs a {YYYYmmdd...} group`);
  }
  const rx = new RegExp(`${re}$`);
  return (id, zone) => {
    const m = rx.exec(id);
    if (!m) return { error: `legacy ID does not match ${pattern}: ${describe(id)}` };
    const f: Record<string, string> = {};
    order.forEach((tok, i) => {
      f[tok] = m[i + 1] as string;
    });
    const wall = wallClock(
      Number(f.YYYY),
      Number(f.mm),
      Number(f.dd),
      Number(f.HH ?? 0),
      Number(f.MM ?? 0),
      Number(f.SS ?? 0),
      f.fff,
    );
    if (Number.isNaN(wall)) return { error: `invalid date/time in legacy ID: ${describe(id)}` };
    return checkRange(zone.toUtc(wall), id);
  };
}
