import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { main } from "../src/cli/main.ts";
import type { ReportEntry } from "../src/codemod/plugin.ts";
import { python } from "../src/codemod/python/language.ts";
import { FileSource, textSource } from "../src/codemod/source.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import transform, {
  type FStringOptions,
  type FStringRule,
  type NaturalKeyPolicy,
  normaliseTemplate,
  plugin,
} from "../transforms/fstring-id-to-ulid.ts";
import { runTransforms } from "../transforms/index.ts";
import { bothRuns, flagOptions } from "./helpers.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "ulid-fstring-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(source: string, rules: Partial<FStringRule>[]) {
  const out = transformSource("m.py", source, [plugin], await flagOptions({ rules }));
  if (!out.ok) throw new Error(out.error);
  return out;
}

type Options = FStringOptions;
type Index = NonNullable<ReturnType<NonNullable<typeof plugin.mergeFacts>>>;

/** The pre-filters asked of the text and of the bytes, as the runner asks: the same answer. */
function mayMatch(source: string, opts: Options): boolean {
  const answer = plugin.mayMatch(textSource(source), opts);
  expect(plugin.mayMatch(new FileSource(Buffer.from(source)), opts)).toBe(answer);
  return answer;
}
function mayMatter(source: string, opts: Options, index: Index): boolean {
  const answer = plugin.mayMatter?.(textSource(source), opts, index);
  expect(plugin.mayMatter?.(new FileSource(Buffer.from(source)), opts, index)).toBe(answer);
  return answer === true;
}

const brief = (e: ReportEntry) => `${e.file}:${e.line} ${e.outcome}`;

describe("templates", () => {
  test("interpolations become {} and escaped braces stay literal", () => {
    expect(normaliseTemplate("system:{}")).toEqual({
      skeleton: "system:{}",
      literals: ["system:"],
    });
    expect(normaliseTemplate("{project_name}-{ts:%Y}").skeleton).toBe("{}-{}");
    expect(normaliseTemplate("{{{}}}-{n:{w}}")).toEqual({
      skeleton: "{{{}}}-{}",
      literals: ["{{", "}}-"],
    });
  });

  test("first pass: only files that may hold a configured site", async () => {
    const opts = await flagOptions({ target: "entity_id", template: "system:{}" });
    expect(mayMatch('GraphEntity(entity_id=f"system:{sid}")\n', opts)).toBe(true);
    expect(mayMatch('if f"system:{sid}" in seen: pass\n', opts)).toBe(false);
    expect(mayMatch('entity_id = f"user:{uid}"\n', opts)).toBe(false);
    expect(mayMatch('entity_id = "system:1"\n', opts)).toBe(false);
    expect(mayMatch('entity_id = f"system:{sid}"\n', await flagOptions({}))).toBe(false);
    const anyFString = await flagOptions({ target: "session_id", template: "{}-{}" });
    expect(mayMatch("session_id = rf'{a}-{b}'\n", anyFString)).toBe(true);
  });

  test("second pass: files that may rebuild a key the first pass found", async () => {
    const indexOf = (source: string, opts: Options) => {
      const ctx = python.parse("m.py", source, "\n");
      if ("error" in ctx) throw new Error(ctx.error);
      return plugin.mergeFacts?.([plugin.facts?.(ctx, opts) ?? []], opts) as Index;
    };
    const sys = await flagOptions({ target: "entity_id", template: "system:{}" });
    const sysIndex = indexOf('e = GraphEntity(entity_id=f"system:{system_id}")\n', sys);
    // A skeleton with a word: any lookup of it matters, whatever it interpolates.
    expect(mayMatter('if f"system:{other}" in seen: pass\n', sys, sysIndex)).toBe(true);
    expect(mayMatter('x = f"user:{uid}"\n', sys, sysIndex)).toBe(false);
    expect(mayMatter('x = "system:" + uid\n', sys, sysIndex)).toBe(false);
    // `{}-{}` only matters with the very same expressions, so their names must be in the text.
    const ses = await flagOptions({ target: "session_id", template: "{}-{}" });
    const sesIndex = indexOf('session_id = f"{project_name}-{timestamp}"\n', ses);
    expect(mayMatter('k = f"{project_name}-{timestamp}"\n', ses, sesIndex)).toBe(true);
    expect(mayMatter('k = f"{a}-{b}"\n', ses, sesIndex)).toBe(false);
    // Several sites of one skeleton: any one's names, all of them, in the same file.
    const twoIndex = indexOf(
      'session_id = f"{project_name}-{timestamp}"\nsession_id = f"{a}-{b}"\nsession_id = f"{a}-{b}"\n',
      ses,
    );
    expect(mayMatter('k = f"{a}-{b}"\n', ses, twoIndex)).toBe(true);
    expect(mayMatter('k = f"{project_name}-{timestamp}"\n', ses, twoIndex)).toBe(true);
    expect(mayMatter('k = f"{a}-{timestamp}"\n', ses, twoIndex)).toBe(false);
  });
});

describe("flags", () => {
  test("--target/--template strings and a JSON --rules become rules", async () => {
    expect(
      (await flagOptions({ target: "entity_id", template: ["system:{}", "user:{}"] })).rules,
    ).toEqual([
      { target: "entity_id", template: "system:{}", naturalKeys: "skip" },
      { target: "entity_id", template: "user:{}", naturalKeys: "skip" },
    ]);
    expect(
      (
        await flagOptions({
          rules: '[{"target":"session_id","naturalKeys":"rewrite-and-flag"}]',
        })
      ).rules,
    ).toEqual([{ target: "session_id", naturalKeys: "rewrite-and-flag" }]);
    await expect(flagOptions({ rules: [{ target: "x", naturalKeys: "maybe" }] })).rejects.toThrow();
  });

  test("the jscodeshift transform takes the rule from its flags", async () => {
    const reports: string[] = [];
    const source = 'sid = f"{a}-{b}"\nif f"{a}-{b}" in seen: pass\n';
    const api = { report: (m: string) => reports.push(m) };
    const flags = { target: "sid", naturalKeys: "rewrite-and-flag" };
    expect(await transform({ path: "j.py", source }, api, flags)).toBe(
      'import dhruva\n\nsid = dhruva.generate()\nif f"{a}-{b}" in seen: pass\n',
    );
    expect(reports).toEqual([expect.stringMatching(/^2:4 blocking: natural key `{}-{}`/)]);
  });
});

describe("report entries", () => {
  test("a variable that only fed the ID gets a note; one read elsewhere does not", async () => {
    const out = await run(
      [
        "def start(project):",
        "    stamp = now()",
        "    seq = next_seq()",
        '    session_id = f"{project}-{stamp}-{seq}"',
        "    log(seq)",
        "    return session_id",
        "",
      ].join("\n"),
      [{ target: "session_id" }],
    );
    expect(out.output).toContain("    stamp = now()\n");
    expect(out.entries.map(brief)).toEqual(["m.py:4 rewritten", "m.py:2 note"]);
    expect(out.entries[1]?.reason).toBe(
      "`stamp` is now unused (it only fed the rewritten ID); left in place",
    );
  });

  test("module-level variables and parameters are never reported as unused", async () => {
    const out = await run('stamp = now()\nsession_id = f"{stamp}"\n', [{ target: "session_id" }]);
    expect(out.entries.map((e) => e.outcome)).toEqual(["rewritten"]);
  });

  test("a target whose f-string does not match the template is not a site", async () => {
    const out = await run('session_id = f"s:{a}"\n', [{ target: "session_id", template: "{}-{}" }]);
    expect(out.changed).toBe(false);
    expect(out.entries).toEqual([]);
  });

  test("skip lists the places that build the same key", async () => {
    const src = [
      "def add(g, user_id):",
      '    g.add(E(entity_id=f"user:{user_id}"))',
      "",
      "def find(g, user_id):",
      '    return g.entities[f"user:{ user_id }"]',
      "",
    ].join("\n");
    const out = await run(src, [{ target: "entity_id", template: "user:{}" }]);
    expect(out.changed).toBe(false);
    expect(out.entries.map(brief)).toEqual(["m.py:2 needs-review"]);
    expect(out.entries[0]?.reason).toContain("also built at m.py:5;");
  });

  test("a bare {}-{} lookup with other variables is not a natural key; with a word it is", async () => {
    const src = [
      'session_id = f"{project}-{ts}"',
      'entity_id = f"user:{user_id}"',
      'if f"{a}-{b}" in seen: pass',
      'if f"user:{uid}" in seen: pass',
      'label = f"user:{name}"',
      "",
    ].join("\n");
    const out = await run(src, [
      { target: "session_id", naturalKeys: "rewrite-and-flag" },
      { target: "entity_id", naturalKeys: "rewrite-and-flag" },
    ]);
    expect(out.entries.map(brief)).toEqual([
      "m.py:1 rewritten",
      "m.py:2 rewritten",
      "m.py:4 blocking",
    ]);
    expect(out.entries[2]?.reason).toContain("other variables");
  });
});

/** A small package where `system:{}` is built in two files and `user:{}`/`team:{}` are not keys. */
function writePackage(dir: string): void {
  mkdirSync(path.join(dir, "pkg"), { recursive: true });
  const files: Record<string, string[]> = {
    "pkg/graph.py": [
      "from akosha.model import GraphEntity",
      "",
      "",
      "class Graph:",
      "    def add_system(self, system_id):",
      '        return GraphEntity(entity_id=f"system:{system_id}", kind="system")',
      "",
      "    def add_user(self, user_id):",
      '        return GraphEntity(entity_id=f"user:{user_id}", kind="user")',
      "",
      "    def add_team(self, team_id):",
      '        return GraphEntity(entity_id=f"team:{team_id}", kind="team")',
      "",
    ],
    "pkg/links.py": [
      "def link(graph, system_id):",
      '    source_id = f"system:{system_id}"',
      "    return graph.entities[source_id]",
      "",
      "",
      "def label(user):",
      '    return f"user:{user.name}"',
      "",
      "",
      "def has_team(graph, tid):",
      '    return f"team:{tid}" in graph.entities',
      "",
    ],
    "pkg/plain.py": ["def nothing():", "    return 1", ""],
  };
  for (const [file, lines] of Object.entries(files)) {
    writeFileSync(path.join(dir, file), lines.join("\n"));
  }
}

async function runPackage(policy: NaturalKeyPolicy) {
  const dir = path.join(scratch, policy);
  writePackage(dir);
  const linksBefore = readFileSync(path.join(dir, "pkg/links.py"), "utf8");
  const result = await runTransforms({
    paths: [dir],
    root: dir,
    transforms: ["fstring-id-to-ulid"],
    options: await flagOptions({
      rules: ["system:{}", "user:{}", "team:{}"].map((template) => ({
        target: "entity_id",
        template,
        naturalKeys: policy,
      })),
    }),
    dryRun: false,
  });
  const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
  return { result, read, linksBefore };
}

describe("natural keys across the files of a run", () => {
  test("skip: the key built in another file leaves its sites unchanged, listed for review", async () => {
    const { result, read, linksBefore } = await runPackage("skip");
    expect(result.entries.map(brief)).toEqual([
      "pkg/graph.py:6 needs-review",
      "pkg/graph.py:9 rewritten",
      "pkg/graph.py:12 needs-review",
    ]);
    expect(result.entries[0]?.reason).toContain("also built at pkg/links.py:2;");
    expect(result.entries[2]?.reason).toContain("pkg/links.py:11 (lookup, other variables)");
    expect(result.changes.map((c) => c.file)).toEqual(["pkg/graph.py"]);
    const graph = read("pkg/graph.py");
    expect(graph).toContain('entity_id=f"system:{system_id}"');
    expect(graph).toContain('entity_id=f"team:{team_id}"');
    expect(graph).toContain("GraphEntity(entity_id=dhruva.generate(), kind=");
    expect(graph.match(/^import dhruva$/gm)).toHaveLength(1);
    expect(read("pkg/links.py")).toBe(linksBefore);
  });

  test("rewrite-and-flag: sites rewritten, each recomputing place blocking in its own file", async () => {
    const { result, read, linksBefore } = await runPackage("rewrite-and-flag");
    expect(result.entries.map(brief)).toEqual([
      "pkg/graph.py:6 rewritten",
      "pkg/graph.py:9 rewritten",
      "pkg/graph.py:12 rewritten",
      "pkg/links.py:2 blocking",
      "pkg/links.py:11 blocking",
    ]);
    const [exact, lookup] = result.entries.slice(3);
    expect(exact?.before).toBe('f"system:{system_id}"');
    expect(exact?.reason).toContain("recomputes the same key");
    expect(exact?.reason).toContain("the ID made at pkg/graph.py:6 is now a random ULID");
    expect(lookup?.reason).toContain("pkg/graph.py:12");
    expect(read("pkg/graph.py")).not.toContain('f"');
    // The user label builds `user:{}` from other expressions: not a key, not reported.
    expect(read("pkg/links.py")).toBe(linksBefore);
    expect(result.changes.map((c) => c.file)).toEqual(["pkg/graph.py"]);
  });
});

describe("CLI", () => {
  test("--target/--template rewrite a file; the transform without a rule is a usage error", async () => {
    const dir = path.join(scratch, "cli");
    mkdirSync(dir);
    const file = path.join(dir, "s.py");
    writeFileSync(file, 'def f(p, t):\n    session_id = f"{p}-{t}"\n    return session_id\n');
    const base = ["node", "ulid-codemod", "transform", dir, "--root", dir];
    const quiet = { stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = process.stderr.write = () => true;
    try {
      expect(await main([...base, "--transform", "fstring-id-to-ulid"])).toBe(2);
      expect(
        await main([
          ...base,
          "--transform",
          "fstring-id-to-ulid",
          "--target",
          "session_id",
          "--template",
          "{}-{}",
        ]),
      ).toBe(0);
    } finally {
      process.stdout.write = quiet.stdout;
      process.stderr.write = quiet.stderr;
    }
    expect(readFileSync(file, "utf8")).toBe(
      "import dhruva\n\n\ndef f(p, t):\n    session_id = dhruva.generate()\n    return session_id\n",
    );
  });
});

describe("the pre-filter never drops a file that matters", () => {
  test.each(["skip", "rewrite-and-flag"] as const)(
    "%s: with and without it, the same sites and changes",
    async (policy) => {
      const dir = path.join(scratch, `prefilter-${policy}`);
      writePackage(dir);
      const options = await flagOptions({
        rules: ["system:{}", "user:{}", "team:{}"].map((template) => ({
          target: "entity_id",
          template,
          naturalKeys: policy,
        })),
      });
      const { fast, full } = await bothRuns(dir, options);
      // links.py names no target: only the second pass can bring it in.
      expect(fast.entries.some((e) => e.file === "pkg/links.py") || policy === "skip").toBe(true);
      expect(fast.entries).toEqual(full.entries);
      expect(fast.changes).toEqual(full.changes);
    },
  );
});
