// ts-morph (and the TypeScript compiler it carries), loaded on first use: about 0.4 s, paid only by
// runs that parse a TypeScript or JavaScript file. CommonJS for the reason python/native.cjs is:
// a synchronous require that works from our ESM, the bundle and jscodeshift's babel (CommonJS,
// where `import.meta` does not exist). Also where the packages a rewrite adds resolve from.
let tsMorph;
module.exports = {
  loadTsMorph() {
    tsMorph ??= require("ts-morph");
    return tsMorph;
  },
  /** The tool's own copy of a package: its directory, or undefined when it is not installed. */
  ownPackageDir(name) {
    try {
      return require("node:path").dirname(require.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  },
};
