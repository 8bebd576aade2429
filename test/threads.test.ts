// A run spread over worker threads gives exactly what the same run on one thread gives: the
// report (entries and their order), the changes, the skipped files, what is written.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { type RunOptions, runCodemod } from "../src/codemod/runner.ts";
import { startWorker } from "../src/util/worker.ts";
import { runTransforms } from "../transforms/index.ts";
import { plugin as uuid4 } from "../transforms/uuid4-to-ulid.ts";
import { throwingPlugin } from "./helpers/throwing-plugin.ts";
import { flagOptions, tempDir } from "./helpers.ts";

/** A tree with every kind of file a run meets, many enough to make several batches. */
function tree(): string {
  const dir = tempDir("ulid-threads-");
  const put = (rel: string, text: string | Buffer) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  for (let i = 0; i < 30; i++) {
    const pkg = `pkg${i % 3}`;
    put(
      `${pkg}/jobs_${i}.py`,
      `import uuid\n\n\ndef new_job_${i}():\n    job_id = str(uuid.uuid4())\n    return job_id\n`,
    );
    put(
      `${pkg}/sessions_${i}.py`,
      `def start(project, ts):\n    session_id = f"{project}-{ts}"\n    return session_id\n`,
    );
    put(`${pkg}/plain_${i}.py`, `def add(a, b):\n    return a + b  # ${i}\n`);
    // No target name: found by the second pass, it rebuilds the sessions' key.
    put(
      `${pkg}/lookup_${i}.py`,
      `def find(seen, project, ts):\n    return f"{project}-{ts}" in seen\n`,
    );
    put(
      `${pkg}/entities_${i}.py`,
      `def make(system_id):\n    return GraphEntity(entity_id=f"system:{system_id}")\n`,
    );
    put(`${pkg}/graph_${i}.py`, `def has(cache, other):\n    return f"system:{other}" in cache\n`);
  }
  put("broken.py", "import uuid\nx = str(uuid.uuid4(\n");
  put("binary.py", Buffer.from([0x69, 0x6d, 0x70, 0x00, 0x01]));
  put(
    "latin.py",
    Buffer.concat([
      Buffer.from("# -*- coding: latin-1 -*-\nimport uuid\nname = 'caf"),
      Buffer.from([0xe9]),
      Buffer.from("'\nx = str(uuid.uuid4())\n"),
    ]),
  );
  put("bom.py", "\uFEFFimport uuid\nx = uuid.uuid4().hex\n");
  put("crlf.py", "import uuid\r\nx = str(uuid.uuid4())[:8]\r\n");
  return dir;
}

const rules = [
  { target: "session_id", template: "{}-{}", naturalKeys: "rewrite-and-flag" },
  { target: "entity_id", template: "system:{}", naturalKeys: "skip" },
];

/** Starts the registry's worker threads, counting their answers. */
function counted() {
  const seen = { answers: 0 };
  const startThread = (workerData: unknown) => {
    const w = startWorker(new URL("../transforms/index.ts", import.meta.url).href, "run-worker", {
      workerData,
    });
    w.on("message", (m: object) => {
      if ("answer" in m) seen.answers++;
    });
    return w;
  };
  return { seen, startThread };
}

async function both(dir: string, extra: Partial<Parameters<typeof runTransforms>[0]> = {}) {
  const { seen, startThread } = counted();
  const run = async (threads: boolean) =>
    runTransforms({
      startThread,
      paths: [dir],
      root: dir,
      transforms: ["uuid4-to-ulid", "fstring-id-to-ulid", "sql-consumers"],
      options: await flagOptions({ rules }),
      dryRun: true,
      threads,
      ...extra,
    });
  const one = await run(false);
  expect(seen.answers).toBe(0);
  const spread = await run(true);
  // A scan, a second pass and a transform at least: the thread took part.
  expect(seen.answers).toBeGreaterThan(3);
  return { one, spread };
}

test("the same run on one thread and spread over worker threads: the same result", async () => {
  const dir = tree();
  const { one, spread } = await both(dir);
  expect(one.changes.length).toBeGreaterThan(60);
  expect(one.entries.some((e) => e.outcome === "blocking")).toBe(true);
  expect(one.entries.some((e) => e.file.includes("graph_"))).toBe(false);
  expect(one.skipped.map((s) => s.file)).toEqual(["binary.py", "broken.py"]);
  expect(spread).toEqual(one);
  // Without the pre-filter every file is a candidate: still the same.
  const all = await both(dir, { prefilter: false });
  expect(all.spread).toEqual(all.one);
}, 60_000);

test("written the same: every file's bytes after a run on one thread and on several", async () => {
  const [a, b] = [tree(), tree()];
  const options = await flagOptions({ rules });
  const base = { transforms: ["uuid4-to-ulid", "fstring-id-to-ulid"], options, dryRun: false };
  const ra = await runTransforms({ ...base, paths: [a], root: a, threads: false });
  const { seen, startThread } = counted();
  const rb = await runTransforms({ ...base, paths: [b], root: b, threads: true, startThread });
  expect(seen.answers).toBeGreaterThan(2);
  expect(rb.changes.map((c) => c.file)).toEqual(ra.changes.map((c) => c.file));
  const files = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
      .sort();
  expect(files(b)).toEqual(files(a));
  for (const f of files(a))
    expect(readFileSync(path.join(b, f))).toEqual(readFileSync(path.join(a, f)));
}, 60_000);

test("a file whose analysis fails on a worker thread: named in the error, nothing written", async () => {
  const dir = tree();
  for (let i = 0; i < 30; i++) {
    writeFileSync(
      path.join(dir, `pkg${i % 3}/boom_${i}.py`),
      "import uuid\nx = str(uuid.uuid4())\n",
    );
  }
  const before = readFileSync(path.join(dir, "pkg0/jobs_0.py"), "utf8");
  const opts: RunOptions = {
    paths: [dir],
    root: dir,
    // Only the thread's copy of the plugin throws: the error can only come from there.
    plugins: [{ ...throwingPlugin, analyze: uuid4.analyze }],
    options: await flagOptions({}),
    dryRun: false,
    threads: true,
    startThread: (workerData) =>
      startWorker(import.meta.url, "helpers/throwing-worker", { workerData }),
  };
  await expect(runCodemod(opts)).rejects.toThrow(/^pkg\d\/boom_\d+\.py: analysis failed$/);
  expect(readFileSync(path.join(dir, "pkg0/jobs_0.py"), "utf8")).toBe(before);
  // On this thread, the same error.
  await expect(runCodemod({ ...opts, plugins: [throwingPlugin], threads: false })).rejects.toThrow(
    "pkg0/boom_0.py: analysis failed",
  );
  expect(readFileSync(path.join(dir, "pkg0/jobs_0.py"), "utf8")).toBe(before);
}, 60_000);

test("a worker thread that cannot start: the run goes on without it, with the same result", async () => {
  const dir = tree();
  const base = {
    paths: [dir],
    root: dir,
    transforms: ["uuid4-to-ulid", "fstring-id-to-ulid"],
    options: await flagOptions({ rules }),
    dryRun: true,
  };
  const one = await runTransforms({ ...base, threads: false });
  const without = await runTransforms({
    ...base,
    threads: true,
    startThread: (workerData) =>
      startWorker(import.meta.url, "helpers/no-such-worker", { workerData }),
  });
  expect(without).toEqual(one);
  const thrown = await runTransforms({
    ...base,
    threads: true,
    startThread: () => {
      throw new Error("no threads here");
    },
  });
  expect(thrown).toEqual(one);
}, 60_000);
