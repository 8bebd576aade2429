// The check that a rewrite still parses reuses the file's tree (an incremental parse): it must
// say what a parse from scratch says (and give its tree when the rewrite parses), on real files
// and edits of every shape, and must leave the file's own tree as it was.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { applyEdits } from "../src/codemod/edits.ts";
import type { CodemodPlugin, Edit } from "../src/codemod/plugin.ts";
import { python } from "../src/codemod/python/language.ts";
import { firstSyntaxProblem, parsePython, reparsePython } from "../src/codemod/python/parse.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import { pythonCorpus } from "./helpers.ts";

/** The fixtures' inputs, and every 10th file of this machine's standard library (read only). */
const corpus = () => pythonCorpus({ suffix: ".input.py", every: 10 });

// What rewrites insert, and what breaks a file: newlines (LF and CRLF), indentation, unicode
// beyond the BMP, unbalanced brackets and quotes, and nothing at all (a deletion).
const SNIPPETS = [
  "dhruva.generate()",
  "import dhruva\n",
  "from dhruva import generate\n",
  "",
  "\n",
  "\r\n",
  "    ",
  "x = 1\n",
  "(",
  ")",
  "'",
  '"""',
  "é😀",
  "def f():\n    return 1\n",
  ":",
  "\\\n",
];

const sexp = (text: string, tree = parsePython(text)) =>
  `${tree.rootNode.toString()} ${tree.rootNode.endIndex} ${tree.rootNode.hasError}`;

describe("incremental parse of a rewrite", () => {
  const files = corpus();

  test("the corpus is real: fixtures and the standard library", () => {
    expect(files.filter((f) => f.name.startsWith("stdlib/")).length).toBeGreaterThan(10);
    expect(files.filter((f) => !f.name.startsWith("stdlib/")).length).toBeGreaterThan(50);
  });

  test("gives the tree of a parse from scratch, and leaves the file's tree as it was", () => {
    const edits = (len: number) =>
      fc
        .uniqueArray(fc.nat({ max: len }), { minLength: 2, maxLength: 8 })
        .chain((cuts) => {
          const sorted = [...cuts].sort((a, b) => a - b);
          const ranges: [number, number][] = [];
          for (let i = 0; i + 1 < sorted.length; i += 2)
            ranges.push([sorted[i] as number, sorted[i + 1] as number]);
          return fc.tuple(
            ...ranges.map(([s, e]) =>
              fc.tuple(fc.constant(s), fc.boolean(), fc.constant(e), fc.constantFrom(...SNIPPETS)),
            ),
          );
        })
        // Insertions (start = end) and replacements; none overlapping.
        .map((xs) => xs.map(([s, insert, e, text]) => ({ start: s, end: insert ? s : e, text })));
    fc.assert(
      fc.property(
        // The file by its index (a counterexample names it without printing it whole).
        fc
          .nat({ max: files.length - 1 })
          .chain((i) =>
            fc.tuple(fc.constant(i), edits((files[i] as { text: string }).text.length)),
          ),
        ([i, raw]) => {
          const file = files[i] as { name: string; text: string };
          // Whole code points only: a cut inside a surrogate pair is no edit a transform makes.
          const es = raw.filter(
            (e) => !isLowSurrogate(file.text, e.start) && !isLowSurrogate(file.text, e.end),
          );
          const tree = parsePython(file.text);
          const before = sexp(file.text, tree);
          const output = applyEdits(file.text, es);
          const inc = reparsePython(tree, file.text, es, output);
          const fresh = parsePython(output);
          // The verdict always; the whole tree when the output parses (error recovery may build
          // a broken file's ERROR nodes differently, and the check takes a broken file's message
          // from a parse from scratch).
          expect(inc.rootNode.hasError, file.name).toBe(fresh.rootNode.hasError);
          if (!fresh.rootNode.hasError)
            expect(sexp(output, inc), file.name).toBe(sexp(output, fresh));
          expect(sexp(file.text, tree), file.name).toBe(before);
        },
      ),
      { numRuns: 400, seed: 20261202 },
    );
  });
});

function isLowSurrogate(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 0xdc00 && c <= 0xdfff;
}

describe("a rewrite that would not parse", () => {
  // A transform with a bug: it drops the closing bracket of every call it rewrites.
  const broken: CodemodPlugin = {
    name: "broken",
    language: python,
    options: [],
    mayMatch: () => true,
    analyze(ctx) {
      const at = ctx.source.indexOf("uuid.uuid4()");
      const edits: Edit[] =
        at === -1 ? [] : [{ start: at, end: at + "uuid.uuid4()".length, text: "uuid.uuid4(" }];
      return { edits, entries: [] };
    },
  };

  test("is refused, with the line a parse from scratch places it on; nothing rewritten", () => {
    const source = "import uuid\n\n\ndef new_job():\n    return str(uuid.uuid4())\n\n\nX = 1\n";
    const out = transformSource("jobs.py", source, [broken], {});
    const problem = firstSyntaxProblem(parsePython(source.replace("uuid4())", "uuid4()")));
    expect(problem).toBeDefined();
    expect(out).toMatchObject({
      ok: false,
      error: `rewrite would not parse (${problem?.message} at line ${problem?.line}); file left unchanged`,
    });
  });

  test("a rewrite that parses is written as the edits say", () => {
    const fine: CodemodPlugin = {
      ...broken,
      analyze(ctx) {
        const at = ctx.source.indexOf("uuid.uuid4()");
        return {
          edits: [{ start: at, end: at + "uuid.uuid4()".length, text: "uuid.uuid4().hex" }],
          entries: [],
        };
      },
    };
    const source = "import uuid\n\n\ndef new_job():\n    return str(uuid.uuid4())\n";
    const out = transformSource("jobs.py", source, [fine], {});
    expect(out.ok && out.output).toBe(source.replace("uuid.uuid4()", "uuid.uuid4().hex"));
  });
});
