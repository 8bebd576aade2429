import type * as Toml from "smol-toml";

declare function loadToml(): typeof Toml;
export = loadToml;
