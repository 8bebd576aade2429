import { describe, expect, test } from "vitest";
import type { TransformOptions } from "../src/codemod/options.ts";
import { transformSource } from "../src/codemod/transform-file.ts";
import { defaultTransformOptions } from "../transforms/index.ts";
import { plugin } from "../transforms/uuid4-to-ulid.ts";

function run(source: string, options: Partial<TransformOptions> = {}) {
  const out = transformSource("m.py", source, [plugin], {
    ...defaultTransformOptions(),
    ...options,
  });
  if (!out.ok) throw new Error(out.error);
  return out;
}

describe("import removal", () => {
  test("a parenthesized multi-line from-import keeps its other names and layout", () => {
    const src = "from uuid import (\n    UUID,\n    uuid4,\n)\n\nx: UUID\ny = str(uuid4())\n";
    expect(run(src).output).toBe(
      "from uuid import (\n    UUID,\n)\n\nimport dhruva\n\nx: UUID\ny = dhruva.generate()\n",
    );
  });

  test("a name in the middle of the list goes with its comma", () => {
    const src =
      "from uuid import UUID, uuid4, NAMESPACE_DNS\n\nx = (UUID, NAMESPACE_DNS, str(uuid4()))\n";
    expect(run(src).output).toBe(
      "from uuid import UUID, NAMESPACE_DNS\nimport dhruva\n\nx = (UUID, NAMESPACE_DNS, dhruva.generate())\n",
    );
  });

  test("`import uuid, os` keeps `os`", () => {
    const src = "import uuid, os\n\nx = str(uuid.uuid4()), os.sep\n";
    expect(run(src).output).toBe("import os\nimport dhruva\n\nx = dhruva.generate(), os.sep\n");
  });

  test("a module still used elsewhere keeps its import", () => {
    const src = "import uuid\n\nx = str(uuid.uuid4())\nNS = uuid.NAMESPACE_DNS\n";
    expect(run(src).output).toBe(
      "import uuid\n\nimport dhruva\n\nx = dhruva.generate()\nNS = uuid.NAMESPACE_DNS\n",
    );
  });

  test("a name listed in __all__ is kept", () => {
    const src = '__all__ = ["uuid4"]\nfrom uuid import uuid4\n\nx = str(uuid4())\n';
    expect(run(src).output).toContain("from uuid import uuid4\n");
  });

  test("a function's own import is judged in that function's scope", () => {
    const src = [
      "import uuid",
      "",
      "",
      "def a():",
      "    import uuid",
      "    return str(uuid.uuid4())",
      "",
      "",
      "def b():",
      "    return uuid.UUID(int=1)",
      "",
    ].join("\n");
    const out = run(src).output;
    expect(out).toContain("def a():\n    return dhruva.generate()\n");
    expect(out.startsWith("import uuid\n\nimport dhruva\n")).toBe(true);
  });

  test("a module-level import used only inside a function that was rewritten is removed", () => {
    const src = "import uuid\n\n\ndef a():\n    return str(uuid.uuid4())\n";
    expect(run(src).output).toBe("import dhruva\n\n\ndef a():\n    return dhruva.generate()\n");
  });

  test("a name rebound in the scope is not taken for the uuid module", () => {
    const src =
      "import uuid\n\ntry:\n    pass\nexcept ImportError:\n    uuid = None\n\nx = str(uuid.uuid4())\n";
    const out = run(src);
    expect(out.changed).toBe(false);
  });
});

describe("import insertion", () => {
  test("after a shebang and coding line when there is nothing else", () => {
    const src =
      "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\ndef f():\n    import uuid\n    return str(uuid.uuid4())\n";
    expect(run(src).output).toBe(
      "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport dhruva\n\n\ndef f():\n    return dhruva.generate()\n",
    );
  });

  test("with the module's other imports, not inside a try block", () => {
    const src =
      "import os\nimport uuid\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nx = str(uuid.uuid4())\n";
    expect(run(src).output).toBe(
      "import os\n\nimport dhruva\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nx = dhruva.generate()\n",
    );
  });

  test("an existing `import dhruva as d` is reused", () => {
    const src = "import uuid\nimport dhruva as d\n\nx = str(uuid.uuid4())\n";
    expect(run(src).output).toBe("import dhruva as d\n\nx = d.generate()\n");
  });

  test("a method named generate does not force an alias for the from-style import", () => {
    const src =
      "import uuid\n\n\nclass Gen:\n    def generate(self):\n        return str(uuid.uuid4())\n";
    const out = run(src, { importStyle: "from" });
    expect(out.output).toContain("from dhruva import generate\n");
    expect(out.output).toContain("        return generate()\n");
  });

  test("a clash with a module-level name aliases and says so in the report", () => {
    const src = "import uuid\n\ndhruva = 'a local name'\nx = str(uuid.uuid4())\n";
    const out = run(src);
    expect(out.output).toContain("import dhruva as _dhruva\n");
    expect(out.output).toContain("x = _dhruva.generate()\n");
    expect(out.entries[0]?.reason).toContain("aliased as `_dhruva`");
  });

  test("no import is added when the only site was refused", () => {
    const src = "import uuid\n\nx = str(  # why\n    uuid.uuid4()) if True else ''  # and why\n";
    const out = run(src);
    expect(out.changed).toBe(false);
    expect(out.entries[0]?.outcome).toBe("needs-review");
  });
});
