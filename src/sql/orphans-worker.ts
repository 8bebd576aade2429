// Worker thread entry: the orphan searches of one table on SQLite (see findOrphansOnThread), on
// their own read-only connection. Loads better-sqlite3 only, not the DuckDB client.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { OrphanInfo } from "./manifest.ts";
import { OrphanCollector, type OrphanSearch, orphanQueries } from "./references.ts";
import { SMALL_CACHE } from "./sqltext.ts";

const port = parentPort;
if (!port) throw new Error("orphans-worker runs as a worker thread");
const { file, searches } = workerData as { file: string; searches: OrphanSearch[] };
try {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`cache_size = ${SMALL_CACHE}`);
    const results: OrphanInfo[] = [];
    for (const s of searches) {
      const q = orphanQueries("sqlite", s);
      const nulls = Number(db.prepare(q.nulls).pluck().get());
      const found = new OrphanCollector(false);
      for (const row of db.prepare(q.rows).raw(true).iterate() as IterableIterator<unknown[]>) {
        found.add(row[0], row[1]);
      }
      results.push(found.result(nulls));
    }
    port.postMessage({ results });
  } finally {
    db.close();
  }
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
