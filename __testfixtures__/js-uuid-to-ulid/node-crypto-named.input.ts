import { createHash, randomUUID } from "node:crypto";

export function fingerprint(body: string) {
  return {
    id: randomUUID(),
    sha: createHash("sha256").update(body).digest("hex"),
  };
}
