import { randomUUID } from "node:crypto";
import { parse, v4 } from "uuid";

const random = new Uint8Array(16);
export const seeded = v4({ random });
export const bytes = v4(undefined, new Uint8Array(16));
export const asBytes = parse(v4());
export const fresh = randomUUID({ disableEntropyCache: true });
