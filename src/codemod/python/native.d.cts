import type Parser from "tree-sitter";

declare function loadNative(): { Parser: typeof Parser; Python: unknown };
export = loadNative;
