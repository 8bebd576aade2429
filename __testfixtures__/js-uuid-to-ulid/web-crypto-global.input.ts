import { setTimeout as sleep } from "node:timers/promises";

export async function poll(): Promise<string> {
  const attempt = crypto.randomUUID();
  await sleep(10);
  return `${attempt}/${globalThis.crypto.randomUUID()}`;
}

// A parameter called crypto is not the global.
export function fromProvider(crypto: { randomUUID(): string }): string {
  return crypto.randomUUID();
}
