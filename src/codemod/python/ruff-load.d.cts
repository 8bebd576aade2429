import type * as Ruff from "@astral-sh/ruff-wasm-nodejs";

declare function loadRuff(): typeof Ruff;
export = loadRuff;
