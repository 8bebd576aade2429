// ruff's isort rule (I001), run in-process through ruff's WebAssembly build: which import blocks
// of a text ruff finds unsorted, with its fix, in offsets of that text.
import loadRuff from "./ruff-load.cjs";

/** ruff settings in ruff.toml's shape (`line-length`, `target-version`, `lint.isort`, ...). */
export type RuffSettings = Record<string, unknown>;

export interface ImportFinding {
  /** The import block ruff flags, as offsets of the checked text. */
  start: number;
  end: number;
  /** ruff's fix: replace `text.slice(start, end)` (the block and the blank lines after it). */
  fix?: { start: number; end: number; text: string };
}

interface RuffPosition {
  row: number;
  column: number;
}

interface RuffDiagnostic {
  code: string | null;
  message: string;
  start_location: RuffPosition;
  end_location: RuffPosition;
  fix: {
    edits: { content: string | null; location: RuffPosition; end_location: RuffPosition }[];
  } | null;
}

interface Workspace {
  check(text: string): RuffDiagnostic[];
}

const workspaces = new Map<string, Workspace>();

/** The ruff version checks run with (for reports and messages). */
export function ruffVersion(): string {
  return loadRuff().Workspace.version();
}

/**
 * A workspace per distinct settings (constructing one validates them). Throws an Error with
 * ruff's own message when the settings are not valid ruff settings.
 */
function workspace(settings: RuffSettings): Workspace {
  const key = JSON.stringify(settings);
  let ws = workspaces.get(key);
  if (!ws) {
    const ruff = loadRuff();
    try {
      ws = new ruff.Workspace(settings, ruff.PositionEncoding.Utf16) as unknown as Workspace;
    } catch (e) {
      throw new Error(String(e instanceof Error ? e.message : e).replace(/^Error: /, ""));
    }
    workspaces.set(key, ws);
  }
  return ws;
}

/** `settings` with only the isort rule selected (whatever else the repository selects). */
export function isortOnly(settings: RuffSettings): RuffSettings {
  const lint = (settings.lint as Record<string, unknown> | undefined) ?? {};
  return { ...settings, lint: { ...lint, select: ["I001"] } };
}

/**
 * ruff's I001 findings for `text`, or `undefined` when ruff cannot read the text (a syntax
 * error): then ruff says nothing about its imports either.
 */
export function importFindings(text: string, settings: RuffSettings): ImportFinding[] | undefined {
  const diagnostics = workspace(isortOnly(settings)).check(text);
  if (diagnostics.some((d) => d.code !== "I001")) return undefined;
  const starts = lineStarts(text);
  const at = (p: RuffPosition) => {
    const line = starts[p.row - 1];
    // One past the last line: the end of the text.
    return line === undefined ? text.length : Math.min(line + p.column - 1, text.length);
  };
  return diagnostics.map((d) => {
    const finding: ImportFinding = { start: at(d.start_location), end: at(d.end_location) };
    const edit = d.fix?.edits.length === 1 ? d.fix.edits[0] : undefined;
    if (edit) {
      finding.fix = {
        start: at(edit.location),
        end: at(edit.end_location),
        text: edit.content ?? "",
      };
    }
    return finding;
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}
