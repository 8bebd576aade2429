// Starts a TypeScript worker entry when running from sources: a worker does not inherit the
// loader hooks the main thread registered, and `--import` in its execArgv is ignored on Node 20.
import { register } from "tsx/esm/api";

register();
await import(process.argv[2]);
