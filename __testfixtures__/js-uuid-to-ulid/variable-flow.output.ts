import { v4 as uuidv4 } from "uuid";
import { ulid } from "ulid";

export function start(log: (s: string) => void): string {
  const runId = uuidv4();
  log(`run ${runId.slice(0, 8)}`);
  let jobId = ulid();
  log(`job ${jobId}`);
  return runId + jobId;
}
