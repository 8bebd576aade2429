// ruff on a thread of its own for a run: its 10 MB module compiles (about half a second) while the
// main thread reads and parses, and the import placement asks it synchronously (a message, then an
// Atomics wait on a shared flag, then the answer read off the port). Loaded only by the runner's
// `prepare`: jscodeshift (which compiles our sources to CommonJS) never loads this module.
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { startWorker } from "../../util/worker.ts";
import { useRuffBackend } from "./ruff.ts";

/** Starts the thread and routes ruff's checks to it; later calls reuse the one thread. */
export function startRuffThread(): void {
  const flag = new SharedArrayBuffer(4);
  const signal = new Int32Array(flag);
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker(import.meta.url, "ruff-worker", {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  // The thread never keeps the process alive; a run that needs no check never waits for it.
  worker.unref();
  port1.unref();
  let dead: string | undefined;
  worker.on("error", (e) => {
    dead = e.message;
  });
  const call = (request: object): unknown => {
    if (dead) throw new Error(`ruff's thread stopped: ${dead}`);
    Atomics.store(signal, 0, 0);
    port1.postMessage(request);
    // Its first answer waits for ruff to load; a minute is far more than that takes.
    if (Atomics.wait(signal, 0, 0, 60_000) === "timed-out") {
      throw new Error("ruff's thread did not answer within a minute");
    }
    const reply = receiveMessageOnPort(port1)?.message as { ok?: unknown; error?: string };
    if (reply?.error !== undefined) throw new Error(reply.error);
    return reply?.ok;
  };
  useRuffBackend({
    version: () => call({ version: true }) as string,
    check: (settings, text) => call({ settings, text }),
  });
}
