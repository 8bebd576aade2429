import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { expect, test } from "vitest";
import { writeCorpus } from "../bench/corpus.ts";
import { pluginOptionsFromFlags } from "../src/codemod/jscodeshift.ts";
import { FileSource, sourceProblem } from "../src/codemod/source.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import { TRANSFORMS } from "../transforms/index.ts";
import { bothRuns, flagOptions, REPO_ROOT, tempDir } from "./helpers.ts";

test("the text pre-filter never drops a file that parsing everything would change or report", async () => {
  const dir = tempDir();
  const corpus = path.join(dir, "corpus");
  // The benchmark's generator, smaller and denser in sites.
  const info = writeCorpus(corpus, { files: 120, bytesPerFile: 2_000, siteRatio: 0.25, seed: 7 });
  expect(info.withSites).toBeGreaterThan(10);
  const options = await flagOptions({
    rules: [
      { target: "session_id", template: "{}-{}", naturalKeys: "skip" },
      { target: "entity_id", template: "system:{}", naturalKeys: "rewrite-and-flag" },
    ],
  });
  const { fast, full } = await bothRuns(corpus, options);
  expect(fast.changes.length).toBeGreaterThan(10);
  // Files that only rebuild a key (no target in them) are reached too.
  expect(fast.entries.some((e) => e.outcome === "blocking")).toBe(true);
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});

test("every fixture that gives a report entry passes its transform's pre-filter", async () => {
  // The fixtures are every shape each transform knows: a pre-filter that says no to one of them
  // would drop that site from a real run.
  const root = path.join(REPO_ROOT, "__testfixtures__");
  let checked = 0;
  for (const name of readdirSync(root)) {
    const plugin = TRANSFORMS[name];
    if (!plugin) continue;
    const dir = path.join(root, name);
    for (const f of readdirSync(dir).filter((x) => /\.input\.\w+$/.test(x))) {
      const base = f.replace(/\.input\.\w+$/, "");
      const o = path.join(dir, `${base}.options.json`);
      const options = await pluginOptionsFromFlags(
        plugin,
        existsSync(o) ? JSON.parse(readFileSync(o, "utf8")) : {},
      );
      const text = readFileSync(path.join(dir, f), "utf8");
      const out = transformSource(f.replace(".input", ""), text, [plugin], options);
      if (out.entries.length === 0 && !(out.ok && out.changed)) continue;
      checked++;
      const bytes = Buffer.from(text);
      expect(plugin.mayMatch(new FileSource(bytes), options), `${name}/${f}`).toBe(true);
    }
  }
  expect(checked).toBeGreaterThan(60);
});

test("when the second pass adds no file, the first pass's indexes give the same result", async () => {
  const dir = tempDir();
  const key = 'session_id = f"{project_name}-{timestamp}"\n';
  writeFileSync(path.join(dir, "a.py"), key);
  writeFileSync(path.join(dir, "b.py"), `${key}again = f"{project_name}-{timestamp}"\n`);
  writeFileSync(path.join(dir, "c.py"), 'print(f"{x}-{y}")\n');
  writeFileSync(path.join(dir, "d.py"), "x = 1\n");
  const options = await flagOptions({ target: "session_id", template: "{}-{}" });
  const { fast, full } = await bothRuns(dir, options);
  const review = fast.entries.filter((e) => e.outcome === "needs-review");
  expect(review.map((e) => e.file)).toEqual(["a.py", "b.py"]);
  for (const e of review) expect(e.reason).toContain("b.py:2");
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual(full.skipped);
});

test("uuid-consumers' second pass: a key as a whole word, with a use the index or a consumer needs", async () => {
  const dir = tempDir();
  const files: Record<string, string> = {
    "ids.py":
      "import uuid\n\n\ndef new_token():\n    token = str(uuid.uuid4())\n    return token\n",
    // No UUID in these: each matters through the key `token` alone.
    "b.py": "from ids import token\n\n\ndef current():\n    return token\n",
    "c.py": "from ids import token\n\nprint(token.hex)\n",
    "e.py": "from b import current\nfrom ids import token\n\nprint(current().hex)\n",
    "tests/test_d.py": 'token = "7f3a1c2e-1111-4222-8333-444455556666"\n',
    // Do not parse (so a parse would list them as skipped): `token` inside longer words only,
    // and `token` with nothing a consumer or the index could use.
    "noise_words.py": "tokens = my_token_file = 1\nx = (\n",
    "noise_plain.py": "token = 1\nx = (\n",
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const consumers = ["uuid4-to-ulid", "uuid-consumers"];
  const { fast, full } = await bothRuns(dir, await flagOptions(), consumers);
  const blocking = fast.entries.filter((e) => e.outcome === "blocking");
  // e.py is reached through current(), a key only because b.py returns `token`.
  expect(blocking.map((e) => e.file).sort()).toEqual(["c.py", "e.py", "tests/test_d.py"]);
  expect(fast.entries).toEqual(full.entries);
  expect(fast.changes).toEqual(full.changes);
  expect(fast.skipped).toEqual([]);
  expect(full.skipped.map((s) => s.file).sort()).toEqual(["noise_plain.py", "noise_words.py"]);
});

test("searching a file's bytes answers as searching its text would", () => {
  const text = fc.string({ unit: fc.constantFrom("a", "b", "é", "€", "😀", "\uFEFF", "\r", "\n") });
  fc.assert(
    fc.property(text, fc.boolean(), fc.nat(), fc.nat(), text, (body, bom, i, j, other) => {
      const file = (bom ? "\uFEFF" : "") + body;
      const source = new FileSource(Buffer.from(file));
      // The text is what decoding gives: without one leading BOM.
      const decoded = file.startsWith("\uFEFF") ? file.slice(1) : file;
      expect(source.text).toBe(decoded);
      // Slices of the text (half a surrogate pair included) and strings that may not be in it.
      const [from, to] = [i, j].map((n) => n % (decoded.length + 1)).sort((a, b) => a - b);
      const cut = decoded.slice(from, to);
      for (const needle of [cut, other, `${cut}${other}`, "\uD83D", "\uDE00", "\uFEFF", ""])
        expect(source.includes(needle)).toBe(decoded.includes(needle));
    }),
  );
});

test("the bytes check accepts exactly what decoding as strict UTF-8 accepts", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const decodes = (b: Uint8Array) => {
    try {
      strict.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  // Random bytes, and valid text with bytes changed (truncated sequences, overlongs, surrogates).
  const valid = fc.string({ unit: "binary" }).map((s) => Buffer.from(s));
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc
      .tuple(
        valid,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
      )
      .map(([b, edits]) => {
        const out = Buffer.from(b);
        for (const [at, v] of edits) if (out.length > 0) out[at % out.length] = v;
        return out;
      }),
    fc
      .constantFrom(
        [0xc0, 0xaf],
        [0xe0, 0x80, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xef, 0xbb, 0xbf],
        [0xf0, 0x9f, 0x98],
      )
      .map((b) => Uint8Array.from(b)),
  );
  fc.assert(
    fc.property(bytes, (b) => {
      const expected = b.includes(0)
        ? "binary file (contains NUL bytes)"
        : decodes(b)
          ? undefined
          : "not valid UTF-8";
      expect(sourceProblem(b)).toBe(expected);
    }),
    { numRuns: 2000 },
  );
});
