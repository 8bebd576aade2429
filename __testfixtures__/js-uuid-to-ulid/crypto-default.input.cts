import crypto from "crypto";

export const sessionId = (): string => crypto.randomUUID();
