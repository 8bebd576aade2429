import { ulid } from "ulid";

export const a = ulid();
export const b = ulid();
