/**
 * sql-consumers: SQL in the code that touches a table the migration changes, checked against the
 * plan's strategy for it, so the code change and the data change fit together.
 *
 * SQL is a string literal or f-string passed to `execute`, `executemany`, `executescript`,
 * DuckDB's `sql`/`query`, or SQLAlchemy's `text` (directly, or through a name bound to one in the
 * same function or module). Statements reported, for a migrated table or a table referencing it:
 * - a positional INSERT (no column list): with `add-column` the table gains the ULID column, so
 *   the values no longer fit (blocking); with `rewrite-in-place` no column is added (note);
 * - an INSERT naming the legacy key but not the ULID column: with `add-column` new rows get no
 *   ULID (blocking); with `rewrite-in-place` the key itself holds the ULID (note);
 * - `SELECT *`: with `add-column` the rows get one more, last, column: unpacking them by position
 *   (`a, b, c = row`, `for a, b in rows`, `row[-1]`) breaks (blocking), anything else is worth a
 *   look (needs-review); with `rewrite-in-place` the rows are unchanged (note).
 * Tables come from `--table` (transform) or the system's database section (migrate).
 */

import {
  type CodemodPlugin,
  type CustomSpec,
  entryAt,
  type FileResult,
  identifiersNamed,
  jscodeshiftAdapter,
  type PlannedTable,
  type PyFile,
  python,
  type ReportEntry,
  type SyntaxNode,
  scopeOf,
} from "../src/codemod/api.ts";
import { callArguments, calleeName, inner, literalText } from "./python-values.ts";

export interface SqlOptions {
  tables: PlannedTable[];
}

const NAME = "sql-consumers";
const EXECUTORS = new Set(["execute", "executemany", "executescript", "sql", "query"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// The option --------------------------------------------------------------------------------------

/** `jobs:job_id:rewrite-in-place`, `sessions:session_id:add-column[:session_ulid]`. */
function tableFlag(value: string): PlannedTable {
  const [table, key, strategy, ulid, ...rest] = value.split(":");
  if (
    !table ||
    !key ||
    !IDENT.test(table) ||
    !IDENT.test(key) ||
    (strategy !== "rewrite-in-place" && strategy !== "add-column") ||
    rest.length > 0 ||
    (ulid !== undefined && (strategy !== "add-column" || !IDENT.test(ulid)))
  ) {
    throw new Error(
      `--table '${value}': expected TABLE:KEY:rewrite-in-place or TABLE:KEY:add-column[:ULID_COLUMN].`,
    );
  }
  const add = strategy === "add-column";
  return { table, key, strategy, ulidColumn: add ? (ulid ?? ulidFor(key)) : key, references: [] };
}

/** The SQL generation's naming (plan/database.ts ulidColumnFor): `job_id` -> `job_ulid`. */
function ulidFor(column: string): string {
  return column.endsWith("_id") ? `${column.slice(0, -3)}_ulid` : `${column}_ulid`;
}

function fromCli(uses: { flag: string; value: string }[]): PlannedTable[] {
  const tables: PlannedTable[] = [];
  for (const { flag, value } of uses) {
    if (flag === "table") {
      tables.push(tableFlag(value));
      continue;
    }
    const t = tables.at(-1);
    if (!t) throw new Error("--reference must follow a --table.");
    const [table, column, ...rest] = value.split(".");
    if (!table || !column || rest.length > 0 || !IDENT.test(table) || !IDENT.test(column)) {
      throw new Error(`--reference '${value}': expected TABLE.COLUMN.`);
    }
    const ulidColumn = t.strategy === "add-column" ? ulidFor(column) : column;
    t.references.push({ table, column, ulidColumn });
  }
  return tables;
}

export const tablesOption: CustomSpec<PlannedTable[]> = {
  key: "tables",
  kind: "custom",
  description: "sql-consumers: the migrated tables and their strategies",
  default: [],
  cli: {
    flags: [
      {
        name: "table",
        valueName: "table:key:strategy",
        description:
          "sql-consumers: a migrated table, e.g. sessions:session_id:add-column[:session_ulid]",
      },
      {
        name: "reference",
        valueName: "table.column",
        description: "sql-consumers: a column of another table holding the key (after --table)",
      },
    ],
    parse: fromCli,
  },
  // migrate: the system's database section.
  fromDatabaseTables: (tables) => tables,
  fromFlags(flags, z) {
    const raw = typeof flags.tables === "string" ? JSON.parse(flags.tables) : flags.tables;
    const name = z.string().regex(IDENT);
    const parsed = z
      .array(
        z.strictObject({
          table: name,
          key: name,
          strategy: z.enum(["rewrite-in-place", "add-column"]),
          ulidColumn: name.optional(),
          references: z
            .array(z.strictObject({ table: name, column: name, ulidColumn: name.optional() }))
            .default([]),
        }),
      )
      .default([])
      .parse(raw);
    return parsed.map((t) => {
      const add = t.strategy === "add-column";
      return {
        ...t,
        ulidColumn: add ? (t.ulidColumn ?? ulidFor(t.key)) : t.key,
        references: t.references.map((r) => ({
          ...r,
          ulidColumn: r.ulidColumn ?? (add ? ulidFor(r.column) : r.column),
        })),
      };
    });
  },
  isEmpty: (tables) => tables.length === 0,
  missing: {
    cli: "sql-consumers needs at least one --table TABLE:KEY:STRATEGY (see --help).",
    plan: "sql-consumers needs the system's database tables",
  },
};

// SQL in the code -----------------------------------------------------------------------------------

/** One table the SQL may touch: a migrated one, or one holding its key. */
interface Touched {
  table: string;
  key: string;
  ulidColumn: string;
  strategy: PlannedTable["strategy"];
  /** For a referencing table: the migrated table it references. */
  of?: string;
}

function touchedTables(tables: PlannedTable[]): Map<string, Touched> {
  const out = new Map<string, Touched>();
  for (const t of tables) {
    out.set(t.table.toLowerCase(), t);
    for (const r of t.references) {
      if (!out.has(r.table.toLowerCase())) {
        out.set(r.table.toLowerCase(), {
          table: r.table,
          key: r.column,
          ulidColumn: r.ulidColumn,
          strategy: t.strategy,
          of: t.table,
        });
      }
    }
  }
  return out;
}

/** `"main"."Sessions"` -> sessions. */
function tableName(raw: string): string {
  const last = raw.split(".").at(-1) ?? raw;
  return last.replace(/["`[\]]/g, "").toLowerCase();
}

function columnName(raw: string): string {
  return raw
    .trim()
    .replace(/["`[\]]/g, "")
    .toLowerCase();
}

/** The string an executor gets as its SQL: a literal, `text(...)`, `"..." % x`, `"...".format()`, or a name bound to one. */
function sqlLiteral(arg: SyntaxNode, ctx: PyFile): SyntaxNode | undefined {
  const n = inner(arg);
  if (n.type === "string" || n.type === "concatenated_string") return n;
  if (n.type === "binary_operator" && n.childForFieldName("operator")?.text === "%") {
    const left = n.childForFieldName("left");
    return left ? sqlLiteral(left, ctx) : undefined;
  }
  if (n.type === "call") {
    const fn = n.childForFieldName("function");
    if (fn?.type === "attribute" && fn.childForFieldName("attribute")?.text === "format") {
      const obj = fn.childForFieldName("object");
      return obj ? sqlLiteral(obj, ctx) : undefined;
    }
    const first = callArguments(n).positional[0];
    if (calleeName(n) === "text" && first) return sqlLiteral(first, ctx);
    return undefined;
  }
  if (n.type === "identifier") {
    // The last assignment of a string to that name in the same scope, else in the module.
    const scopes = [scopeOf(n), ctx.tree.rootNode];
    for (const scope of scopes) {
      const bound = identifiersNamed(scope, ctx.source, n.text)
        .filter((id) => id.startIndex < n.startIndex && scopeOf(id).id === scope.id)
        .map((id) => id.parent)
        .filter(
          (a): a is SyntaxNode =>
            a?.type === "assignment" && a.childForFieldName("left")?.type === "identifier",
        )
        .map((a) => a.childForFieldName("right"))
        .filter((v): v is SyntaxNode => !!v && /string/.test(inner(v).type));
      const last = bound.at(-1);
      if (last) return inner(last);
    }
  }
  return undefined;
}

interface Statement {
  kind: "insert" | "select-star";
  table: string;
  /** INSERT's column list (lower case), or undefined when positional. */
  columns?: string[];
}

const INSERT =
  /\b(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO\s+([\w."`[\]]+)\s*(?:\(([^)]*)\))?\s*(?:VALUES|SELECT|DEFAULT\s+VALUES|\{\})/gi;
const SELECT_STAR = /\bSELECT\s+(?:DISTINCT\s+)?\*\s+FROM\s+([\w."`[\]]+)/gi;

export function statementsIn(sql: string): Statement[] {
  const out: Statement[] = [];
  for (const m of sql.matchAll(INSERT)) {
    const columns = m[2]?.split(",").map(columnName);
    out.push({ kind: "insert", table: tableName(m[1] as string), ...(columns ? { columns } : {}) });
  }
  for (const m of sql.matchAll(SELECT_STAR)) {
    out.push({ kind: "select-star", table: tableName(m[1] as string) });
  }
  return out;
}

type RowUse =
  | { kind: "unpack"; count: number; line: number }
  | { kind: "index"; index: number; line: number };

/** How the rows of an executed query are read by position, as far as this scope shows. */
function rowUses(call: SyntaxNode, ctx: PyFile): RowUse[] {
  const uses: RowUse[] = [];
  const line = (n: SyntaxNode) => n.startPosition.row + 1;
  const unpacked = (target: SyntaxNode | null, at: SyntaxNode) => {
    if (target && (target.type === "pattern_list" || target.type === "tuple_pattern")) {
      uses.push({ kind: "unpack", count: target.namedChildCount, line: line(at) });
      return true;
    }
    return false;
  };
  /** What is done with `value` (the rows, or one row): unpacked, indexed, iterated, stored. */
  const follow = (value: SyntaxNode, isRow: boolean, depth: number) => {
    let v = value;
    const fetch = v.parent?.type === "attribute" ? v.parent.parent : null;
    const method =
      v.parent?.type === "attribute" ? v.parent.childForFieldName("attribute")?.text : undefined;
    if (
      fetch?.type === "call" &&
      (method === "fetchone" || method === "fetchall" || method === "fetchmany")
    ) {
      v = fetch;
      isRow = method === "fetchone";
    }
    const p = v.parent;
    if (!p || depth > 2) return;
    if (p.type === "assignment" && p.childForFieldName("right")?.id === v.id) {
      const left = p.childForFieldName("left");
      if (isRow && unpacked(left, p)) return;
      if (left?.type === "identifier") {
        for (const id of identifiersNamed(scopeOf(p), ctx.source, left.text)) {
          if (id.startIndex > p.endIndex) follow(id, isRow, depth + 1);
        }
      }
      return;
    }
    if (p.type === "for_statement" && p.childForFieldName("right")?.id === v.id && !isRow) {
      unpacked(p.childForFieldName("left"), p);
      return;
    }
    if (p.type === "subscript" && p.childForFieldName("value")?.id === v.id) {
      const index = p.childForFieldName("subscript");
      const text = index?.text ?? "";
      if (/^-?\d+$/.test(text)) {
        if (isRow) uses.push({ kind: "index", index: Number(text), line: line(p) });
        else follow(p, true, depth + 1);
      }
    }
  };
  follow(call, false, 0);
  // `cur.execute("SELECT * ...")` then `cur.fetchone()` in the same scope.
  const receiver = call.childForFieldName("function")?.childForFieldName("object");
  if (call.parent?.type === "expression_statement" && receiver?.type === "identifier") {
    for (const id of identifiersNamed(scopeOf(call), ctx.source, receiver.text)) {
      if (id.startIndex > call.endIndex && id.parent?.type === "attribute") follow(id, false, 1);
    }
  }
  return uses;
}

interface Finding {
  outcome: ReportEntry["outcome"];
  reason: string;
}

function judge(s: Statement, t: Touched, uses: () => RowUse[]): Finding | undefined {
  const add = t.strategy === "add-column";
  const table = t.of ? `${t.table} (it references ${t.of})` : t.table;
  const newColumn = `\`${t.ulidColumn}\``;
  if (s.kind === "insert" && !s.columns) {
    return add
      ? {
          outcome: "blocking",
          reason: `positional INSERT into ${table}: add-column gives it one more column (${newColumn}), so these values no longer fit; name the columns and write ${newColumn} too`,
        }
      : {
          outcome: "note",
          reason: `positional INSERT into ${table}: rewrite-in-place adds no column, so it still fits`,
        };
  }
  if (s.kind === "insert") {
    const cols = s.columns ?? [];
    if (!cols.includes(t.key.toLowerCase())) return undefined;
    if (!add) {
      return {
        outcome: "note",
        reason: `writes \`${t.key}\` of ${table}: rewrite-in-place makes that column the ULID, which the code now generates`,
      };
    }
    if (cols.includes(t.ulidColumn.toLowerCase())) return undefined;
    return {
      outcome: "blocking",
      reason: `writes the legacy key \`${t.key}\` of ${table} but not ${newColumn}: new rows get no ULID (NULL); write the new ID to ${newColumn} as well`,
    };
  }
  if (!add) {
    return {
      outcome: "note",
      reason: `SELECT * from ${table}: rewrite-in-place keeps its columns, so the rows read the same`,
    };
  }
  const found = uses();
  const breaks = found.find((u) => u.kind === "unpack" || u.index < 0);
  if (breaks) {
    const how =
      breaks.kind === "unpack"
        ? `unpacks ${breaks.count} values by position (line ${breaks.line})`
        : `reads row[${breaks.index}] (line ${breaks.line})`;
    return {
      outcome: "blocking",
      reason: `SELECT * from ${table}, and the code ${how}: add-column appends ${newColumn}, so that breaks; name the columns`,
    };
  }
  const indexed = found.find((u) => u.kind === "index");
  return {
    outcome: "needs-review",
    reason: `SELECT * from ${table}: add-column appends ${newColumn} to every row${indexed ? ` (row[${indexed.kind === "index" ? indexed.index : 0}] at line ${indexed.line} keeps its column)` : ""}; check what reads the rows, or name the columns`,
  };
}

export const plugin: CodemodPlugin<PyFile, SqlOptions> = {
  name: NAME,
  language: python,
  options: [tablesOption],
  mayMatch: (source, options) =>
    options.tables.some(
      (t) =>
        source.includes(t.table) ||
        source.includes(t.table.toUpperCase()) ||
        t.references.some((r) => source.includes(r.table)),
    ),
  analyze(ctx, options): FileResult {
    const touched = touchedTables(options.tables);
    const entries: ReportEntry[] = [];
    const seen = new Set<string>();
    for (const exec of EXECUTORS) {
      if (!ctx.source.includes(exec)) continue;
      for (const id of identifiersNamed(ctx.tree.rootNode, ctx.source, exec)) {
        const fn = id.parent;
        const call = fn?.parent;
        if (
          fn?.type !== "attribute" ||
          fn.childForFieldName("attribute")?.id !== id.id ||
          call?.type !== "call" ||
          call.childForFieldName("function")?.id !== fn.id
        ) {
          continue;
        }
        const { positional, keywords } = callArguments(call);
        const arg = positional[0] ?? keywords.get("sql") ?? keywords.get("query");
        const literal = arg && sqlLiteral(arg, ctx);
        if (!literal) continue;
        const sql = literalText(literal, ctx.source);
        if (sql === undefined) continue;
        let rows: RowUse[] | undefined;
        for (const s of statementsIn(sql)) {
          const t = touched.get(s.table);
          if (!t) continue;
          const finding = judge(s, t, () => {
            rows ??= rowUses(call, ctx);
            return rows;
          });
          if (!finding) continue;
          const key = `${literal.id}:${s.kind}:${s.table}:${call.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const where =
            literal.startPosition.row === call.startPosition.row
              ? ""
              : ` (executed at line ${call.startPosition.row + 1})`;
          const entry = entryAt(NAME, ctx, literal, {
            before: literal.text,
            after: null,
            outcome: finding.outcome,
            reason: finding.reason + where,
          });
          entry.topic = "sql";
          entries.push(entry);
        }
      }
    }
    entries.sort((a, b) => a.line - b.line || a.column - b.column);
    return { edits: [], entries };
  },
};

export default jscodeshiftAdapter(plugin);
