import { randomUUID } from "node:crypto";

export const traceId = (): string => randomUUID();
