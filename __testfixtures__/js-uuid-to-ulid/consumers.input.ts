import { NIL, validate, version } from "uuid";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const LOOSE = new RegExp("^[0-9a-f-]{36}$");

export function isJobId(id: string): boolean {
  if (id === NIL) return false;
  return validate(id) && version(id) === 4 && UUID_RE.test(id) && LOOSE.test(id);
}

export const looksLikeUuid = (id: string) => id.length === 36;
