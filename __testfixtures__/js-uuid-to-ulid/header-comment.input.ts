/**
 * Request IDs for the dashboard.
 */

export function requestId(): string {
  return crypto.randomUUID();
}
