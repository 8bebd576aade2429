// Generated files are applied a slice at a time: the statements must be exactly those of a split
// over the whole text, wherever the slices fall.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { expect, test } from "vitest";
import { fileChunks, fileStatements } from "../src/sql/run-files.ts";
import { tempDir } from "./helpers.ts";

const whole = (sql: string) => sql.split(/(?<=;)\n/).filter((s) => s.trim() !== "");

test("fileStatements splits like the whole text, for any slice size (property)", () => {
  const dir = tempDir("ulid-statements-");
  const file = path.join(dir, "f.sql");
  const piece = fc.oneof(
    fc.constantFrom(";\n", ";", "\n", "é", "😀", "'x'", "  ", "--c\n"),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (parts, n) => {
      const sql = parts.join("");
      fs.writeFileSync(file, sql);
      const got = [...fileStatements(file, n)];
      expect(got).toEqual(whole(sql));
    }),
    { numRuns: 400 },
  );
});

test("fileChunks joins statements in order, at most 40 a chunk", () => {
  const dir = tempDir("ulid-statements-");
  const file = path.join(dir, "f.sql");
  const stmts = Array.from({ length: 95 }, (_, i) => `INSERT INTO t VALUES (${i});`);
  fs.writeFileSync(file, `${stmts.join("\n")}\n`);
  const chunks = [...fileChunks(file)];
  expect(chunks.map((c) => c.statements)).toEqual([40, 40, 15]);
  expect(chunks.map((c) => c.sql).join("\n")).toBe(stmts.join("\n"));
  // Sizes add up to the file's: what the progress bar counts.
  expect(chunks.reduce((n, c) => n + c.bytes, 0)).toBe(fs.statSync(file).size);
});
