// Worker thread entry of a codemod run spread over threads: a share of the files, through the
// plugins of the registry (the runner names them; see src/codemod/shares.ts).
import { serveShare } from "../src/codemod/share-worker.ts";
import { TRANSFORMS } from "./index.ts";

serveShare(TRANSFORMS);
