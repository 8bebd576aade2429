// The package manifest of a run: packages the new imports need go into the `dependencies` of the
// nearest package.json (a workspace's own), as text edits that keep its key order and formatting.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ts } from "ts-morph";
import { toPosix } from "../../util/posix-path.ts";
import { applyEdits } from "../edits.ts";
import type { Edit, ReportEntry, RunHooks, TransformedFile } from "../plugin.ts";
import type { TsFile } from "./language.ts";
import { tsApi } from "./parse.ts";
import { lineOf, nearest } from "./project.ts";

const LOCKFILES: [string, string][] = [
  ["package-lock.json", "npm install"],
  ["npm-shrinkwrap.json", "npm install"],
  ["pnpm-lock.yaml", "pnpm install"],
  ["yarn.lock", "yarn install"],
  ["bun.lock", "bun install"],
  ["bun.lockb", "bun install"],
];

/** Adds what the files' new imports need to their package.json files (via `run.change`). */
export function addDependencies(files: TransformedFile<TsFile>[], run: RunHooks<TsFile>): void {
  // package.json -> module -> range and the files needing it
  const wanted = new Map<string, Map<string, Wanted>>();
  for (const f of files) {
    for (const dep of f.ctx.imports.added) {
      const manifest = nearest(path.dirname(f.abs), run.root, "package.json");
      if (!manifest) {
        run.report({
          transform: dep.by,
          file: f.ctx.path,
          line: 1,
          column: 1,
          before: "",
          after: null,
          outcome: "needs-review",
          reason: `no package.json between this file and the repository root: add \`${dep.module}\` (${dep.range}) to the dependencies of the package it belongs to`,
        });
        continue;
      }
      const deps = wanted.get(manifest) ?? new Map();
      const entry = deps.get(dep.module) ?? { range: dep.range, by: dep.by, files: [] };
      entry.files.push(f.ctx.path);
      deps.set(dep.module, entry);
      wanted.set(manifest, deps);
    }
  }
  for (const [manifest, deps] of wanted) editManifest(manifest, deps, run);
}

/** A package some files now import: the range to add, who asked, and the files. */
interface Wanted {
  range: string;
  by: string;
  files: string[];
}

function editManifest(abs: string, deps: Map<string, Wanted>, run: RunHooks<TsFile>): void {
  const api = tsApi();
  const file = toPosix(path.relative(run.root, abs));
  const before = readFileSync(abs, "utf8");
  const bom = before.startsWith("\uFEFF") ? 1 : 0;
  const text = before.slice(bom);
  const entryAt = (
    line: number,
    by: string,
    fields: Pick<ReportEntry, "after" | "outcome" | "reason">,
  ) => ({
    transform: by,
    file,
    line,
    column: 1,
    before: "",
    ...fields,
  });
  // JSON.parse says whether it is JSON (the compiler's JSON parser also takes comments and
  // trailing commas); the compiler's tree says where things are.
  let strict = true;
  try {
    JSON.parse(text);
  } catch {
    strict = false;
  }
  const json = api.parseJsonText(abs, text);
  const root = json.statements[0]?.expression;
  if (!strict || !root || !api.isObjectLiteralExpression(root)) {
    for (const [module, { range, by }] of deps) {
      run.report(
        entryAt(1, by, {
          after: null,
          outcome: "needs-review",
          reason: `not a JSON object that can be edited safely: add \`${module}\` (${range}) to its dependencies by hand`,
        }),
      );
    }
    return;
  }
  const layout = new Layout(json, text);
  const edits: Edit[] = [];
  const entries: ReportEntry[] = [];
  const lock = lockfile(path.dirname(abs), run.root);
  for (const [module, { range, by, files }] of deps) {
    const section = (name: string) => layout.object(root, name);
    const has = (name: string) => {
      const o = section(name);
      return o !== undefined && layout.object(o, module, true) !== undefined;
    };
    const users = `${files.slice(0, 3).join(", ")}${files.length > 3 ? `, and ${files.length - 3} more` : ""}`;
    if (has("dependencies") || has("peerDependencies") || has("optionalDependencies")) continue;
    if (has("devDependencies")) {
      entries.push(
        entryAt(1, by, {
          after: null,
          outcome: "needs-review",
          reason: `\`${module}\` is only in devDependencies, and ${users} now import it at run time: move it to dependencies`,
        }),
      );
      continue;
    }
    const edit = layout.addDependency(root, module, range);
    edits.push(edit);
    entries.push(
      entryAt(1, by, {
        after: `${JSON.stringify(module)}: ${JSON.stringify(range)}`,
        outcome: "needs-review",
        reason: `\`${module}\` ${range} added to dependencies (imported by ${users}): refresh the lockfile${lock ? ` (${lock.command}; ${toPosix(path.relative(run.root, lock.file))})` : ""} and commit it with this change`,
      }),
    );
  }
  if (edits.length === 0) {
    for (const e of entries) run.report(e);
    return;
  }
  const after = before.slice(0, bom) + applyEdits(text, edits);
  // Each entry at the line its dependency now stands on.
  for (const e of entries) {
    if (e.after) e.line = lineOf(after, after.indexOf(e.after));
  }
  run.change({ abs, before, after, entries });
}

function lockfile(dir: string, root: string): { file: string; command: string } | undefined {
  let cur = dir;
  for (;;) {
    for (const [name, command] of LOCKFILES) {
      const file = path.join(cur, name);
      if (existsSync(file)) return { file, command };
    }
    const rel = path.relative(root, cur);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
    cur = path.dirname(cur);
  }
}

/** Where and how to write into a JSON text: its newline and indentation as found. */
class Layout {
  private readonly nl: string;
  private readonly unit: string;

  constructor(
    private readonly json: ts.JsonSourceFile,
    private readonly text: string,
  ) {
    this.nl = text.includes("\r\n") ? "\r\n" : "\n";
    const root = json.statements[0]?.expression as ts.ObjectLiteralExpression;
    const first = root.properties[0];
    this.unit = first ? this.indentOf(first) || "  " : "  ";
  }

  /** The object value of `name` in `obj` (any value with `any`), or undefined. */
  object(obj: ts.ObjectLiteralExpression, name: string, any = false) {
    const api = tsApi();
    for (const p of obj.properties) {
      if (!api.isPropertyAssignment(p) || !api.isStringLiteral(p.name) || p.name.text !== name) {
        continue;
      }
      if (api.isObjectLiteralExpression(p.initializer)) return p.initializer;
      return any ? (p.initializer as unknown as ts.ObjectLiteralExpression) : undefined;
    }
    return undefined;
  }

  private property(obj: ts.ObjectLiteralExpression, name: string) {
    const api = tsApi();
    return obj.properties.find(
      (p) => api.isPropertyAssignment(p) && api.isStringLiteral(p.name) && p.name.text === name,
    );
  }

  /** The whitespace before a node on its line ("" when something else comes first). */
  private indentOf(node: ts.Node): string {
    const start = node.getStart(this.json);
    const lineStart = this.text.lastIndexOf("\n", start - 1) + 1;
    const before = this.text.slice(lineStart, start);
    return /^[ \t]*$/.test(before) ? before : "";
  }

  private onOwnLine(node: ts.Node): boolean {
    const start = node.getStart(this.json);
    const lineStart = this.text.lastIndexOf("\n", start - 1) + 1;
    return /^[ \t]*$/.test(this.text.slice(lineStart, start));
  }

  /** One edit adding `"module": "range"` to `dependencies` (made if missing), in sorted place. */
  addDependency(root: ts.ObjectLiteralExpression, module: string, range: string): Edit {
    const item = `${JSON.stringify(module)}: ${JSON.stringify(range)}`;
    const deps = this.object(root, "dependencies");
    const outer = this.property(root, "dependencies");
    if (deps && outer) return this.addTo(deps, item, module, this.indentOf(outer));
    const depsBlock = (indent: string, multi: boolean) =>
      multi
        ? `"dependencies": {${this.nl}${indent}${this.unit}${item}${this.nl}${indent}}`
        : `"dependencies": { ${item} }`;
    const props = root.properties;
    const multi = props.length === 0 || props.every((p) => this.onOwnLine(p));
    const indent = props[0] ? this.indentOf(props[0]) : this.unit;
    const dev = this.property(root, "devDependencies");
    if (dev) {
      return {
        start: dev.getStart(this.json),
        end: dev.getStart(this.json),
        text: `${depsBlock(indent, multi)},${multi ? this.nl + indent : " "}`,
      };
    }
    const last = props[props.length - 1];
    if (!last) {
      return {
        start: root.getStart(this.json),
        end: root.end,
        text: `{${this.nl}${indent}${depsBlock(indent, true)}${this.nl}}`,
      };
    }
    return {
      start: last.end,
      end: last.end,
      text: `,${multi ? this.nl + indent : " "}${depsBlock(indent, multi)}`,
    };
  }

  private addTo(
    deps: ts.ObjectLiteralExpression,
    item: string,
    module: string,
    outerIndent: string,
  ): Edit {
    const api = tsApi();
    const props = deps.properties;
    if (props.length === 0) {
      return {
        start: deps.getStart(this.json),
        end: deps.end,
        text: `{${this.nl}${outerIndent}${this.unit}${item}${this.nl}${outerIndent}}`,
      };
    }
    const keys = props.map((p) => (p.name && api.isStringLiteral(p.name) ? p.name.text : ""));
    const sorted = keys.every((k, i) => i === 0 || (keys[i - 1] as string) <= k);
    const multi = props.every((p) => this.onOwnLine(p));
    const sep = multi ? `${this.nl}${this.indentOf(props[0] as ts.Node)}` : " ";
    const before = sorted ? props.find((_, i) => (keys[i] as string) > module) : undefined;
    if (before) {
      const at = before.getStart(this.json);
      return { start: at, end: at, text: `${item},${sep}` };
    }
    const last = props[props.length - 1] as ts.Node;
    return { start: last.end, end: last.end, text: `,${sep}${item}` };
  }
}
