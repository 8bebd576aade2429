/** Parse-only baseline: read every .py file under a directory and parse it once with tree-sitter. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parsePython } from "../src/codemod/python/parse.ts";

function* pyFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* pyFiles(p);
    else if (e.name.endsWith(".py")) yield p;
  }
}

let nodes = 0;
for (const f of pyFiles(process.argv[2] as string))
  nodes += parsePython(readFileSync(f, "utf8")).rootNode.childCount;
if (nodes === 0) process.exitCode = 1;
