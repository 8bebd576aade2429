// What a name in a TS/JS file refers to, as far as modules go: an import or a `require` binding,
// a global (bound nowhere in the file), or something local. Resolution is the compiler's own
// (the one-file checker), so shadowing, hoisting and block scopes are as the language has them.
import type { ts } from "ts-morph";
import { type TsApi, type TsNode, type TsSourceFile, tsApi } from "./parse.ts";

/** A name bound by an import or `require` of a module. */
export interface ModuleBinding {
  /**
   * `named`: `import { v4 as id }`, `const { v4: id } = require(m)`, `const id = require(m).v4`;
   * `namespace`: `import * as u`; `default`: `import u from`; `module`: `const u = require(m)`,
   * `import u = require(m)`.
   */
  kind: "named" | "namespace" | "default" | "module";
  module: string;
  /** The export it names (`v4`), for `named`. */
  imported?: string;
  local: string;
  /** The node that binds the name (import specifier, binding element, declaration, ...). */
  declaration: TsNode;
  /** The statement holding it (an import declaration or a variable statement). */
  statement: TsNode;
  typeOnly: boolean;
}

/** `require("m")` (or `require('m')`): the module name, else undefined. */
export function requiredModule(node: TsNode | undefined): string | undefined {
  const api = tsApi();
  if (!node || !api.isCallExpression(node)) return undefined;
  const [arg, ...rest] = node.arguments;
  if (
    rest.length > 0 ||
    !arg ||
    !api.isIdentifier(node.expression) ||
    node.expression.text !== "require" ||
    !api.isStringLiteralLike(arg)
  ) {
    return undefined;
  }
  return arg.text;
}

function skipParens(api: TsApi, node: TsNode): TsNode {
  let n = node;
  while (api.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

/** The module binding a declaration node makes, if it is one. */
export function bindingOfDeclaration(decl: TsNode): ModuleBinding | undefined {
  const api = tsApi();
  if (api.isImportSpecifier(decl)) {
    const clause = decl.parent.parent;
    const statement = clause.parent;
    if (!api.isStringLiteral(statement.moduleSpecifier)) return undefined;
    return {
      kind: "named",
      module: statement.moduleSpecifier.text,
      imported: (decl.propertyName ?? decl.name).text,
      local: decl.name.text,
      declaration: decl,
      statement,
      typeOnly: decl.isTypeOnly || clause.isTypeOnly,
    };
  }
  if (api.isNamespaceImport(decl) || api.isImportClause(decl)) {
    const clause = api.isImportClause(decl) ? decl : decl.parent;
    const statement = clause.parent;
    if (!api.isStringLiteral(statement.moduleSpecifier) || !decl.name) return undefined;
    return {
      kind: api.isImportClause(decl) ? "default" : "namespace",
      module: statement.moduleSpecifier.text,
      local: decl.name.text,
      declaration: decl,
      statement,
      typeOnly: clause.isTypeOnly,
    };
  }
  if (api.isImportEqualsDeclaration(decl)) {
    const ref = decl.moduleReference;
    if (!api.isExternalModuleReference(ref) || !api.isStringLiteral(ref.expression)) {
      return undefined;
    }
    return {
      kind: "module",
      module: ref.expression.text,
      local: decl.name.text,
      declaration: decl,
      statement: decl,
      typeOnly: decl.isTypeOnly,
    };
  }
  if (api.isBindingElement(decl) && api.isIdentifier(decl.name)) {
    const pattern = decl.parent;
    const declaration = pattern.parent;
    if (!api.isObjectBindingPattern(pattern) || !api.isVariableDeclaration(declaration)) {
      return undefined;
    }
    const module = requiredModule(
      declaration.initializer && skipParens(api, declaration.initializer),
    );
    const property = decl.propertyName ?? decl.name;
    if (module === undefined || decl.dotDotDotToken || !api.isIdentifier(property)) {
      return undefined;
    }
    return {
      kind: "named",
      module,
      imported: property.text,
      local: decl.name.text,
      declaration: decl,
      statement: declaration.parent.parent,
      typeOnly: false,
    };
  }
  if (api.isVariableDeclaration(decl) && api.isIdentifier(decl.name) && decl.initializer) {
    const init = skipParens(api, decl.initializer);
    const statement = decl.parent.parent;
    const whole = requiredModule(init);
    if (whole !== undefined) {
      return {
        kind: "module",
        module: whole,
        local: decl.name.text,
        declaration: decl,
        statement,
        typeOnly: false,
      };
    }
    if (api.isPropertyAccessExpression(init)) {
      const module = requiredModule(skipParens(api, init.expression));
      if (module === undefined) return undefined;
      return {
        kind: "named",
        module,
        imported: init.name.text,
        local: decl.name.text,
        declaration: decl,
        statement,
        typeOnly: false,
      };
    }
  }
  return undefined;
}

/**
 * What an identifier in an expression refers to: a module binding, `"global"` when the file
 * declares no such name, or undefined for any other local (a parameter, a variable, a class).
 */
export function resolveIdentifier(
  checker: ts.TypeChecker,
  id: ts.Identifier,
): ModuleBinding | "global" | undefined {
  const symbol = checker.getSymbolAtLocation(id);
  const decl = symbol?.declarations?.[0];
  if (!decl) return "global";
  return bindingOfDeclaration(decl);
}

/** Every identifier of the file with this text (any position: names, properties, types). */
export function identifiersNamed(sf: TsSourceFile, name: string): ts.Identifier[] {
  const api = tsApi();
  const out: ts.Identifier[] = [];
  const text = sf.text;
  // Only subtrees whose text holds the name are visited.
  const visit = (node: TsNode) => {
    if (api.isIdentifier(node)) {
      if (node.text === name) out.push(node);
      return;
    }
    if (text.indexOf(name, node.pos) < 0 || text.indexOf(name, node.pos) >= node.end) return;
    api.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * Is this identifier a property or member name (`x.name`, `{ name: 1 }`, `class { name }`) rather
 * than a reference to a binding?
 */
export function isPropertyName(id: ts.Identifier): boolean {
  const api = tsApi();
  const p = id.parent;
  if (api.isPropertyAccessExpression(p)) return p.name === id;
  if (api.isQualifiedName(p)) return p.right === id;
  return (
    (api.isPropertyAssignment(p) ||
      api.isPropertyDeclaration(p) ||
      api.isPropertySignature(p) ||
      api.isMethodDeclaration(p) ||
      api.isMethodSignature(p) ||
      api.isGetAccessorDeclaration(p) ||
      api.isSetAccessorDeclaration(p) ||
      api.isEnumMember(p) ||
      api.isJsxAttribute(p)) &&
    p.name === id
  );
}

/**
 * Does this identifier refer to the binding made by `declaration`? Shorthand properties
 * (`{ v4 }`) and export specifiers (`export { v4 }`) are uses too.
 */
export function refersTo(checker: ts.TypeChecker, id: ts.Identifier, declaration: TsNode): boolean {
  const api = tsApi();
  if (isPropertyName(id)) return false;
  const p = id.parent;
  let symbol: ts.Symbol | undefined;
  if (api.isShorthandPropertyAssignment(p)) symbol = checker.getShorthandAssignmentValueSymbol(p);
  else if (api.isExportSpecifier(p)) symbol = checker.getExportSpecifierLocalTargetSymbol(p);
  else symbol = checker.getSymbolAtLocation(id);
  // A name the checker cannot place is counted as a use: keeping an import is the safe side.
  if (!symbol?.declarations) return true;
  return symbol.declarations.includes(declaration as ts.Declaration);
}
