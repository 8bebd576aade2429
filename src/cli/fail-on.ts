// `--fail-on needs-review|blocking`: exit 1 when a site has that outcome or a worse one (for CI).
import type { ReportEntry } from "../codemod/plugin.ts";

export type FailOn = "needs-review" | "blocking";

/** Why the run must exit 1 under `--fail-on`, or null. */
export function failOnProblem(
  failOn: FailOn | undefined,
  entries: readonly Pick<ReportEntry, "outcome">[],
): string | null {
  if (!failOn) return null;
  const blocking = entries.filter((e) => e.outcome === "blocking").length;
  const review = entries.filter((e) => e.outcome === "needs-review").length;
  if (blocking > 0) return `--fail-on ${failOn}: ${blocking} blocking site(s)`;
  if (failOn === "needs-review" && review > 0) {
    return `--fail-on needs-review: ${review} site(s) need review`;
  }
  return null;
}
