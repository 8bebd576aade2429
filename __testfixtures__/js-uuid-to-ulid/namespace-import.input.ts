import * as uuid from "uuid";

export function newRun(): { runId: string; valid: (id: string) => boolean } {
  return { runId: uuid.v4(), valid: (id) => uuid.validate(id) };
}
