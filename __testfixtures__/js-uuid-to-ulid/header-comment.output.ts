/**
 * Request IDs for the dashboard.
 */

import { ulid } from "ulid";

export function requestId(): string {
  return ulid();
}
