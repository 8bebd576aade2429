// Worker thread entry: one table's MapBody (see openMapBody in map-body.ts).
import { parentPort, workerData } from "node:worker_threads";
import { MapBody, type MapBodyArgs, type RowBatch } from "./map-body.ts";

const port = parentPort;
if (!port) throw new Error("map-body-worker runs as a worker thread");
const body = new MapBody(workerData as MapBodyArgs);
port.on("message", (m: RowBatch | "close") => {
  try {
    if (m === "close") {
      port.postMessage({ files: body.close() });
      return;
    }
    let at = 0;
    for (let i = 0; i < m.ms.length; i++) {
      const end = at + (m.lengths[i] as number);
      body.add(m.ms[i] as number, m.text.slice(at, end));
      at = end;
    }
    port.postMessage({ done: true });
  } catch (e) {
    body.discardIfOpen();
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
