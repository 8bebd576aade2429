import { ulid } from "ulid";

export const id: string = ulid();
