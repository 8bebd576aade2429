// ts-morph (and the TypeScript compiler it carries), loaded on first use: about 0.4 s, paid only by
// runs that parse a TypeScript or JavaScript file. CommonJS for the reason python/native.cjs is:
// a synchronous require that works from our ESM, the bundle and jscodeshift's babel (CommonJS,
// where `import.meta` does not exist).
const fs = require("node:fs");
const Module = require("node:module");

let tsMorph;

/**
 * Plain CommonJS loading while ts-morph and its dependencies load. jscodeshift's runner compiles
 * every file that is required with babel, node_modules included: babel rejects ts-morph's
 * class static blocks, and would take half a minute over the 9 MB compiler anyway. These
 * packages are CommonJS as published, so compiling them as they are is what Node itself does.
 */
function withPlainLoader(load) {
  const exts = Module._extensions;
  const saved = { js: exts[".js"], cjs: exts[".cjs"] };
  const plain = (mod, filename) => {
    const code = fs.readFileSync(filename, "utf8");
    mod._compile(code.charCodeAt(0) === 0xfeff ? code.slice(1) : code, filename);
  };
  exts[".js"] = plain;
  exts[".cjs"] = plain;
  try {
    return load();
  } finally {
    exts[".js"] = saved.js;
    exts[".cjs"] = saved.cjs;
  }
}

let compiler;

module.exports = {
  loadTsMorph() {
    tsMorph ??= withPlainLoader(() => require("ts-morph"));
    return tsMorph;
  },
  /**
   * The compiler alone, for runs that only parse: the very module ts-morph uses (its
   * @ts-morph/common requires ./typescript, the same file), without ts-morph's own 4 MB that
   * only the type check needs. ts-morph's export when that file is not where it was.
   */
  loadTs() {
    if (tsMorph) return tsMorph.ts;
    if (!compiler) {
      const path = require("node:path");
      try {
        const morph = path.dirname(require.resolve("ts-morph/package.json"));
        const common = require.resolve("@ts-morph/common/package.json", { paths: [morph] });
        const file = path.join(path.dirname(common), "dist", "typescript.js");
        compiler = withPlainLoader(() => require(file));
      } catch {
        compiler = module.exports.loadTsMorph().ts;
      }
    }
    return compiler;
  },
  /** The tool's own copy of a package (its directory), or undefined when it is not installed. */
  ownPackageDir(name) {
    try {
      return require("node:path").dirname(require.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  },
};
