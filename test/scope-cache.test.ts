// The scope cache answers `resolveName` from a name's own occurrences; the reference is the walk
// over each enclosing scope's nodes (resolveName without a cache). They must agree on every
// identifier of real files and of a file that binds names every way Python can.
import { describe, expect, test } from "vitest";
import { parsePython, type SyntaxNode } from "../src/codemod/python/parse.ts";
import {
  allNodes,
  type Resolution,
  resolveName,
  ScopeCache,
  scopeImports,
} from "../src/codemod/python/scope.ts";
import { pythonCorpus } from "./helpers.ts";

const EVERY_WAY = `
import uuid
import os.path
import a.b.c as abc
from uuid import uuid4, UUID as U
from . import sibling
from .pkg import (x1 as uuid4b, y1)
from m import *
try:
    import json
except ImportError:
    json = None
if uuid:
    from uuid import uuid1 as uuid4
uuid4 = uuid4
def f(uuid, *args, k: uuid.UUID = uuid.uuid4(), d=lambda uuid: uuid, **kw) -> uuid.UUID:
    global os
    import uuid as u2
    def g():
        nonlocal k
        return uuid, u2, k, args, kw
    return (n := uuid4()), [uuid4 for uuid4 in range(3)], lambda q=uuid: q
class C(uuid.UUID):
    uuid = 1
    def m(self):
        return uuid, U
    x, (y, *z) = 1, (2, 3)
    self_attr = None
    a.b = c[0] = 3
for i, uuid4 in enumerate([]):
    pass
with open(p) as (fh, other):
    pass
try:
    pass
except Exception as uuid:
    pass
match uuid:
    case {"k": vv} as whole:
        pass
    case [first, *rest]:
        pass
total += 1
def h():
    uuid = uuid.uuid4()
    return uuid
`;

function corpus(): { name: string; text: string }[] {
  return [
    { name: "every-way.py", text: EVERY_WAY },
    ...pythonCorpus({ suffix: ".py", every: 6, maxBytes: 80_000 }),
  ];
}

/** A resolution as plain data: which statement and item bind it, in which scope. */
function plain(r: Resolution): unknown {
  if (!r || "shadowed" in r) return r;
  const { statement, item, scope, ...rest } = r.binding;
  return { ...rest, statement: statement.id, item: item.id, scope: scope.id };
}

describe("the scope cache", () => {
  const files = corpus();

  test("the corpus: every binding form, the fixtures, the standard library", () => {
    expect(files.filter((f) => f.name.startsWith("stdlib/")).length).toBeGreaterThan(10);
    expect(files.length).toBeGreaterThan(100);
  });

  test("resolves every identifier as the walk over its scopes does", () => {
    let compared = 0;
    let bound = 0;
    for (const file of files) {
      const tree = parsePython(file.text);
      const cache = new ScopeCache(tree.rootNode, file.text);
      const ids: SyntaxNode[] = [];
      for (const n of allNodes(tree.rootNode)) if (n.type === "identifier") ids.push(n);
      // At most ~150 per file (the walk is quadratic); spread over the file.
      const step = Math.max(1, Math.floor(ids.length / 150));
      for (let i = 0; i < ids.length; i += step) {
        const id = ids[i] as SyntaxNode;
        const want = plain(resolveName(id.text, id));
        expect(
          plain(resolveName(id.text, id, cache)),
          `${file.name}:${id.startPosition.row + 1}`,
        ).toEqual(want);
        compared++;
        if (want) bound++;
      }
      expect(
        cache.importsOf(tree.rootNode).map((b) => plain({ binding: b })),
        file.name,
      ).toEqual(scopeImports(tree.rootNode).map((b) => plain({ binding: b })));
    }
    // Enough of both kinds to mean something.
    expect(compared).toBeGreaterThan(5_000);
    expect(bound).toBeGreaterThan(1_000);
  });

  test("what the file that binds every way resolves to", () => {
    const tree = parsePython(EVERY_WAY);
    const cache = new ScopeCache(tree.rootNode, EVERY_WAY);
    const at = (needle: string, name: string) => {
      const i = EVERY_WAY.indexOf(needle) + needle.indexOf(name);
      const id = tree.rootNode.descendantForIndex(i, i + name.length);
      return plain(resolveName(name, id, cache));
    };
    // Module level: imported twice in one scope, differently (and assigned): shadowed.
    expect(at("uuid4 = uuid4", "uuid4")).toEqual({ shadowed: true });
    // From a nested function: the parameter shadows; the enclosing function's import binds.
    expect(at("return uuid, u2, k", "uuid")).toEqual({ shadowed: true });
    expect(at("return uuid, u2, k", "u2")).toMatchObject({ kind: "module", module: "uuid" });
    // A class body's names are not seen from its methods; the module's import is.
    expect(at("return uuid, U", "U")).toMatchObject({ kind: "from", imported: "UUID" });
    // `except ... as uuid` binds it at module level too.
    expect(at("return uuid, U", "uuid")).toEqual({ shadowed: true });
    expect(at("import a.b.c as abc", "abc")).toMatchObject({ module: "a.b.c", local: "abc" });
  });
});
