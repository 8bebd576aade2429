import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { firstSyntaxProblem, parsePython } from "../src/codemod/python/parse.ts";
import type { RunResult } from "../src/codemod/runner.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import { defaultTransformOptions, runTransforms } from "../transforms/index.ts";
import { plugin } from "../transforms/uuid4-to-ulid.ts";
import { tempDir } from "./helpers.ts";

const SITE = "import uuid\n\njob_id = str(uuid.uuid4())\n";

async function run(
  dir: string,
  extra: Partial<Parameters<typeof runTransforms>[0]> = {},
): Promise<RunResult> {
  return runTransforms({
    paths: [dir],
    root: dir,
    transforms: ["uuid4-to-ulid"],
    options: defaultTransformOptions(),
    dryRun: false,
    ...extra,
  });
}

describe("hostile source files: never corrupted, every refusal explained", () => {
  const dir = tempDir();
  const bytes: Record<string, Buffer> = {
    "broken.py": Buffer.from("import uuid\nx = str(uuid.uuid4(\n"),
    "binary.py": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x75, 0x75, 0x69, 0x64]),
    "latin1.py": Buffer.concat([
      Buffer.from("# caf"),
      Buffer.from([0xe9]),
      Buffer.from(`\n${SITE}`),
    ]),
    // No pre-filter wants these (the bytes are never decoded), yet they are reported the same.
    "binary-plain.py": Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x31, 0x00, 0x0a]),
    "latin1-plain.py": Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
  };
  const outside = tempDir();
  let result: RunResult;

  test("run over a directory of bad files", async () => {
    for (const [name, b] of Object.entries(bytes)) writeFileSync(path.join(dir, name), b);
    writeFileSync(path.join(outside, "victim.py"), SITE);
    symlinkSync(path.join(outside, "victim.py"), path.join(dir, "link.py"));
    result = await run(dir);
    expect(result.changes).toEqual([]);
  });

  test.each([
    ["broken.py", /does not parse: .* line 2/],
    ["binary.py", /binary file/],
    ["latin1.py", /not valid UTF-8/],
    ["binary-plain.py", /binary file/],
    ["latin1-plain.py", /not valid UTF-8/],
    ["link.py", /symlink, not followed/],
  ])("%s is skipped with a reason and left byte-identical", (name, reason) => {
    expect(result.skipped).toContainEqual({ file: name, reason: expect.stringMatching(reason) });
    if (bytes[name])
      expect(readFileSync(path.join(dir, name)).equals(bytes[name] as Buffer)).toBe(true);
  });

  test("the symlink's target outside the tree is untouched", () => {
    expect(readFileSync(path.join(outside, "victim.py"), "utf8")).toBe(SITE);
  });

  test("a file modified between read and write is not overwritten", async () => {
    const d = tempDir();
    const file = path.join(d, "racy.py");
    writeFileSync(file, SITE);
    const theirs = `${SITE}# edited by someone else\n`;
    const r = await run(d, { beforeWrite: (p) => writeFileSync(p, theirs) });
    expect(readFileSync(file, "utf8")).toBe(theirs);
    expect(r.changes).toEqual([]);
    expect(r.skipped).toEqual([
      { file: "racy.py", reason: "modified while the codemod ran; not overwritten" },
    ]);
  });
});

describe("PEP 263: a coding line's encoding is read and written back", () => {
  const latin1 = (text: string) => Buffer.from(text, "latin1");

  test("latin-1: rewritten, written in latin-1, every other byte as it was", async () => {
    const d = tempDir();
    const src = `# -*- coding: latin-1 -*-\n# Caf\u00e9 \u00a9 \u00ff\n${SITE}`;
    writeFileSync(path.join(d, "m.py"), latin1(src));
    const r = await run(d);
    expect(r.skipped).toEqual([]);
    expect(r.changes.map((c) => c.encoding)).toEqual(["latin-1"]);
    const expected = src
      .replace("import uuid\n", "import dhruva\n")
      .replace("str(uuid.uuid4())", "dhruva.generate()");
    expect(readFileSync(path.join(d, "m.py")).equals(latin1(expected))).toBe(true);
  });

  test("iso-8859-15 on the second line, after a shebang; a euro sign survives", async () => {
    const d = tempDir();
    const bytes = Buffer.concat([
      Buffer.from("#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\n# 5 "),
      Buffer.from([0xa4, 0x0a]), // iso-8859-15's euro sign
      Buffer.from(SITE),
    ]);
    writeFileSync(path.join(d, "m.py"), bytes);
    const r = await run(d);
    expect(r.skipped).toEqual([]);
    expect(r.changes[0]?.after).toContain("# 5 \u20ac\nimport dhruva\n");
    const expected = Buffer.concat([
      bytes.subarray(0, bytes.indexOf(0xa4) + 2),
      Buffer.from("import dhruva\n\njob_id = dhruva.generate()\n"),
    ]);
    expect(readFileSync(path.join(d, "m.py")).equals(expected)).toBe(true);
  });

  test("declared encodings that cannot be written back, or bytes that do not fit, are refused", async () => {
    const d = tempDir();
    const files: Record<string, Buffer> = {
      "sjis.py": Buffer.concat([
        Buffer.from("# coding: shift_jis\n# "),
        Buffer.from([0x82, 0xa0, 0x0a]),
        Buffer.from(SITE),
      ]),
      "ascii.py": Buffer.concat([
        Buffer.from("# coding: ascii\n# "),
        Buffer.from([0xe9, 0x0a]),
        Buffer.from(SITE),
      ]),
      "bom.py": Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(`# coding: latin-1\n${SITE}`),
      ]),
    };
    for (const [name, b] of Object.entries(files)) writeFileSync(path.join(d, name), b);
    const r = await run(d);
    expect(r.changes).toEqual([]);
    expect(r.skipped).toEqual([
      { file: "ascii.py", reason: "not valid ascii, the encoding its coding line declares" },
      { file: "bom.py", reason: "a UTF-8 byte order mark with a coding line declaring latin-1" },
      {
        file: "sjis.py",
        reason: expect.stringContaining("declares the encoding shift_jis (PEP 263)"),
      },
    ]);
    for (const [name, b] of Object.entries(files)) {
      expect(readFileSync(path.join(d, name)).equals(b)).toBe(true);
    }
  });

  test("a rewrite whose text the declared encoding cannot hold is not written", async () => {
    const d = tempDir();
    // The comment moves with the rewritten expression; it is latin-1, so it fits: use a custom
    // module name the file's encoding cannot spell instead.
    const src = "# coding: latin-1\nimport uuid\n\nx = str(uuid.uuid4())\n";
    writeFileSync(path.join(d, "m.py"), latin1(src));
    const r = await run(d, { options: { ...defaultTransformOptions(), module: "d\u0101ra" } });
    expect(r.changes).toEqual([]);
    expect(r.skipped).toEqual([
      { file: "m.py", reason: '"\u0101" cannot be written in latin-1; not written' },
    ]);
    expect(readFileSync(path.join(d, "m.py")).equals(latin1(src))).toBe(true);
  });
});

describe("odd but valid files are rewritten exactly", () => {
  test("mixed tabs and spaces across blocks, trailing whitespace, CRLF", () => {
    const src =
      "import uuid\r\n\r\ndef a():\r\n\tif True:  \r\n\t\treturn str(uuid.uuid4())\r\n\r\ndef b():\r\n    return 1 \r\n";
    const out = transformSource("m.py", src, [plugin], defaultTransformOptions());
    if (!out.ok) throw new Error(out.error);
    expect(out.output).toBe(
      src.replace("import uuid", "import dhruva").replace("str(uuid.uuid4())", "dhruva.generate()"),
    );
  });

  test("a 10,000-character line", () => {
    const long = `x = [${Array.from({ length: 2000 }, (_, i) => i).join(", ")}]`;
    expect(long.length).toBeGreaterThan(10_000);
    const src = `import uuid\n${long}; y = str(uuid.uuid4())\n`;
    const out = transformSource("m.py", src, [plugin], defaultTransformOptions());
    if (!out.ok) throw new Error(out.error);
    expect(out.output).toBe(`import dhruva\n${long}; y = dhruva.generate()\n`);
  });

  test("a 5 MB file with a site at the very end", async () => {
    const d = tempDir();
    const filler = "value_0 = {'key': [1, 2, 3], 'name': 'filler'}\n".repeat(110_000);
    expect(filler.length).toBeGreaterThan(5_000_000);
    writeFileSync(path.join(d, "big.py"), `import uuid\n${filler}job_id = str(uuid.uuid4())\n`);
    const r = await run(d);
    expect(r.skipped).toEqual([]);
    const out = readFileSync(path.join(d, "big.py"), "utf8");
    expect(out).toBe(`import dhruva\n${filler}job_id = dhruva.generate()\n`);
  });
});

/** Python built from the fixture shapes, in random scopes and orders. */
const shapes = [
  "str(uuid.uuid4())",
  "uuid.uuid4().hex",
  'f"job-{uuid.uuid4()}"',
  "str(uuid.uuid4())[:8]",
  '"%s" % uuid.uuid4()',
  '"{}".format(uuid.uuid4())',
  "uuid.uuid4()",
  "uuid.uuid1()",
  "str(uuid4())",
  "uuid4().hex[:8]",
  "make_id()",
  "lambda: str(uuid.uuid4())",
  "uuid.uuid4().int",
  "str(  # why\n        uuid.uuid4())",
];
const imports = [
  "import uuid",
  "from uuid import uuid4",
  "from uuid import UUID, uuid4 as make_id",
  "import dhruva",
];

const program = fc
  .record({
    imports: fc.subarray(imports, { minLength: 1 }),
    localImport: fc.boolean(),
    stmts: fc.array(fc.record({ shape: fc.constantFrom(...shapes), inFunction: fc.boolean() }), {
      minLength: 1,
      maxLength: 6,
    }),
    crlf: fc.boolean(),
  })
  .map(({ imports: imps, localImport, stmts, crlf }) => {
    const lines = ['"""Generated."""', ...imps, ""];
    stmts.forEach((s, i) => {
      if (s.inFunction) {
        lines.push(`def f${i}():`);
        if (localImport) lines.push("    import uuid");
        lines.push(`    v = ${s.shape}`, "    return v", "");
      } else lines.push(`v${i} = ${s.shape}`);
    });
    const text = `${lines.join("\n")}\n`;
    return crlf ? text.replace(/\n/g, "\r\n") : text;
  });

test("property: output equals input, or parses cleanly, compiles and is stable", () => {
  const dir = tempDir();
  const compiled: string[] = [];
  fc.assert(
    fc.property(program, fc.boolean(), (src, untruncate) => {
      const options = { ...defaultTransformOptions(), untruncate };
      const out = transformSource("p.py", src, [plugin], options);
      // The generator only builds valid Python (names may be undefined; that is not a syntax error).
      expect(out.ok).toBe(true);
      if (!out.ok || !out.changed) return;
      expect(firstSyntaxProblem(parsePython(out.output))).toBeUndefined();
      const again = transformSource("p.py", out.output, [plugin], options);
      expect(again.ok && again.output).toBe(out.output);
      const file = path.join(dir, `p${compiled.length}.py`);
      writeFileSync(file, out.output);
      compiled.push(file);
    }),
    { numRuns: 200, seed: 20261127 },
  );
  expect(compiled.length).toBeGreaterThan(50);
  mkdirSync(path.join(dir, "c"), { recursive: true });
  execFileSync("python3", ["-m", "py_compile", ...compiled], { stdio: "pipe" });
});
