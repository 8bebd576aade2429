// Worker thread entry: one table's MapBody (see openMapBody in map-body.ts).
import { parentPort, workerData } from "node:worker_threads";
import { MapBody, type MapBodyArgs } from "./map-body.ts";

const port = parentPort;
if (!port) throw new Error("map-body-worker runs as a worker thread");
const body = new MapBody(workerData as MapBodyArgs);
port.on("message", (m: { ms: Float64Array; legacy: string[] } | "close") => {
  try {
    if (m === "close") {
      port.postMessage({ result: body.close() });
      return;
    }
    for (let i = 0; i < m.legacy.length; i++) body.add(m.ms[i] as number, m.legacy[i] as string);
    port.postMessage({ done: true });
  } catch (e) {
    body.discardIfOpen();
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
