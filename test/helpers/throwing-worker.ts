// A worker thread entry serving one plugin that throws on a file named boom.py (threads.test.ts).
import { serveShare } from "../../src/codemod/share-worker.ts";
import { throwingPlugin } from "./throwing-plugin.ts";

serveShare({ [throwingPlugin.name]: throwingPlugin });
