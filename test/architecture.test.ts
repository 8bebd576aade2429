import path from "node:path";
import { cruise, type IModule } from "dependency-cruiser";
import { beforeAll, describe, expect, test } from "vitest";
import { REPO_ROOT } from "./helpers.ts";

/**
 * The layers, lowest first: a folder may import its own layer's code and anything below it, never
 * above. `src/cli/` is the only importer of itself; the engine (`src/codemod/`) knows no transform.
 * Same-layer folders may not import each other (keeps each concern on its own).
 */
const LAYERS: string[][] = [
  ["src/errors.ts", "src/version.ts"],
  ["src/util"],
  ["src/codemod"],
  ["transforms"],
  ["src/plan", "src/report"],
  ["src/sql", "src/repo"],
  ["src/live"],
  ["src/run"],
  ["src/index.ts"],
  ["src/cli"],
];

/** The unit a module belongs to: its folder below src/ (or transforms/), or a loose file of src/. */
function unitOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "transforms") return "transforms";
  if (parts[0] === "src" && parts.length === 2) return file;
  return parts.slice(0, 2).join("/");
}

/** Every cycle of a directed graph, each as `a -> b -> a` (found once per starting node). */
function cycles(pairs: [string, string][]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const [a, b] of pairs) graph.set(a, (graph.get(a) ?? new Set()).add(b));
  const found = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string, trail: string[]) => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      found.add([...trail.slice(at), node].join(" -> "));
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return [...found];
}

const layerOf = (unit: string) => LAYERS.findIndex((l) => l.includes(unit));

let modules: IModule[] = [];
/** Runtime imports only (type-only imports vanish when TypeScript compiles). */
let edges: { from: string; to: string }[] = [];

beforeAll(async () => {
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    const result = await cruise(["src", "transforms"], {
      // Type-only imports too (dependency type "type-only"): the engine and the plugin API rules
      // count them; the layering and cycle rules look at what runs.
      tsPreCompilationDeps: true,
      doNotFollow: { path: "node_modules" },
      exclude: { path: "\\.d\\.c?ts$" },
    });
    if (typeof result.output === "string") throw new Error(result.output);
    modules = result.output.modules.filter((m) => /^(src|transforms)\//.test(m.source));
  } finally {
    process.chdir(cwd);
  }
  edges = modules.flatMap((m) =>
    m.dependencies
      .filter(
        (d) => /^(src|transforms)\//.test(d.resolved) && !d.dependencyTypes.includes("type-only"),
      )
      .map((d) => ({ from: m.source, to: d.resolved })),
  );
}, 60_000);

describe("architecture", () => {
  test("the cruise saw the whole tree", () => {
    expect(modules.length).toBeGreaterThan(40);
    expect(edges.length).toBeGreaterThan(80);
    expect(modules.map((m) => m.source)).toContain("src/cli/main.ts");
  });

  test("every module is in a layer", () => {
    const loose = modules.map((m) => unitOf(m.source)).filter((u) => layerOf(u) < 0);
    expect([...new Set(loose)]).toEqual([]);
  });

  test("no runtime import cycle between files", () => {
    expect(cycles(edges.map((e) => [e.from, e.to]))).toEqual([]);
  });

  test("no import cycle between folders", () => {
    const folderEdges = edges
      .map((e): [string, string] => [unitOf(e.from), unitOf(e.to)])
      .filter(([a, b]) => a !== b);
    expect(cycles(folderEdges)).toEqual([]);
  });

  test("imports point down the layers; same-layer folders stay apart", () => {
    const wrong = edges
      .map((e) => ({ ...e, a: unitOf(e.from), b: unitOf(e.to) }))
      .filter((e) => e.a !== e.b && layerOf(e.b) >= layerOf(e.a))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  test("nothing outside src/cli imports src/cli", () => {
    const wrong = edges.filter(
      (e) => e.to.startsWith("src/cli/") && !e.from.startsWith("src/cli/"),
    );
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  test("the engine names no transform", () => {
    // Type-only imports count too: the engine must not know the transforms exist.
    const fromEngine = modules
      .filter((m) => m.source.startsWith("src/codemod/"))
      .flatMap((m) => m.dependencies.map((d) => `${m.source} -> ${d.resolved}`))
      .filter((e) => e.includes("-> transforms/"));
    expect(fromEngine).toEqual([]);
  });

  test("transforms use the engine through the plugin API module only", () => {
    const wrong = modules
      // The registry, and its worker thread's entry, sit above the engine they run.
      .filter(
        (m) =>
          m.source.startsWith("transforms/") &&
          m.source !== "transforms/index.ts" &&
          m.source !== "transforms/run-worker.ts",
      )
      .flatMap((m) => m.dependencies.map((d) => ({ from: m.source, to: d.resolved })))
      .filter((e) => e.to.startsWith("src/") && e.to !== "src/codemod/api.ts");
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    expect(modules.some((m) => m.source === "transforms/uuid4-to-ulid.ts")).toBe(true);
  });

  test("at most four loose files at the top of src/", () => {
    const loose = modules.map((m) => m.source).filter((s) => s.split("/").length === 2);
    expect(loose.filter((s) => s.startsWith("src/")).length).toBeLessThanOrEqual(4);
    expect(path.basename("src/x.ts")).toBe("x.ts");
  });
});
