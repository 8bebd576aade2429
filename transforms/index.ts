import type { CodemodPlugin } from "../src/codemod/plugin.ts";
import { plugin as fstringIdToUlid } from "./fstring-id-to-ulid.ts";
import { plugin as uuid4ToUlid } from "./uuid4-to-ulid.ts";

export const TRANSFORMS: Record<string, CodemodPlugin> = {
  [uuid4ToUlid.name]: uuid4ToUlid,
  [fstringIdToUlid.name]: fstringIdToUlid as CodemodPlugin,
};

export function transformNames(): string[] {
  return Object.keys(TRANSFORMS);
}

export function pluginsFor(names: string[]): CodemodPlugin[] {
  return names.map((n) => {
    const p = TRANSFORMS[n];
    if (!p) throw new Error(`unknown transform "${n}" (known: ${transformNames().join(", ")})`);
    return p;
  });
}
