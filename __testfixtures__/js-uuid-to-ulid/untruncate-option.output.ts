import { ulid } from "ulid";

export const shortRef = ulid();
export const head = ulid();
