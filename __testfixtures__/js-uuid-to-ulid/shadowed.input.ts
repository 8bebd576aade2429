import { v4 as uuidv4 } from "uuid";

export function withFactory(uuidv4: () => string): string {
  return uuidv4();
}

export const real = uuidv4();
