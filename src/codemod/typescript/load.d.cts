import type * as TsMorph from "ts-morph";

declare const load: {
  loadTsMorph(): typeof TsMorph;
  loadTs(): typeof TsMorph.ts;
  ownPackageDir(name: string): string | undefined;
};
export = load;
