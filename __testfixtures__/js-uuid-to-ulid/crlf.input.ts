import { v4 as uuidv4 } from "uuid";

export function newJob(): string {
  return `job-${uuidv4()}`;
}
