// Imports of a TS/JS file, managed once after the transforms' edits (as the Python side does):
// transforms ask for a name and for bindings to drop if unused; this writes the import changes in
// the file's own style (ESM or CommonJS, its quotes, its semicolons).
import type { ts } from "ts-morph";
import type { Edit } from "../plugin.ts";
import { type TsNode, type TsSourceFile, tsApi } from "./parse.ts";
import {
  bindingOfDeclaration,
  identifiersNamed,
  type ModuleBinding,
  refersTo,
  requiredModule,
} from "./scope.ts";

/** `import { name } from "module"` (or `const { name } = require("module")`). */
export interface TsImportRequest {
  module: string;
  name: string;
  /** The local name to use when `name` is taken in the file. */
  alias: string;
  /** A dependency range for the package manifest when the import is added (`^3.0.2`). */
  dependency?: string;
  /** Who asks (a transform's name), for the report entry of the manifest change. */
  by?: string;
}

interface RequestEntry extends TsImportRequest {
  local: string;
  present: boolean;
}

/** A package a finalized file now imports and the range the manifest should hold. */
export interface AddedDependency {
  module: string;
  range: string;
  by: string;
}

type Style = "esm" | "cjs";

export class TsImportManager {
  private readonly ensures = new Map<string, RequestEntry>();
  private readonly removals = new Map<TsNode, ModuleBinding>();
  private styleCache?: Style | { error: string };
  /** What the last `finalize` added that the manifest must provide. */
  added: AddedDependency[] = [];

  constructor(
    private readonly sf: TsSourceFile,
    private readonly path: string,
    private readonly newline: string,
    private readonly checker: () => ts.TypeChecker,
  ) {}

  /**
   * Ask for an import and get the expression to call (`ulid`, `u.ulid`, or an alias when the
   * name is taken, with a note saying so), or why no import can be added to this file.
   */
  ensure(request: TsImportRequest): { local: string; note?: string } | { error: string } {
    const key = `${request.module}\0${request.name}`;
    let entry = this.ensures.get(key);
    let note: string | undefined;
    if (!entry) {
      const existing = this.existing(request);
      if (existing) {
        entry = { ...request, local: existing, present: true };
      } else {
        const style = this.style();
        if (typeof style !== "string") return style;
        const local = this.freeName(request.name, request.alias);
        if (local !== request.name) {
          note = `\`${request.name}\` is already a name in this file, so the import is aliased as \`${local}\``;
        }
        entry = { ...request, local, present: false };
      }
      this.ensures.set(key, entry);
    } else if (!entry.present && entry.local !== request.name) {
      note = `\`${request.name}\` is already a name in this file, so the import is aliased as \`${entry.local}\``;
    }
    return note ? { local: entry.local, note } : { local: entry.local };
  }

  /** Drop this binding's import if nothing outside the edited ranges still uses it. */
  removeIfUnused(binding: ModuleBinding): void {
    this.removals.set(binding.declaration, binding);
  }

  /** Import edits to add to the transforms' own edits. */
  finalize(edits: readonly Edit[]): Edit[] {
    const out: Edit[] = [];
    const removed: TsNode[] = [];
    const byStatement = new Map<TsNode, Set<TsNode>>();
    for (const b of this.removals.values()) {
      if (this.isStillUsed(b, edits)) continue;
      const gone = byStatement.get(b.statement) ?? new Set<TsNode>();
      gone.add(b.declaration);
      byStatement.set(b.statement, gone);
    }
    for (const [statement, gone] of byStatement) {
      const partial = this.removeFrom(statement, gone);
      if (partial) out.push(...partial);
      else removed.push(statement);
    }

    const additions = [...this.ensures.values()].filter(
      (e) => !e.present && edits.some((x) => usesName(x.text, e.local)),
    );
    this.added = additions.flatMap((e) =>
      e.dependency ? [{ module: e.module, range: e.dependency, by: e.by ?? "typescript" }] : [],
    );
    const style = this.style();
    const lines = typeof style === "string" ? additions.map((e) => this.importLine(e, style)) : [];
    // The new import takes the place of a removed top-level one, so the diff reads as a swap.
    const swap = lines.length > 0 ? removed.find((s) => s.parent === this.sf) : undefined;
    for (const statement of removed) {
      if (statement === swap) {
        out.push({
          start: statement.getStart(this.sf),
          end: statement.end,
          text: lines.join(this.newline),
        });
      } else out.push(this.removeStatement(statement));
    }
    if (!swap && lines.length > 0) out.push(this.insertion(lines));
    return out;
  }

  /** The file's own import of `name`, as the expression to call, if it has one at the top. */
  private existing(request: TsImportRequest): string | undefined {
    const api = tsApi();
    for (const st of this.sf.statements) {
      if (api.isImportDeclaration(st)) {
        const clause = st.importClause;
        if (!clause || clause.isTypeOnly || !api.isStringLiteral(st.moduleSpecifier)) continue;
        if (st.moduleSpecifier.text !== request.module) continue;
        const nb = clause.namedBindings;
        if (nb && api.isNamespaceImport(nb)) return `${nb.name.text}.${request.name}`;
        for (const el of nb && api.isNamedImports(nb) ? nb.elements : []) {
          if (!el.isTypeOnly && (el.propertyName ?? el.name).text === request.name) {
            return el.name.text;
          }
        }
      } else if (api.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          const b = api.isIdentifier(d.name) ? bindingOfDeclaration(d) : undefined;
          if (b?.module === request.module) {
            if (b.kind === "module") return `${b.local}.${request.name}`;
            if (b.imported === request.name) return b.local;
          }
          if (api.isObjectBindingPattern(d.name)) {
            for (const el of d.name.elements) {
              const eb = bindingOfDeclaration(el);
              if (eb?.module === request.module && eb.imported === request.name) return eb.local;
            }
          }
        }
      }
    }
    return undefined;
  }

  /**
   * ESM or CommonJS, as the file is written. A `.js` file with neither an import nor a require
   * may be a plain browser script: no import can be added there safely.
   */
  private style(): Style | { error: string } {
    if (this.styleCache) return this.styleCache;
    const api = tsApi();
    const esm = this.sf.statements.some(
      (s) =>
        api.isImportDeclaration(s) ||
        api.isImportEqualsDeclaration(s) ||
        api.isExportDeclaration(s) ||
        api.isExportAssignment(s) ||
        (api.canHaveModifiers(s) &&
          api.getModifiers(s)?.some((m) => m.kind === api.SyntaxKind.ExportKeyword)),
    );
    const cjs = this.sf.statements.some((s) => this.isRequireStatement(s));
    const p = this.path;
    let style: Style | { error: string };
    if (/\.c[jt]s$/.test(p) && !/\.cts$/.test(p)) style = "cjs";
    else if (/\.m[jt]s$/.test(p) || esm) style = "esm";
    else if (cjs) style = "cjs";
    else if (/\.[cm]?tsx?$/.test(p)) style = "esm";
    else {
      style = {
        error:
          "the file has no import, export or require, so it may be a plain script: left for a person to add ulid",
      };
    }
    this.styleCache = style;
    return style;
  }

  private isRequireStatement(s: ts.Statement): boolean {
    const api = tsApi();
    return (
      api.isVariableStatement(s) &&
      s.declarationList.declarations.some((d) => {
        const init = d.initializer;
        return (
          requiredModule(init) !== undefined ||
          (init !== undefined &&
            api.isPropertyAccessExpression(init) &&
            requiredModule(init.expression) !== undefined)
        );
      })
    );
  }

  private quote(): string {
    const api = tsApi();
    let found: string | undefined;
    const visit = (node: TsNode): void => {
      if (found) return;
      if (api.isStringLiteral(node)) {
        found = this.sf.text[node.getStart(this.sf)];
        return;
      }
      api.forEachChild(node, visit);
    };
    // Module specifiers first: they are what the new line sits with.
    for (const s of this.sf.statements) {
      if (api.isImportDeclaration(s)) visit(s.moduleSpecifier);
      else if (this.isRequireStatement(s)) visit(s);
      if (found) return found;
    }
    visit(this.sf);
    return found === "'" ? "'" : '"';
  }

  /** Does the file end its statements with semicolons? (From its imports, else its first statements.) */
  private semicolon(): string {
    const api = tsApi();
    const imports = this.sf.statements.filter(
      (s) => api.isImportDeclaration(s) || this.isRequireStatement(s),
    );
    const sample = (imports.length > 0 ? imports : this.sf.statements).slice(0, 5);
    const simple = sample.filter(
      (s) =>
        api.isImportDeclaration(s) || api.isVariableStatement(s) || api.isExpressionStatement(s),
    );
    if (simple.length === 0) return ";";
    return simple.some((s) => s.getText(this.sf).endsWith(";")) ? ";" : "";
  }

  private importLine(e: RequestEntry, style: Style): string {
    const q = this.quote();
    const semi = this.semicolon();
    const as =
      e.local === e.name ? e.name : `${e.name}${style === "esm" ? " as " : ": "}${e.local}`;
    return style === "esm"
      ? `import { ${as} } from ${q}${e.module}${q}${semi}`
      : `const { ${as} } = require(${q}${e.module}${q})${semi}`;
  }

  private freeName(wanted: string, alias: string): string {
    const taken = (n: string) => identifiersNamed(this.sf, n).length > 0;
    if (!taken(wanted)) return wanted;
    let candidate = alias;
    for (let i = 2; taken(candidate); i++) candidate = `${alias}${i}`;
    return candidate;
  }

  private isStillUsed(b: ModuleBinding, edits: readonly Edit[]): boolean {
    const checker = this.checker();
    const stmt = b.statement;
    return identifiersNamed(this.sf, b.local).some((id) => {
      const start = id.getStart(this.sf);
      if (start >= stmt.pos && id.end <= stmt.end) return false;
      if (edits.some((e) => start >= e.start && id.end <= e.end)) return false;
      return refersTo(checker, id, b.declaration);
    });
  }

  /**
   * Edits that take some bindings out of a statement and keep the rest as written, or undefined
   * when none would be left (the whole statement goes).
   */
  private removeFrom(statement: TsNode, gone: Set<TsNode>): Edit[] | undefined {
    const api = tsApi();
    if (api.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (!clause) return undefined;
      const nb = clause.namedBindings;
      const named = nb && api.isNamedImports(nb) ? [...nb.elements] : [];
      const keepNamed = named.filter((el) => !gone.has(el));
      const keepDefault = clause.name !== undefined && !gone.has(clause);
      const keepNamespace = nb !== undefined && api.isNamespaceImport(nb) && !gone.has(nb);
      if (!keepDefault && !keepNamespace && keepNamed.length === 0) return undefined;
      const edits: Edit[] = [];
      if (clause.name && !keepDefault && nb) {
        // `d, { a }` -> `{ a }`
        edits.push({ start: clause.name.getStart(this.sf), end: nb.getStart(this.sf), text: "" });
      }
      if (nb && api.isNamedImports(nb) && keepNamed.length === 0 && keepDefault) {
        // `d, { a }` -> `d`
        edits.push({ start: clause.name?.end ?? nb.pos, end: nb.end, text: "" });
      } else if (named.length > keepNamed.length) {
        edits.push(...this.removeItems(named, gone));
      }
      return edits;
    }
    if (api.isVariableStatement(statement)) {
      const decls = [...statement.declarationList.declarations];
      const goneDecls = new Set<TsNode>();
      const edits: Edit[] = [];
      for (const d of decls) {
        if (gone.has(d)) {
          goneDecls.add(d);
          continue;
        }
        if (api.isObjectBindingPattern(d.name)) {
          const els = [...d.name.elements];
          if (els.every((el) => gone.has(el))) goneDecls.add(d);
          else if (els.some((el) => gone.has(el))) edits.push(...this.removeItems(els, gone));
        }
      }
      if (goneDecls.size === decls.length) return undefined;
      if (goneDecls.size > 0) edits.push(...this.removeItems(decls, goneDecls));
      return edits;
    }
    return undefined;
  }

  /** Remove some items of a comma-separated list, keeping the others (and any trailing comma). */
  private removeItems(items: readonly TsNode[], gone: Set<TsNode>): Edit[] {
    const edits: Edit[] = [];
    let lastKept = -1;
    items.forEach((item, i) => {
      if (!gone.has(item)) lastKept = i;
    });
    items.forEach((item, i) => {
      if (!gone.has(item) || i > lastKept) return;
      edits.push({
        start: item.getStart(this.sf),
        end: (items[i + 1] as TsNode).getStart(this.sf),
        text: "",
      });
    });
    if (lastKept >= 0 && lastKept < items.length - 1) {
      edits.push({
        start: (items[lastKept] as TsNode).end,
        end: (items[items.length - 1] as TsNode).end,
        text: "",
      });
    }
    return edits;
  }

  /** Delete a statement: its whole line when it is alone there (a trailing comment goes too). */
  private removeStatement(statement: TsNode): Edit {
    const src = this.sf.text;
    const start = statement.getStart(this.sf);
    const lineStart = src.lastIndexOf("\n", start - 1) + 1;
    let lineEnd = src.indexOf("\n", statement.end);
    lineEnd = lineEnd === -1 ? src.length : lineEnd + 1;
    const before = src.slice(lineStart, start);
    const after = src.slice(statement.end, lineEnd).replace(/\r?\n$/, "");
    if (/^[ \t]*$/.test(before) && /^[ \t]*(\/\/.*)?$/.test(after)) {
      // Also a following blank line where it would otherwise open the file or double a gap.
      const prevLine = src.slice(src.lastIndexOf("\n", lineStart - 2) + 1, lineStart);
      const afterGap = lineStart > 0 && /^[ \t]*\r?\n$/.test(prevLine);
      const blank = /^[ \t]*\r?\n/.exec(src.slice(lineEnd));
      const end = blank && (lineStart === 0 || afterGap) ? lineEnd + blank[0].length : lineEnd;
      return { start: lineStart, end, text: "" };
    }
    const spaces = /^[ \t]*/.exec(src.slice(statement.end))?.[0].length ?? 0;
    return { start, end: statement.end + spaces, text: "" };
  }

  /**
   * Where a new import goes: after the last top-level import (or require statement), else after
   * the directive prologue (`"use strict"`), a shebang and a header comment set off by a blank line.
   */
  private insertion(lines: string[]): Edit {
    const api = tsApi();
    const nl = this.newline;
    const src = this.sf.text;
    const text = lines.join(nl) + nl;
    const statements = this.sf.statements;
    const style = this.style();
    const anchors = statements.filter((s) =>
      style === "cjs"
        ? this.isRequireStatement(s)
        : api.isImportDeclaration(s) || api.isImportEqualsDeclaration(s),
    );
    let anchor = anchors[anchors.length - 1];
    let afterImports = anchor !== undefined;
    if (!anchor) {
      for (const s of statements) {
        if (api.isExpressionStatement(s) && api.isStringLiteral(s.expression)) anchor = s;
        else break;
      }
    }
    if (anchor) {
      let at = src.indexOf("\n", anchor.end);
      if (at === -1) return { start: src.length, end: src.length, text: nl + text };
      at += 1;
      const rest = src.slice(at);
      const blankAfter = !afterImports && rest.length > 0 && !/^\r?\n/.test(rest) ? nl : "";
      return { start: at, end: at, text: (afterImports ? "" : nl) + text + blankAfter };
    }
    afterImports = false;
    let at = 0;
    if (src.startsWith("#!")) {
      const eol = src.indexOf("\n");
      at = eol === -1 ? src.length : eol + 1;
    }
    // A header comment followed by a blank line stays on top; one attached to code does not.
    for (const c of api.getLeadingCommentRanges(src, at) ?? []) {
      const gap = /^[ \t]*\r?\n[ \t]*\r?\n/.exec(src.slice(c.end));
      if (gap) at = c.end + gap[0].length;
    }
    if (at >= src.length) return { start: src.length, end: src.length, text };
    const rest = src.slice(at);
    const blankAfter = rest.length > 0 && !/^\r?\n/.test(rest) ? nl : "";
    return { start: at, end: at, text: text + blankAfter };
  }
}

/** Does code text call `local` (not a property of something else)? */
function usesName(text: string, local: string): boolean {
  const escaped = local.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w$.])${escaped}(?![\\w$])`).test(text);
}
