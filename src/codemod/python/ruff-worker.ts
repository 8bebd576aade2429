// Worker thread entry: ruff's WebAssembly build, loaded as soon as the thread starts (while the
// run reads and parses on the main thread), answering checks synchronously (see ruff-thread.ts).
import { type MessagePort, workerData } from "node:worker_threads";
import loadRuff from "./ruff-load.cjs";

interface Request {
  settings?: string;
  text?: string;
  version?: true;
}

const { port, flag } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const signal = new Int32Array(flag);
const workspaces = new Map<string, { check(text: string): unknown }>();

function answer(message: unknown): void {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

let ruff: ReturnType<typeof loadRuff> | undefined;
let loadError: string | undefined;
try {
  ruff = loadRuff();
} catch (e) {
  loadError = String(e instanceof Error ? e.message : e);
}

port.on("message", (req: Request) => {
  try {
    if (!ruff) throw new Error(`ruff could not be loaded: ${loadError}`);
    if (req.version) return answer({ ok: ruff.Workspace.version() });
    const key = req.settings as string;
    let ws = workspaces.get(key);
    if (!ws) {
      ws = new ruff.Workspace(JSON.parse(key), ruff.PositionEncoding.Utf16) as unknown as {
        check(text: string): unknown;
      };
      workspaces.set(key, ws);
    }
    answer({ ok: ws.check(req.text as string) });
  } catch (e) {
    answer({ error: String(e instanceof Error ? e.message : e).replace(/^Error: /, "") });
  }
});
