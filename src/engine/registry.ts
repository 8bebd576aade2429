import { plugin as fstringIdToUlid } from "../../transforms/fstring-id-to-ulid.ts";
import { plugin as uuid4ToUlid } from "../../transforms/uuid4-to-ulid.ts";
import type { CodemodPlugin } from "./types.ts";

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
