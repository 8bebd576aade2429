import type { Edit } from "../plugin.ts";
import type { SyntaxNode } from "./parse.ts";
import {
  allNodes,
  type ImportBinding,
  identifiersNamed,
  importBindings,
  ScopeCache,
} from "./scope.ts";

/** `import module`, or `from module import name`. */
export interface ImportRequest {
  module: string;
  name?: string;
}

/** What a file's imports need (see `ImportManager.plan`). */
export interface ImportPlan {
  edits: Edit[];
  /** The import lines added (`import dhruva`), in the order asked. */
  added: string[];
  /** The modules they import from. */
  modules: string[];
  /** The same removals, with the added lines on lines of their own at `at` (a line start). */
  placedAt(at: number): Edit[];
}

interface ImportRequestEntry extends ImportRequest {
  local: string;
  /** Already imported by the file: nothing to add. */
  present: boolean;
}

/**
 * Collects what transforms ask of a file's imports and applies it once, after all their edits are
 * known (LibCST's AddImportsVisitor/RemoveImportsVisitor split): transforms never edit imports.
 */
export class ImportManager {
  readonly scopes: ScopeCache;
  private readonly root: SyntaxNode;
  private readonly source: string;
  private readonly newline: string;
  private readonly ensures = new Map<string, ImportRequestEntry>();
  private readonly removals = new Map<string, ImportBinding>();
  private boundNames?: Set<string>;

  constructor(root: SyntaxNode, source: string, newline: string) {
    this.root = root;
    this.source = source;
    this.newline = newline;
    this.scopes = new ScopeCache(root, source);
  }

  /**
   * Ask for an import and get the local name to use: `import module` (use `<local>.attr`), or with
   * `name`, `from module import name` (use `<local>`). An existing import is reused; a new one is
   * aliased when the name is already bound in the file, and `note` says so. The import is only
   * added if some surviving edit uses the name.
   */
  ensure(request: ImportRequest): { local: string; note?: string } {
    const key = `${request.module}\0${request.name ?? ""}`;
    let entry = this.ensures.get(key);
    let note: string | undefined;
    if (!entry) {
      const { module, name } = request;
      const existing = this.topLevelImports().find((b) =>
        name === undefined
          ? b.kind === "module" && b.module === module
          : b.kind === "from" && b.module === module && b.imported === name,
      );
      const last = module.split(".").pop() as string;
      const wanted = name ?? last;
      const local = existing
        ? existing.local
        : this.freeName(wanted, name === undefined ? `_${last}` : `${last}_${name}`);
      if (!existing && local !== wanted) {
        note = `\`${wanted}\` is already bound in this file, so the import is aliased as \`${local}\``;
      }
      entry = { ...request, local, present: existing !== undefined };
      this.ensures.set(key, entry);
    }
    return note ? { local: entry.local, note } : { local: entry.local };
  }

  /** Drop this binding's import if nothing outside the edited ranges still uses it. */
  removeIfUnused(binding: ImportBinding): void {
    this.removals.set(`${binding.statement.id}:${binding.local}`, binding);
  }

  /** Import edits to add to the transforms' own edits, new imports placed without sorting. */
  finalize(edits: readonly Edit[]): Edit[] {
    return this.plan(edits).edits;
  }

  /**
   * What the transforms' edits need of the imports: the edits (new imports placed where a removed
   * top-level import stood, else after the leading imports), what they add, and the same change
   * with the new lines at another place (for the import orderer to choose).
   */
  plan(edits: readonly Edit[]): ImportPlan {
    const removals: Edit[] = [];
    const removedStatements: SyntaxNode[] = [];
    const byStatement = new Map<number, { statement: SyntaxNode; remove: ImportBinding[] }>();
    for (const binding of this.removals.values()) {
      if (this.isStillUsed(binding, edits)) continue;
      const entry = byStatement.get(binding.statement.id) ?? {
        statement: binding.statement,
        remove: [],
      };
      entry.remove.push(binding);
      byStatement.set(binding.statement.id, entry);
    }
    for (const { statement, remove } of byStatement.values()) {
      const scope = remove[0]?.scope;
      if (!scope) continue;
      const all = importBindings(statement, scope);
      const gone = new Set(remove.map((b) => b.item.id));
      if (all.every((b) => gone.has(b.item.id))) {
        removedStatements.push(statement);
        continue;
      }
      removals.push(
        ...this.removeItems(
          all.map((b) => b.item),
          gone,
        ),
      );
    }

    // Only imports some surviving edit actually calls (a refused site asked for one too).
    const additions = [...this.ensures.values()].filter(
      (e) => !e.present && edits.some((x) => usesName(x.text, e.local)),
    );
    const added = additions.map(importLine);
    // Put the new import where a removed top-level import stood, so the diff reads as a swap.
    const swap = removedStatements.find((s) => s.parent?.type === "module" && added.length > 0);
    const out = [...removals];
    for (const statement of removedStatements) {
      if (statement === swap) {
        out.push({
          start: statement.startIndex,
          end: statement.endIndex,
          text: added.join(this.newline),
        });
      } else {
        out.push(this.removeStatement(statement));
      }
    }
    if (!swap && added.length > 0) out.push(this.insertion(added));
    const nl = this.newline;
    return {
      edits: out,
      added,
      modules: additions.map((a) => a.module),
      placedAt: (at) => [
        ...removals,
        ...removedStatements.map((s) => this.removeStatement(s)),
        ...(added.length > 0 ? [{ start: at, end: at, text: added.join(nl) + nl }] : []),
      ],
    };
  }

  private topLevelImports(): ImportBinding[] {
    return this.scopes.importsOf(this.root);
  }

  /** Names bound anywhere in the file outside class bodies (method names do not clash). */
  private names(): Set<string> {
    if (!this.boundNames) {
      const names = new Set<string>();
      for (const node of allNodes(this.root)) {
        if (
          node.type === "module" ||
          node.type === "function_definition" ||
          node.type === "lambda"
        ) {
          const info = this.scopes.get(node);
          for (const b of info.imports) names.add(b.local);
          for (const n of info.others) names.add(n);
        }
      }
      this.boundNames = names;
    }
    return this.boundNames;
  }

  private freeName(wanted: string, alias: string): string {
    if (identifiersNamed(this.root, this.source, wanted).length === 0) return wanted;
    const names = this.names();
    if (!names.has(wanted)) return wanted;
    let candidate = alias;
    for (let i = 2; names.has(candidate); i++) candidate = `${alias}${i}`;
    return candidate;
  }

  private isStillUsed(binding: ImportBinding, edits: readonly Edit[]): boolean {
    const inEdit = (n: SyntaxNode) =>
      edits.some((e) => n.startIndex >= e.start && n.endIndex <= e.end);
    const stmt = binding.statement;
    const inStatement = (n: SyntaxNode) =>
      n.startIndex >= stmt.startIndex && n.endIndex <= stmt.endIndex;
    if (
      identifiersNamed(binding.scope, this.source, binding.local).some(
        (n) => !inStatement(n) && !inEdit(n),
      )
    ) {
      return true;
    }
    // A name listed in __all__ or used in a string annotation is a use we cannot see as a node.
    const rest = this.source.slice(0, stmt.startIndex) + this.source.slice(stmt.endIndex);
    return new RegExp(`["']${escapeRegExp(binding.local)}["'.\\[]`).test(rest);
  }

  /** Remove some names from `from m import a, b, c` (or `import a, b`), keeping the rest as written. */
  private removeItems(items: SyntaxNode[], gone: Set<number>): Edit[] {
    const edits: Edit[] = [];
    let lastKept = -1;
    items.forEach((item, i) => {
      if (!gone.has(item.id)) lastKept = i;
    });
    items.forEach((item, i) => {
      if (!gone.has(item.id) || i > lastKept) return;
      edits.push({
        start: item.startIndex,
        end: (items[i + 1] as SyntaxNode).startIndex,
        text: "",
      });
    });
    if (lastKept < items.length - 1) {
      edits.push({
        start: (items[lastKept] as SyntaxNode).endIndex,
        end: (items[items.length - 1] as SyntaxNode).endIndex,
        text: "",
      });
    }
    return edits;
  }

  /** Delete a whole import statement: its line when alone on it, else `pass` keeps the block valid. */
  private removeStatement(statement: SyntaxNode): Edit {
    const src = this.source;
    const lineStart = src.lastIndexOf("\n", statement.startIndex - 1) + 1;
    let lineEnd = src.indexOf("\n", statement.endIndex);
    lineEnd = lineEnd === -1 ? src.length : lineEnd + 1;
    const before = src.slice(lineStart, statement.startIndex);
    const after = src.slice(statement.endIndex, lineEnd).replace(/\r?\n$/, "");
    const aloneOnLine = /^[ \t]*$/.test(before) && /^[ \t]*(#.*)?$/.test(after);
    const block = statement.parent;
    const onlyStatement =
      block?.type === "block" &&
      block.namedChildren.filter((c) => c.type !== "comment").length === 1;
    if (aloneOnLine && !onlyStatement) {
      // Also take a following blank line where it would otherwise open the file or block, or
      // double a gap.
      const prevLine = src.slice(src.lastIndexOf("\n", lineStart - 2) + 1, lineStart);
      const opensBlock =
        lineStart === 0 || (block?.type === "block" && statement.previousNamedSibling === null);
      const afterGap = lineStart > 0 && /^[ \t]*\r?\n$/.test(prevLine);
      const blank = /^[ \t]*\r?\n/.exec(src.slice(lineEnd));
      const end = blank && (opensBlock || afterGap) ? lineEnd + blank[0].length : lineEnd;
      return { start: lineStart, end, text: "" };
    }
    return { start: statement.startIndex, end: statement.endIndex, text: "pass" };
  }

  /**
   * Where a new top-level import goes: after the last import of the leading import block, else
   * after the docstring and `from __future__` imports, else after leading comments (shebang,
   * coding line, licence header).
   */
  private insertion(lines: string[]): Edit {
    const nl = this.newline;
    const statements = this.root.namedChildren;
    let anchor: SyntaxNode | undefined;
    let sawImports = false;
    for (const [i, node] of statements.entries()) {
      if (node.type === "comment") continue;
      if (i === firstNonComment(statements) && isDocstring(node)) {
        anchor = node;
        continue;
      }
      if (node.type === "future_import_statement") {
        anchor = node;
        continue;
      }
      if (node.type === "import_statement" || node.type === "import_from_statement") {
        anchor = node;
        sawImports = true;
        continue;
      }
      break;
    }
    const text = lines.join(nl) + nl;
    if (anchor) {
      let at = this.source.indexOf("\n", anchor.endIndex);
      if (at === -1) return { start: this.source.length, end: this.source.length, text: nl + text };
      at += 1;
      const blankBefore = sawImports ? "" : nl;
      const next = this.source.slice(at, at + 2);
      const blankAfter =
        !sawImports && next !== nl && !next.startsWith("\n") && at < this.source.length ? nl : "";
      return { start: at, end: at, text: blankBefore + text + blankAfter };
    }
    // No docstring or imports: after the leading comment lines.
    let at = 0;
    const src = this.source;
    while (at < src.length && src[at] === "#") {
      const eol = src.indexOf("\n", at);
      if (eol === -1) return { start: src.length, end: src.length, text: nl + text };
      at = eol + 1;
    }
    const rest = src.slice(at);
    const blankAfter = rest.length > 0 && !rest.startsWith(nl) && !rest.startsWith("\n") ? nl : "";
    return { start: at, end: at, text: text + blankAfter };
  }
}

function firstNonComment(nodes: SyntaxNode[]): number {
  return nodes.findIndex((n) => n.type !== "comment");
}

function isDocstring(node: SyntaxNode): boolean {
  return (
    node.type === "expression_statement" &&
    node.namedChildCount === 1 &&
    node.namedChild(0)?.type === "string"
  );
}

function importLine({ module, name, local }: ImportRequestEntry): string {
  if (name !== undefined) {
    return `from ${module} import ${name}${local === name ? "" : ` as ${local}`}`;
  }
  return local === module ? `import ${module}` : `import ${module} as ${local}`;
}

/** Does code text use `local` as a name (not as an attribute of something else)? */
function usesName(text: string, local: string): boolean {
  return new RegExp(`(?<![\\w.])${escapeRegExp(local)}(?!\\w)`).test(text);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether the node is part of an `import` / `from ... import` statement (a name, not a use). */
export function insideImport(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "import_statement" || p.type === "import_from_statement") return true;
    if (p.type.endsWith("statement") || p.type === "block") return false;
  }
  return false;
}
