import { ulid } from "ulid";

export function newJob(): string {
  return `job-${ulid()}`;
}
