import { ulid as generateUlid } from "ulid";

export function record(row: { ulid?: string }) {
  const ulid = row.ulid ?? "";
  return { ulid, id: generateUlid() };
}
