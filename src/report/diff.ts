import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import type { FileChange } from "../codemod/runner.ts";

/** A unified diff of every changed file, paths as git shows them, in path order. */
export function unifiedDiff(changes: readonly FileChange[]): string {
  return [...changes]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((c) =>
      createTwoFilesPatch(`a/${c.file}`, `b/${c.file}`, c.before, c.after, undefined, undefined, {
        context: 3,
        headerOptions: FILE_HEADERS_ONLY,
      }),
    )
    .join("");
}
