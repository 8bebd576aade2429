// The native parser, loaded on first use. CommonJS on purpose: a synchronous require that works
// the same from our ESM, the bundle and jscodeshift's babel (which compiles our sources to CJS,
// where `import.meta` does not exist). Commands that never parse never load it.
let native;
module.exports = function loadNative() {
  native ??= { Parser: require("tree-sitter"), Python: require("tree-sitter-python") };
  return native;
};
