// smol-toml, loaded when a repository's settings are first read (CommonJS for the same reason as
// native.cjs): commands that place no import never load it.
let toml;
module.exports = function loadToml() {
  toml ??= require("smol-toml");
  return toml;
};
