// What the Python ID transforms share: the options naming the ULID generator, and the call that
// replaces an ID (`dhruva.generate()`, `generate()`, or an alias the import manager picked).
import type { ChoiceSpec, PyFile, StringSpec } from "../src/codemod/api.ts";

export interface GeneratorOptions {
  /** Python module that provides `generate()`. */
  module: string;
  importStyle: "module" | "from";
}

export const moduleOption: StringSpec = {
  key: "module",
  kind: "string",
  description: "Python module that provides generate()",
  default: "dhruva",
  valueName: "name",
  pattern: /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/,
  expected: "a Python module name",
};

export const importStyleOption: ChoiceSpec = {
  key: "importStyle",
  kind: "choice",
  description: "`import dhruva` (module), or `from dhruva import generate` (from)",
  valueName: "style",
  choices: ["module", "from"],
  default: "module",
};

/** The text of a call to the generator in this file, and a note when its import was aliased. */
export function generateCall(
  ctx: PyFile,
  options: GeneratorOptions,
): { call: string; note?: string } {
  const { local, note } = ctx.imports.ensure(
    options.importStyle === "from"
      ? { module: options.module, name: "generate" }
      : { module: options.module },
  );
  const call = options.importStyle === "from" ? `${local}()` : `${local}.generate()`;
  return note ? { call, note } : { call };
}
