/** The transforms the CLI accepts; `registry.ts` holds their code (a test keeps both in step). */
export const TRANSFORM_NAMES = ["uuid4-to-ulid", "fstring-id-to-ulid", "js-uuid-to-ulid"] as const;
