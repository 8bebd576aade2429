import { setTimeout as sleep } from "node:timers/promises";
import { ulid } from "ulid";

export async function poll(): Promise<string> {
  const attempt = ulid();
  await sleep(10);
  return `${attempt}/${ulid()}`;
}

// A parameter called crypto is not the global.
export function fromProvider(crypto: { randomUUID(): string }): string {
  return crypto.randomUUID();
}
