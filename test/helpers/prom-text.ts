// A strict reader of the Prometheus text exposition format 0.0.4 (the format node_exporter's
// textfile collector accepts), for tests: every line must be a HELP, a TYPE, a comment or a sample
// by the format's grammar, TYPE comes before its samples and once, a family's samples are
// contiguous, no sample repeats a name and label set. Anything else throws with the line number.
// No parser for the format is among the installed packages (prom-client only writes it).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type?: string;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, where: string): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

/** Label set `{a="x",b="y\"z"}` (the braces' content), unescaped. */
function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  const re = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);
  while (i < body.length) {
    const m = re.exec(body.slice(i));
    if (!m) throw new Error(`${where}: bad label at "${body.slice(i)}"`);
    const [all, key, raw] = m as unknown as [string, string, string];
    if (key in labels) throw new Error(`${where}: label ${key} twice`);
    labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    i += all.length;
    if (body[i] === ",") i++;
    else if (i < body.length) throw new Error(`${where}: expected , or } at "${body.slice(i)}"`);
  }
  return labels;
}

export function parsePrometheusText(text: string): Family[] {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the text must end with a newline");
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const family = (name: string, where: string): Family => {
    let f = byName.get(name);
    if (!f) {
      f = { name, samples: [] };
      byName.set(name, f);
      families.push(f);
    } else if (f !== current) {
      throw new Error(`${where}: ${name} continues after another family`);
    }
    current = f;
    return f;
  };
  text.split("\n").forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === "") return;
    const meta = new RegExp(`^#\\s+(HELP|TYPE)\\s+(${NAME})(?:\\s+(.*))?$`).exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta as unknown as [string, string, string, string];
      const f = family(name, where);
      if (kind === "HELP") {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      } else {
        if (f.type !== undefined) throw new Error(`${where}: second TYPE for ${name}`);
        if (f.samples.length) throw new Error(`${where}: TYPE for ${name} after its samples`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        f.type = rest;
      }
      return;
    }
    if (line.startsWith("#")) return;
    const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`).exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${line}`);
    const [, name, body, value] = m as unknown as [string, string, string | undefined, string];
    const labels = body ? parseLabels(body, where) : {};
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: sample repeated: ${line}`);
    seen.add(key);
    family(name, where).samples.push({ name, labels, value: parseValue(value, where) });
  });
  return families;
}

/** The one sample of `name` whose labels include `labels`; throws when there is none or several. */
export function sampleOf(families: Family[], name: string, labels: Record<string, string>): number {
  const found = (families.find((f) => f.name === name)?.samples ?? []).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples`);
  }
  return (found[0] as Sample).value;
}
