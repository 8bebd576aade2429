import type * as TsMorph from "ts-morph";

declare const load: {
  loadTsMorph(): typeof TsMorph;
  ownPackageDir(name: string): string | undefined;
};
export = load;
