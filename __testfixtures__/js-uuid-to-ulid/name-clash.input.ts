import { randomUUID } from "node:crypto";

export function record(row: { ulid?: string }) {
  const ulid = row.ulid ?? "";
  return { ulid, id: randomUUID() };
}
