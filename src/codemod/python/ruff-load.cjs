// ruff's WebAssembly build, loaded on first use (CommonJS for the same reason as native.cjs).
// Compiled by Liftoff only: V8's optimising tier-up spends over a second of CPU on this 10 MB
// module during a run that checks a few import blocks (measured: first check 0.35 s instead of
// 0.7-1.0 s of wall time, 0.5 s of CPU instead of 1.6-1.9 s). The flag is V8-wide, so it is set
// only while the module compiles.
let ruff;
module.exports = function loadRuff() {
  if (!ruff) {
    const v8 = require("node:v8");
    v8.setFlagsFromString("--liftoff-only");
    try {
      ruff = require("@astral-sh/ruff-wasm-nodejs");
    } finally {
      v8.setFlagsFromString("--no-liftoff-only");
    }
  }
  return ruff;
};
