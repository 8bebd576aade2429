import { randomUUID, type UUID } from "node:crypto";

export const typed: UUID = randomUUID();
export const cast = randomUUID() as UUID;
export const plain: string = randomUUID();
