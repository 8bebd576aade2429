/**
 * A deterministic synthetic Python corpus: ordinary modules of realistic size, and about 3% of
 * files carrying ID sites in the shapes of the fixtures. Same seed, same bytes.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/** mulberry32: tiny, fast, and stable across Node versions. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "account",
  "batch",
  "cache",
  "config",
  "record",
  "event",
  "payload",
  "request",
  "result",
  "session",
  "status",
  "summary",
  "target",
  "metric",
  "report",
  "window",
  "worker",
  "queue",
  "entry",
  "handler",
  "source",
  "token",
  "profile",
  "filter",
  "schema",
  "buffer",
  "signal",
];

/** The ID shapes the transforms look for (uuid4 and f-string IDs), one per site. */
export const SITE_SHAPES = [
  (n: string) => `    job_id = str(uuid.uuid4())\n    log.info("job %s for ${n}", job_id)\n`,
  (n: string) => `    token_${n} = uuid.uuid4().hex\n`,
  () => `    name = f"job-{uuid.uuid4()}"\n`,
  () => `    short = str(uuid.uuid4())[:8]\n`,
  () => `    key = "run-" + str(uuid.uuid4())\n`,
  () => `    marker = "%s" % uuid.uuid4()\n`,
  () => `    check_id = uuid.uuid4()\n`,
  () => `    session_id = f"{project_name}-{timestamp}"\n`,
  () => `    entity = GraphEntity(entity_id=f"system:{system_id}", kind="system")\n`,
  // Natural-key lookups: no target named here, so only the second pre-filter pass finds them.
  () => `    found = registry.get(f"system:{system_id}")\n`,
  () => `    again = f"{project_name}-{timestamp}"\n`,
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function ident(r: () => number): string {
  return `${pick(r, WORDS)}_${pick(r, WORDS)}`;
}

function ordinaryFunction(r: () => number, indent: string): string {
  const name = ident(r);
  const a = pick(r, WORDS);
  const b = pick(r, WORDS);
  const body = [
    `${indent}def ${name}(self, ${a}: dict, ${b}: list | None = None) -> dict:`,
    `${indent}    """Return the ${a} merged with every ${b} that passes the filter."""`,
    `${indent}    result = {}`,
    `${indent}    for index, item in enumerate(${b} or []):`,
    `${indent}        if item.get("${a}") is None:`,
    `${indent}            continue`,
    `${indent}        result[f"{index}:${a}"] = {k: v for k, v in item.items() if k != "${b}"}`,
    `${indent}    log.debug("merged %d ${a} records", len(result))`,
    `${indent}    try:`,
    `${indent}        total = sum(len(v) for v in result.values())`,
    `${indent}    except (TypeError, ValueError) as exc:  # malformed ${b}`,
    `${indent}        raise ${pick(r, ["RuntimeError", "ValueError"])}(f"bad ${a}: {exc}") from exc`,
    `${indent}    return {"${a}": ${a}, "total": total, "items": result}`,
    "",
  ];
  return body.join("\n");
}

function ordinaryModule(r: () => number, targetBytes: number, sites: string[]): string {
  const parts = [
    `"""${pick(r, WORDS)} ${pick(r, WORDS)} utilities (generated for benchmarks)."""`,
    "",
    "from __future__ import annotations",
    "",
    "import logging",
    sites.length > 0 ? "import uuid\n" : "",
    "from dataclasses import dataclass, field",
    "from typing import Any",
    "",
    "log = logging.getLogger(__name__)",
    "",
  ];
  let size = parts.join("\n").length;
  let cls = 0;
  while (size < targetBytes) {
    const lines = [
      `\n@dataclass\nclass ${ident(r).replace(/(^|_)(\w)/g, (_, __, c) => c.toUpperCase())}${cls++}:`,
    ];
    lines.push(
      `    ${pick(r, WORDS)}: str = ""`,
      `    ${pick(r, WORDS)}: int = 0`,
      `    extra: dict[str, Any] = field(default_factory=dict)\n`,
    );
    for (let i = 0; i < 4; i++) lines.push(ordinaryFunction(r, "    "));
    const text = lines.join("\n");
    parts.push(text);
    size += text.length;
  }
  if (sites.length > 0) {
    parts.push(
      "\ndef make_ids(project_name, timestamp, system_id, GraphEntity, registry):",
      ...sites,
      "    return locals()\n",
    );
  }
  return parts.join("\n");
}

export interface CorpusOptions {
  files: number;
  bytesPerFile: number;
  siteRatio: number;
  seed: number;
}

export const DEFAULT_CORPUS: CorpusOptions = {
  files: 2000,
  bytesPerFile: 10_000,
  siteRatio: 0.03,
  seed: 42,
};

/** Writes the corpus under `dir` (recreated); returns file count, bytes and files with sites. */
export function writeCorpus(dir: string, opts: CorpusOptions = DEFAULT_CORPUS) {
  rmSync(dir, { recursive: true, force: true });
  const r = rng(opts.seed);
  let bytes = 0;
  let withSites = 0;
  for (let i = 0; i < opts.files; i++) {
    const sub = path.join(dir, `pkg${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const hasSites = r() < opts.siteRatio;
    const sites = hasSites
      ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, SITE_SHAPES)(pick(r, WORDS)))
      : [];
    if (hasSites) withSites++;
    const text = ordinaryModule(r, opts.bytesPerFile * (0.5 + r()), sites);
    writeFileSync(path.join(sub, `mod_${i}.py`), text);
    bytes += Buffer.byteLength(text);
  }
  return { files: opts.files, bytes, withSites };
}

/**
 * A corpus shaped like the services' real repositories (1,681 files, 18 MB, measured): sizes
 * spread like real modules (median about 5 KB, a long tail), two files in five tests, about 6% of
 * files mentioning `uuid` (half of them minting IDs, the rest parsing UUIDs or naming another
 * object's `uuid4`) and 7% mentioning the rule's target name, mostly tests that pass it around.
 */
export interface RealisticOptions {
  files: number;
  seed: number;
}

export const REALISTIC_CORPUS: RealisticOptions = { files: 1700, seed: 11 };

const UUID_MENTIONS = [
  // Mints IDs (the transform's business).
  (n: string) => `    job_id = str(uuid.uuid4())\n    log.info("job %s for ${n}", job_id)\n`,
  () => `    token = uuid.uuid4().hex\n`,
  () => `    name = f"run-{uuid.uuid4()}"\n`,
  () => `    short = str(uuid.uuid4())[:8]\n`,
  // Parses or compares UUIDs: imported, but nothing to rewrite.
  () => `    parsed = uuid.UUID(raw_id)\n    assert parsed.version == 4\n`,
  () => `    ns = uuid.uuid5(uuid.NAMESPACE_DNS, host)\n`,
];
const UUID_ELSEWHERE = [
  // "uuid" in the text, no uuid module: another object's method, a column name, a comment.
  () => `    ident = mock_random.uuid4()\n`,
  () => `    row = {"uuid": record.uuid, "name": record.name}  # uuid kept for the API\n`,
];
const TARGET_MENTIONS = [
  () => `    session_id = f"{project_name}-{timestamp}"\n`,
  () => `    session_id = "sess-0001"\n    assert client.get(session_id).ok\n`,
  () =>
    `    result = tracker.finish(session_id=session_id)\n    assert result.session_id == session_id\n`,
  () => `    again = tracker.lookup(f"{project_name}-{timestamp}")\n`,
];

/** A size drawn like real modules': log-normal, median ~5 KB, capped at 150 KB. */
function realisticSize(r: () => number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Math.min(150_000, Math.max(400, Math.round(5_000 * Math.exp(1.0 * normal))));
}

export function writeRealisticCorpus(dir: string, opts: RealisticOptions = REALISTIC_CORPUS) {
  rmSync(dir, { recursive: true, force: true });
  const r = rng(opts.seed);
  let bytes = 0;
  let uuidFiles = 0;
  let targetFiles = 0;
  for (let i = 0; i < opts.files; i++) {
    const test = r() < 0.4;
    const sub = path.join(dir, test ? "tests" : "src", `pkg${Math.floor(i / 60)}`);
    mkdirSync(sub, { recursive: true });
    const sites: string[] = [];
    const roll = r();
    let importUuid = false;
    if (roll < 0.03) {
      importUuid = true;
      sites.push(pick(r, UUID_MENTIONS)(pick(r, WORDS)), pick(r, UUID_MENTIONS)(pick(r, WORDS)));
    } else if (roll < 0.045) {
      importUuid = true;
      sites.push(pick(r, UUID_MENTIONS.slice(4))(pick(r, WORDS)));
    } else if (roll < 0.06) {
      sites.push(pick(r, UUID_ELSEWHERE)());
    }
    if (sites.length > 0) uuidFiles++;
    if (r() < (test ? 0.12 : 0.035)) {
      targetFiles++;
      sites.push(pick(r, TARGET_MENTIONS)());
    }
    let text = ordinaryModule(r, realisticSize(r), sites);
    if (!importUuid) text = text.replace("import uuid\n", "");
    const name = test ? `test_${pick(r, WORDS)}_${i}.py` : `${pick(r, WORDS)}_${i}.py`;
    writeFileSync(path.join(sub, name), text);
    bytes += Buffer.byteLength(text);
  }
  return { files: opts.files, bytes, uuidFiles, targetFiles };
}

/**
 * The machine's own Python: the standard library and site-packages of `python3`, every `.py` file
 * copied (never written in place) into `dir`. Kept between runs when the same files are there.
 */
export function copyPythonInstallation(dir: string): {
  files: number;
  bytes: number;
  from: string[];
} {
  const out = execFileSync(
    "python3",
    [
      "-c",
      "import sysconfig, site, json; print(json.dumps([sysconfig.get_paths()['stdlib'], *site.getsitepackages()]))",
    ],
    { encoding: "utf8" },
  );
  const roots = [...new Set(JSON.parse(out) as string[])].filter((p) => existsSync(p));
  // site-packages sits inside the stdlib folder on most installs: copy each file once.
  const files = new Map<string, string>();
  const walk = (abs: string, rel: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, e.name);
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(a, r);
      else if (e.isFile() && e.name.endsWith(".py")) files.set(r, a);
    }
  };
  const stdlib = roots[0] as string;
  walk(stdlib, "");
  for (const extra of roots.slice(1)) {
    if (!path.relative(stdlib, extra).startsWith("..")) continue;
    walk(extra, path.join("site-packages", path.basename(path.dirname(extra))));
  }
  const stamp = path.join(dir, ".copied");
  const want = `${roots.join("\n")}\n${files.size}`;
  let bytes = 0;
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== want) {
    rmSync(dir, { recursive: true, force: true });
    for (const [rel, abs] of files) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      copyFileSync(abs, path.join(dir, rel));
    }
    writeFileSync(stamp, want);
  }
  for (const rel of files.keys()) bytes += statSync(path.join(dir, rel)).size;
  return { files: files.size, bytes, from: roots };
}
