import { createHash } from "node:crypto";
import { ulid } from "ulid";

export function fingerprint(body: string) {
  return {
    id: ulid(),
    sha: createHash("sha256").update(body).digest("hex"),
  };
}
