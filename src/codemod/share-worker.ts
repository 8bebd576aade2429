// The worker-thread side of a share (see shares.ts): the entry that starts it knows the plugins
// by name and hands them over; every answer is plain data.
import { parentPort, workerData } from "node:worker_threads";
import type { CodemodPlugin } from "./plugin.ts";
import { LocalShare } from "./share.ts";
import type { FromThread, ThreadSetup, ToThread } from "./shares.ts";

export function serveShare(registry: Readonly<Record<string, CodemodPlugin>>): void {
  const port = parentPort;
  if (!port) throw new Error("a codemod share runs on a worker thread");
  const setup = workerData as ThreadSetup;
  const plugins = setup.plugins.map((name) => {
    const p = registry[name];
    if (!p) throw new Error(`unknown transform "${name}"`);
    return p;
  });
  const share = new LocalShare({ ...setup, plugins });
  const reply = (m: FromThread) => port.postMessage(m);
  port.on("message", async (m: ToThread) => {
    try {
      let answer: unknown;
      if (m.op === "scan") answer = await share.scan(m.files);
      else if (m.op === "ask") answer = await share.ask(m.files, new Map(m.early));
      else if (m.op === "parse") answer = await share.parse(m.files);
      else answer = await share.transform(new Map(m.indexes));
      reply({ id: m.id, answer });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply({ id: m.id, error: err.message, ...(err.stack ? { stack: err.stack } : {}) });
    }
  });
  reply({ ready: true });
}
