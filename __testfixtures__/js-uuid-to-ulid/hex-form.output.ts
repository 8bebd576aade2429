import { ulid } from "ulid";

export const compact = ulid();
export const token = ulid();
