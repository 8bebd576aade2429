// The plan's service commands around the data step, run for real: small shell scripts that write
// to a log what they saw (how many backups exist, whether the keys are legacy or ULIDs), so the
// order stop -> backup -> apply -> start is read from what actually happened.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { parseDocument } from "yaml";
import { buildDemoWorkspace, type DemoWorkspace } from "../src/cli/demo-workspace.ts";
import { cliCapture, tempDir } from "./helpers/repos.ts";
import { BIN } from "./helpers.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

interface Ws extends DemoWorkspace {
  log: string;
  script: (name: string, exit?: number, extra?: string) => string;
}

/** The demo workspace with `services` on crackerjack; `script(name, exit)` makes a logging command. */
async function workspace(services: (ws: Ws) => Record<string, unknown>): Promise<Ws> {
  tmp = tempDir("ulid-services-");
  const base = await buildDemoWorkspace(path.join(tmp.dir, "ws"), { jobs: 60, sessions: 20 });
  const scripts = path.join(tmp.dir, "scripts");
  fs.mkdirSync(scripts);
  const log = path.join(tmp.dir, "services.log");
  const db = base.databases[0]?.path as string;
  const backups = path.join(base.dir, "backups", "crackerjack");
  // What the service would see: legacy keys or ULIDs in jobs.
  fs.writeFileSync(
    path.join(scripts, "keys.py"),
    `import sqlite3, sys\nids = [r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT job_id FROM jobs")]\nprint("ulid" if all(len(i) == 26 for i in ids) else "legacy" if all(len(i) == 36 for i in ids) else "mixed")\n`,
  );
  let n = 0;
  const ws: Ws = {
    ...base,
    log,
    script: (name, exit = 0, extra = "") => {
      const file = path.join(scripts, `${name}-${++n}.sh`);
      fs.writeFileSync(
        file,
        [
          "#!/bin/sh",
          `b=$(ls "${backups}" 2>/dev/null | grep -vc json)`,
          `k=$(python3 "${path.join(scripts, "keys.py")}" "${db}")`,
          `echo "${name} $ULID_CODEMOD_SERVICE_PHASE $ULID_CODEMOD_SYSTEM backups=$b keys=$k cwd=$(basename "$PWD")" >> "${log}"`,
          extra,
          `echo "${name}: some output"`,
          `echo "${name}: on stderr" >&2`,
          `exit ${exit}`,
          "",
        ].join("\n"),
      );
      return `sh ${file}`;
    },
  };
  const doc = parseDocument(fs.readFileSync(ws.config, "utf8"));
  doc.setIn(["systems", "crackerjack", "services"], services(ws));
  fs.writeFileSync(ws.config, doc.toString());
  return ws;
}

const logLines = (ws: Ws) =>
  fs.existsSync(ws.log) ? fs.readFileSync(ws.log, "utf8").trim().split("\n") : [];
const migrate = (ws: Ws, ...more: string[]) =>
  cliCapture(["migrate", "--config", ws.config, "--system", "crackerjack", "--yes", ...more]);

function jobCount(ws: Ws): number {
  const db = new Database(ws.databases[0]?.path as string, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("services around the data step", () => {
  test("success: stop before the backup, start after the apply; output in the summary", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a"), w.script("stop-b")],
      start: [w.script("start-a")],
    }));
    const r = await migrate(ws, "--apply");
    expect(r.code, r.err).toBe(0);
    expect(logLines(ws)).toEqual([
      "stop-a stop crackerjack backups=0 keys=legacy cwd=crackerjack",
      "stop-b stop crackerjack backups=0 keys=legacy cwd=crackerjack",
      "start-a start crackerjack backups=1 keys=ulid cwd=crackerjack",
    ]);
    expect(r.out).toMatch(/^ {2}crackerjack: stop `sh .*stop-a-1\.sh`: ok in \d+\.\d s$/m);
    expect(r.out).toContain("      stop-a: some output\n      stop-a: on stderr\n");
    expect(r.out).toMatch(/^ {2}crackerjack: start `sh .*start-a-3\.sh`: ok in/m);
    // The progress log says when each ran.
    const order = [/stopping services/, /backup \S+ verified/, /starting services/].map((re) =>
      r.err.search(re),
    );
    expect(order[0]).toBeGreaterThan(-1);
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });

  test("a failing stop stops the phase before the backup; start still runs", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a", 3), w.script("stop-b")],
      start: [w.script("start-a")],
    }));
    const r = await migrate(ws, "--apply");
    expect(r.code).toBe(1);
    expect(logLines(ws)).toEqual([
      "stop-a stop crackerjack backups=0 keys=legacy cwd=crackerjack",
      "start-a start crackerjack backups=0 keys=legacy cwd=crackerjack",
    ]);
    expect(r.err).toMatch(
      /crackerjack: stopping the service failed: `sh .*stop-a-1\.sh` exited with 3: stop-a: on stderr; nothing was changed/,
    );
    expect(r.out).toContain("FAILED (exited with 3)");
    expect(fs.existsSync(path.join(ws.dir, "backups", "crackerjack"))).toBe(false);
  });

  test("a failed apply is restored, then start runs", async () => {
    // The stop script writes a job: the SQL's row-count guard then fails inside the apply.
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a", 0, insertJob(w.databases[0]?.path as string))],
      start: [w.script("start-a")],
    }));
    const before = jobCount(ws);
    const r = await migrate(ws, "--apply");
    expect(r.code).toBe(1);
    expect(r.err).toContain("guard failed");
    expect(logLines(ws)).toEqual([
      "stop-a stop crackerjack backups=0 keys=legacy cwd=crackerjack",
      // The backup was taken (after the stop), the apply rolled back: legacy keys when it starts.
      "start-a start crackerjack backups=1 keys=legacy cwd=crackerjack",
    ]);
    expect(jobCount(ws)).toBe(before + 1);
  });

  test("Ctrl-C inside the apply: rolled back, then start runs; exit 130", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a")],
      start: [w.script("start-a")],
    }));
    const marker = path.join(ws.dir, "paused");
    // The real CLI in its own process group, signalled there as a terminal's Ctrl-C is.
    const child = spawn(
      process.execPath,
      [BIN, "migrate", "--config", ws.config, "--system", "crackerjack", "--yes", "--apply"],
      {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          ULID_CODEMOD_TEST_PAUSE: "apply:after-file:1",
          ULID_CODEMOD_TEST_PAUSE_MARKER: marker,
        },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(marker) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fs.existsSync(marker), out).toBe(true);
    process.kill(-(child.pid as number), "SIGINT");
    expect(await code).toBe(130);
    expect(logLines(ws)).toEqual([
      "stop-a stop crackerjack backups=0 keys=legacy cwd=crackerjack",
      "start-a start crackerjack backups=1 keys=legacy cwd=crackerjack",
    ]);
    expect(out).toMatch(/crackerjack: start `sh .*start-a-2\.sh`: ok/);
  });

  test("a failing start after a good apply: exit 1, the database is migrated but the service is down", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a")],
      start: [w.script("start-a", 7), w.script("start-b")],
    }));
    const r = await migrate(ws, "--apply");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /crackerjack: the database is migrated \(60 rows backfilled, backup .*\), but the service is down: starting it failed: `sh .*start-a-2\.sh` exited with 7/,
    );
    // Every start command is tried.
    expect(logLines(ws).map((l) => l.split(" ")[0])).toEqual(["stop-a", "start-a", "start-b"]);
    expect(logLines(ws)[1]).toContain("keys=ulid");
  });

  test("rollback stops and starts around the restore", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a")],
      start: [w.script("start-a")],
    }));
    expect((await migrate(ws, "--apply")).code).toBe(0);
    fs.rmSync(ws.log);
    const dry = await cliCapture([
      "rollback",
      "--config",
      ws.config,
      "--system",
      "crackerjack",
      "--dry-run",
    ]);
    expect(dry.out).toMatch(/crackerjack: services: stop `sh .*stop-a-1\.sh` before the backup/);
    expect(logLines(ws)).toEqual([]);
    const r = await cliCapture([
      "rollback",
      "--config",
      ws.config,
      "--system",
      "crackerjack",
      "--yes",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(logLines(ws)).toEqual([
      "stop-a stop crackerjack backups=1 keys=ulid cwd=crackerjack",
      "start-a start crackerjack backups=1 keys=legacy cwd=crackerjack",
    ]);
    expect(r.out).toContain("crackerjack: database: restored");
    expect(r.out).toContain("      start-a: some output");
  });

  test("--dry-run prints the commands and runs none", async () => {
    const ws = await workspace((w) => ({ stop: [w.script("stop-a")], start: ["true"] }));
    const r = await migrate(ws, "--dry-run");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /crackerjack: with --apply, services: stop `sh .*stop-a-1\.sh` before the backup, start `true` after the data step \(also when it fails\); each in .*crackerjack, at most 120 s/,
    );
    expect(logLines(ws)).toEqual([]);
  });

  test("the time limit kills a hanging stop (and what it started); nothing changes", async () => {
    const ws = await workspace((w) => ({
      stop: [`${w.script("stop-a")}; sleep 30`],
      start: [w.script("start-a")],
      timeoutSeconds: 1,
    }));
    const t = Date.now();
    const r = await migrate(ws, "--apply");
    expect(r.code).toBe(1);
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(r.err).toMatch(/stopping the service failed: `.*sleep 30` timed out \(killed\)/);
    expect(logLines(ws).map((l) => l.split(" ")[0])).toEqual(["stop-a", "start-a"]);
    expect(fs.existsSync(path.join(ws.dir, "backups", "crackerjack"))).toBe(false);
  });

  test("the preflight names a service program the shell cannot find; nothing runs", async () => {
    const ws = await workspace((w) => ({
      stop: [w.script("stop-a")],
      start: ["FOO=1 no-such-service-ctl start"],
    }));
    const r = await migrate(ws, "--apply");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /crackerjack: .*ulid-migration\.yaml: systems\.crackerjack\.services\.start\[0\]: `no-such-service-ctl` is not a command the shell finds/,
    );
    expect(logLines(ws)).toEqual([]);
  });

  test("services on a system without a database are refused by the plan", async () => {
    const ws = await workspace(() => ({ stop: ["true"] }));
    const doc = parseDocument(fs.readFileSync(ws.config, "utf8"));
    doc.setIn(["systems", "akosha", "services"], { stop: ["true"] });
    fs.writeFileSync(ws.config, doc.toString());
    const r = await migrate(ws, "--dry-run");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "systems.akosha.services: services run around the data step, and this system has no database",
    );
  });
});

/** A shell line that writes one job row (a service still running would). */
function insertJob(db: string): string {
  const sql =
    "INSERT INTO jobs (job_id, start_time, status) VALUES ('aaaaaaaa-0000-4000-a000-000000000000', '2024-05-01 00:00:00', 'ok')";
  return `python3 -c "import sqlite3; c = sqlite3.connect('${db}'); c.execute(\\"${sql}\\"); c.commit()"`;
}
