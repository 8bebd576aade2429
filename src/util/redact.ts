/** Values that must never be printed. Read at call time so tests and CLIs see the live env. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.GITHUB_TOKEN, env.GH_TOKEN].filter((s): s is string => !!s && s.length >= 4);
}

/**
 * The one redaction helper: every message printed or thrown past the CLI boundary goes through
 * it, including GitHub API error bodies (which may echo the token) and git's remote URLs.
 */
export function redact(text: string, secrets: string[] = secretsFromEnv()): string {
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join("***");
  }
  // Credentials embedded in http(s) remote URLs, e.g. https://x-access-token:SECRET@host/o/r.git
  return out.replace(/\b(https?:\/\/)[^\s/@]+@/gi, "$1***@");
}

export function errorMessage(e: unknown, secrets: string[] = secretsFromEnv()): string {
  return redact(e instanceof Error ? e.message : String(e), secrets);
}

/** The same error (class kept) with the secrets gone from its message and stack. */
export function redactError(e: unknown, secrets: string[] = secretsFromEnv()): Error {
  if (!(e instanceof Error)) return new Error(redact(String(e), secrets));
  e.message = redact(e.message, secrets);
  if (e.stack) e.stack = redact(e.stack, secrets);
  return e;
}
