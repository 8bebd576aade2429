import { ulid } from "ulid";

export const sessionId = (): string => ulid();
