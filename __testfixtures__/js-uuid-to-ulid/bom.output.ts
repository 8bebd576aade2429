import { ulid } from "ulid";

export const traceId = (): string => ulid();
