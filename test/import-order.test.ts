// Imports placed where the repository's own isort rule wants them. Each case is a repository of a
// real shape (its configuration, layout and import blocks); ruff's WebAssembly build, given the
// settings the ruff command line would use there, counts I001 findings before and after.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import type { TransformOptions } from "../src/codemod/options.ts";
import { clearImportSettings } from "../src/codemod/python/import-settings.ts";
import loadRuff from "../src/codemod/python/ruff-load.cjs";
import { defaultTransformOptions, runTransforms } from "../transforms/index.ts";
import { makeRepo } from "./helpers/repos.ts";
import { scratch } from "./helpers.ts";

const { fresh } = scratch("ulid-imports-");
beforeEach(() => clearImportSettings());

/** I001 findings of `text` under `settings` (ruff.toml's shape), with only the isort rule. */
function i001(text: string, settings: Record<string, unknown>): number {
  const ruff = loadRuff();
  const lint = (settings.lint as Record<string, unknown>) ?? {};
  const ws = new ruff.Workspace(
    { ...settings, lint: { ...lint, select: ["I001"] } },
    ruff.PositionEncoding.Utf16,
  );
  const found = ws.check(text) as { code: string }[];
  expect(found.filter((d) => d.code !== "I001")).toEqual([]);
  return found.length;
}

interface Case {
  files: Record<string, string>;
  /** The file to look at. */
  file: string;
  /** The settings the ruff command line would use for `file` in this repository. */
  ruff: Record<string, unknown>;
  options?: Partial<TransformOptions>;
  transforms?: string[];
}

/** Runs the transforms on a fresh repository; returns the file before and after, and the run. */
async function migrate(c: Case) {
  const repo = makeRepo(fresh("repo"), c.files);
  const result = await runTransforms({
    paths: [repo],
    root: repo,
    transforms: c.transforms ?? ["uuid4-to-ulid"],
    options: { ...defaultTransformOptions(), ...c.options },
    dryRun: false,
  });
  const before = c.files[c.file] as string;
  const after = readFileSync(path.join(repo, c.file), "utf8");
  return { repo, before, after, result };
}

/** Non-blank lines of `text` other than the given ones, in order. */
function others(text: string, drop: string[]): string[] {
  return text.split("\n").filter((l) => l.trim() !== "" && !drop.includes(l));
}

/**
 * The rule: clean before means clean after; not clean stays no worse; and apart from the lines
 * the migration removes or adds (`changed`), every line is kept in its order.
 */
function expectLintRule(c: Case, before: string, after: string, changed: string[]) {
  const was = i001(before, c.ruff);
  const now = i001(after, c.ruff);
  if (was === 0) expect(now).toBe(0);
  else expect(now).toBeLessThanOrEqual(was);
  expect(others(after, changed)).toEqual(others(before, changed));
}

const JOBS_BODY = ["", "", "def new_job() -> str:", "    return str(uuid.uuid4())", ""];
/** The lines a migration of JOBS_BODY's file changes. */
const CHANGED = [
  "import uuid",
  "import dhruva",
  "    return str(uuid.uuid4())",
  "    return dhruva.generate()",
];

describe("imports where the repository's isort settings put them", () => {
  test("stdlib, third-party and first-party blocks; known-first-party from [tool.ruff.lint.isort]", async () => {
    const c: Case = {
      files: {
        "pyproject.toml": [
          "[project]",
          'name = "crackerjack"',
          'requires-python = ">=3.11"',
          "",
          "[tool.ruff]",
          "line-length = 100",
          "",
          "[tool.ruff.lint]",
          'select = ["E", "F", "I"]',
          "",
          "[tool.ruff.lint.isort]",
          'known-first-party = ["crackerjack"]',
          "",
        ].join("\n"),
        "crackerjack/__init__.py": "",
        "crackerjack/jobs.py": [
          "import typing",
          "import uuid",
          "from collections import OrderedDict",
          "",
          "import requests",
          "from pydantic import BaseModel",
          "",
          "from crackerjack.models import Job",
          ...JOBS_BODY,
        ].join("\n"),
      },
      file: "crackerjack/jobs.py",
      ruff: {
        "line-length": 100,
        "target-version": "py311",
        lint: { isort: { "known-first-party": ["crackerjack"] } },
      },
    };
    const { before, after } = await migrate(c);
    expect(after).toBe(
      [
        "import typing",
        "from collections import OrderedDict",
        "",
        "import dhruva",
        "import requests",
        "from pydantic import BaseModel",
        "",
        "from crackerjack.models import Job",
        "",
        "",
        "def new_job() -> str:",
        "    return dhruva.generate()",
        "",
      ].join("\n"),
    );
    expectLintRule(c, before, after, [
      "import uuid",
      "import dhruva",
      "    return str(uuid.uuid4())",
      "    return dhruva.generate()",
    ]);
  });

  test("src/ layout: the package under src is first-party without being named (ruff.toml src)", async () => {
    const c: Case = {
      files: {
        "ruff.toml": ['src = ["src"]', "", "[lint]", 'select = ["I"]', ""].join("\n"),
        "src/session_buddy/__init__.py": "",
        "src/session_buddy/db.py": "def connect(): ...\n",
        "src/session_buddy/sessions.py": [
          "import uuid",
          "",
          "import duckdb",
          "",
          "from session_buddy.db import connect",
          ...JOBS_BODY,
        ].join("\n"),
      },
      file: "src/session_buddy/sessions.py",
      ruff: { lint: { isort: { "known-first-party": ["session_buddy"] } } },
    };
    const { before, after } = await migrate(c);
    expect(after.split("\n").slice(0, 5)).toEqual([
      "import dhruva",
      "import duckdb",
      "",
      "from session_buddy.db import connect",
      "",
    ]);
    expectLintRule(c, before, after, CHANGED);
  });

  test("no configuration at all: ruff's defaults, a package at the root is first-party", async () => {
    const c: Case = {
      files: {
        "akosha/__init__.py": "",
        "akosha/store.py": "class Store: ...\n",
        "akosha/graph.py": [
          '"""The entity graph."""',
          "",
          "from __future__ import annotations",
          "",
          "import logging",
          "import uuid",
          "",
          "from akosha.store import Store",
          "",
          "log = logging.getLogger(__name__)",
          ...JOBS_BODY,
        ].join("\n"),
      },
      file: "akosha/graph.py",
      ruff: { lint: { isort: { "known-first-party": ["akosha"] } } },
    };
    const { before, after } = await migrate(c);
    expect(after).toContain(
      "import logging\n\nimport dhruva\n\nfrom akosha.store import Store\n\nlog = ",
    );
    expectLintRule(c, before, after, CHANGED);
  });

  test("isort settings (setup.cfg, profile black, force_sort_within_sections) are translated", async () => {
    const c: Case = {
      files: {
        "setup.cfg": [
          "[metadata]",
          "name = crackerjack",
          "",
          "[isort]",
          "profile = black",
          "force_sort_within_sections = true",
          "known_first_party =",
          "    crackerjack",
          "",
        ].join("\n"),
        "crackerjack/hooks.py": [
          "from collections import OrderedDict",
          "import os",
          "import uuid",
          "",
          "from pydantic import BaseModel",
          "import requests",
          "",
          "from crackerjack import jobs",
          ...JOBS_BODY,
        ].join("\n"),
      },
      file: "crackerjack/hooks.py",
      ruff: {
        "line-length": 88,
        lint: {
          isort: {
            "force-sort-within-sections": true,
            "known-first-party": ["crackerjack"],
          },
        },
      },
    };
    const { before, after } = await migrate(c);
    expect(after.split("\n").slice(0, 8)).toEqual([
      "from collections import OrderedDict",
      "import os",
      "",
      "import dhruva",
      "from pydantic import BaseModel",
      "import requests",
      "",
      "from crackerjack import jobs",
    ]);
    expectLintRule(c, before, after, CHANGED);
  });

  test("conditional imports in try/except ImportError stay where they are", async () => {
    const c: Case = {
      files: {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["I"]\n',
        "svc/ids.py": [
          "import json",
          "import uuid",
          "",
          "try:",
          "    import orjson",
          "except ImportError:  # pragma: no cover",
          "    orjson = None",
          "",
          "",
          "def new_id() -> str:",
          "    return str(uuid.uuid4())",
          "",
        ].join("\n"),
      },
      file: "svc/ids.py",
      ruff: {},
    };
    const { before, after } = await migrate(c);
    expect(after.split("\n").slice(0, 8)).toEqual([
      "import json",
      "",
      "import dhruva",
      "",
      "try:",
      "    import orjson",
      "except ImportError:  # pragma: no cover",
      "    orjson = None",
    ]);
    expectLintRule(c, before, after, [
      "import uuid",
      "import dhruva",
      "    return str(uuid.uuid4())",
      "    return dhruva.generate()",
    ]);
  });

  test("a block that was not sorted is not re-sorted, and gets no more findings", async () => {
    const c: Case = {
      files: {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["I"]\n',
        "legacy/jobs.py": [
          "import sys",
          "import requests",
          "import os",
          "import uuid",
          "from zipfile import ZipFile",
          ...JOBS_BODY,
        ].join("\n"),
      },
      file: "legacy/jobs.py",
      ruff: {},
    };
    const { before, after } = await migrate(c);
    expect(i001(before, c.ruff)).toBe(1);
    // Next to the third-party import it sorts with in ruff's order; nothing else moved.
    expect(after.split("\n").slice(0, 5)).toEqual([
      "import sys",
      "import dhruva",
      "import requests",
      "import os",
      "from zipfile import ZipFile",
    ]);
    expectLintRule(c, before, after, CHANGED);
  });

  test("removing the only stdlib import leaves no stray blank line; `from` style, sorted", async () => {
    const c: Case = {
      files: {
        ".ruff.toml": 'extend = "base.toml"\n',
        "base.toml": '[lint.isort]\nknown-first-party = ["crackerjack"]\n',
        "crackerjack/models.py": [
          "import uuid",
          "",
          "from attrs import define",
          "from zope.interface import implementer",
          "",
          "from crackerjack.base import Base",
          "",
          "",
          "@define",
          "class Job(Base):",
          "    job_id: str = str(uuid.uuid4())",
          "",
        ].join("\n"),
      },
      file: "crackerjack/models.py",
      ruff: { lint: { isort: { "known-first-party": ["crackerjack"] } } },
      options: { importStyle: "from" },
    };
    const { before, after } = await migrate(c);
    expect(after.split("\n").slice(0, 6)).toEqual([
      "from attrs import define",
      "from dhruva import generate",
      "from zope.interface import implementer",
      "",
      "from crackerjack.base import Base",
      "",
    ]);
    expectLintRule(c, before, after, [
      "import uuid",
      "from dhruva import generate",
      "    job_id: str = str(uuid.uuid4())",
      "    job_id: str = generate()",
    ]);
  });

  test("a local folder named like a stdlib module stays stdlib, as ruff sorts it", async () => {
    const c: Case = {
      files: {
        "json/__init__.py": "",
        "app/__init__.py": "",
        "app/m.py": ["import json", "import uuid", "", "from app import x", ...JOBS_BODY].join(
          "\n",
        ),
      },
      file: "app/m.py",
      ruff: { lint: { isort: { "known-first-party": ["app"] } } },
    };
    const { before, after } = await migrate(c);
    expect(after.split("\n").slice(0, 5)).toEqual([
      "import json",
      "",
      "import dhruva",
      "",
      "from app import x",
    ]);
    expectLintRule(c, before, after, CHANGED);
  });

  test("outside a repository, the file's own package is first-party", async () => {
    const dir = fresh("plain");
    const files = {
      "svc/__init__.py": "",
      "svc/ids.py": ["import uuid", "", "from svc import db", ...JOBS_BODY].join("\n"),
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    }
    await runTransforms({
      paths: [dir],
      transforms: ["uuid4-to-ulid"],
      options: defaultTransformOptions(),
      dryRun: false,
    });
    const after = readFileSync(path.join(dir, "svc/ids.py"), "utf8");
    expect(after.startsWith("import dhruva\n\nfrom svc import db\n")).toBe(true);
    expect(i001(after, { lint: { isort: { "known-first-party": ["svc"] } } })).toBe(0);
  });

  test("a configuration that cannot be read skips the file, naming the file and the line", async () => {
    const repo = makeRepo(fresh("repo"), {
      "pyproject.toml": "[tool.ruff\nline-length = 1\n",
      "m.py": "import uuid\n\nx = str(uuid.uuid4())\n",
    });
    const result = await runTransforms({
      paths: [repo],
      root: repo,
      transforms: ["uuid4-to-ulid"],
      options: defaultTransformOptions(),
      dryRun: false,
    });
    expect(result.changes).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]?.reason).toMatch(/pyproject\.toml: not valid TOML at line 1/);
    expect(readFileSync(path.join(repo, "m.py"), "utf8")).toBe(
      "import uuid\n\nx = str(uuid.uuid4())\n",
    );
  });

  test("a ruff setting ruff does not accept names the setting and the file", async () => {
    const repo = makeRepo(fresh("repo"), {
      "ruff.toml": '[lint.isort]\nforce-sort-within-sections = "yes"\n',
      "m.py": "import uuid\n\nx = str(uuid.uuid4())\n",
    });
    const result = await runTransforms({
      paths: [repo],
      root: repo,
      transforms: ["uuid4-to-ulid"],
      options: defaultTransformOptions(),
      dryRun: true,
    });
    expect(result.skipped[0]?.reason).toContain("ruff.toml");
    expect(result.skipped[0]?.reason).toContain('invalid type: string "yes", expected a boolean');
  });

  test("a long file: the block checked on its own says what the whole file says", async () => {
    const defs = Array.from({ length: 300 }, (_, i) => `def f${i}():\n    return ${i}\n`);
    const c: Case = {
      files: {
        "m.py": `import os\nimport uuid\n\n\n${defs.join("\n\n")}\n\nx = str(uuid.uuid4())\n`,
      },
      file: "m.py",
      ruff: {},
    };
    const { before, after } = await migrate(c);
    expect(after.startsWith("import os\n\nimport dhruva\n\n\ndef f0():\n")).toBe(true);
    expectLintRule(c, before, after, [
      "import uuid",
      "import dhruva",
      "x = str(uuid.uuid4())",
      "x = dhruva.generate()",
    ]);
  });
});
