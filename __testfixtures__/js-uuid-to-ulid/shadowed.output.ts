import { ulid } from "ulid";

export function withFactory(uuidv4: () => string): string {
  return uuidv4();
}

export const real = ulid();
