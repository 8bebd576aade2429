// The plugin API: everything a transform may use, and the only engine module transforms import.
// Generic parts first, then each language's helpers.
export { jscodeshiftAdapter } from "./jscodeshift.ts";
export type {
  BooleanSpec,
  ChoiceSpec,
  CustomSpec,
  FlagUse,
  OptionSpec,
  PlannedTable,
  StringSpec,
  TransformOptions,
  ZodApi,
} from "./options.ts";
export type {
  CodemodPlugin,
  Edit,
  FileResult,
  Language,
  Outcome,
  ParsedFile,
  PrefilterSource,
  ReportEntry,
} from "./plugin.ts";
export { type ImportRequest, insideImport } from "./python/imports.ts";
export { entryAt, type PyFile, python } from "./python/language.ts";
export type { SyntaxNode } from "./python/parse.ts";
export { replaceNode } from "./python/replace-node.ts";
export {
  allNodes,
  type ImportBinding,
  identifiersNamed,
  importBindings,
  ownNodes,
  resolveName,
  scopeOf,
  wordsPattern,
} from "./python/scope.ts";
export { replaceWithCall } from "./typescript/edits.ts";
export type { TsImportRequest } from "./typescript/imports.ts";
export { TS_EXTENSIONS, type TsFile, tsEntryAt, typescript } from "./typescript/language.ts";
export { type TsApi, type TsNode, tsApi } from "./typescript/parse.ts";
export {
  identifiersNamed as tsIdentifiersNamed,
  isPropertyName,
  type ModuleBinding,
  refersTo,
  requiredModule,
  resolveIdentifier,
} from "./typescript/scope.ts";
