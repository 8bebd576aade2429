import * as uuid from "uuid";
import { ulid } from "ulid";

export function newRun(): { runId: string; valid: (id: string) => boolean } {
  return { runId: ulid(), valid: (id) => uuid.validate(id) };
}
