import { randomUUID, type UUID } from "node:crypto";
import { ulid } from "ulid";

export const typed: UUID = randomUUID();
export const cast = randomUUID() as UUID;
export const plain: string = ulid();
