// `sql export`: the mapping data is not committed (it is derived from the database, 80 bytes a
// row, and nobody reviews it). This regenerates it from the database and writes it where a DBA
// can run the files without the tool, after checking it is exactly what the reviewed files were
// generated with: the same SHA-256 of the mapping statements, and the same reviewed files.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatabaseConfig } from "../plan/database.ts";
import { generateSql } from "./generate.ts";
import { type Manifest, readManifest } from "./manifest.ts";
import { folderFiles, inFolder } from "./sql-folder.ts";

export interface ExportOptions {
  system: string;
  database: DatabaseConfig;
  /** The committed SQL folder (manifest.json and the reviewed files). */
  sqlDir: string;
  /** Where to write; default `sqlDir` (the data files are added next to the reviewed ones). */
  outDir?: string;
}

export interface ExportResult {
  outDir: string;
  /** Absolute paths written. */
  written: string[];
  /** Mapping rows written, over all tables. */
  rows: number;
}

/** Regenerates the mapping data, checks it against the committed manifest, writes it. */
export async function exportSql(opts: ExportOptions): Promise<ExportResult> {
  const committed = readManifest(opts.sqlDir);
  const where = `${opts.sqlDir}/manifest.json`;
  const cfg = opts.database;
  if (committed.engine !== cfg.engine || committed.salt !== cfg.salt) {
    throw new Error(
      `${where} was generated for ${committed.engine} with another salt or engine than the plan's database section; nothing was written`,
    );
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ulid-sql-export-"));
  try {
    const regen = path.join(scratch, "sql");
    // The committed version's headers, so the reviewed files can be compared byte for byte.
    const gen = await generateSql({
      system: opts.system,
      database: cfg,
      outDir: regen,
      toolVersion: committed.toolVersion,
    });
    const fresh = readManifest(regen);
    const problems = differences(committed, fresh, opts.sqlDir, regen);
    if (problems.length > 0) {
      throw new Error(
        `${cfg.path}: the mapping data this database gives now is not what ${opts.sqlDir} was generated and reviewed with: ${problems.join("; ")}. Nothing was written. Regenerate the SQL (\`ulid-codemod migrate\` or \`sql generate\`) and review it again.`,
      );
    }
    const out = opts.outDir ?? opts.sqlDir;
    const same = path.resolve(out) === path.resolve(opts.sqlDir);
    // Into the committed folder: only the data. Elsewhere: the whole folder, ready to run.
    const files = same
      ? fresh.data.map((d) => d.file)
      : [...folderFiles(fresh), ...fresh.data.map((d) => d.file)];
    const written: string[] = [];
    for (const f of files) {
      const to = inFolder(out, f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(inFolder(regen, f), to);
      written.push(to);
    }
    return { outDir: out, written, rows: gen.tables.reduce((n, t) => n + t.rowCount, 0) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function differences(a: Manifest, b: Manifest, aDir: string, bDir: string): string[] {
  const out: string[] = [];
  const names = (m: Manifest) => m.tables.map((t) => t.table).join(", ");
  if (names(a) !== names(b)) return [`tables [${names(a)}] then, [${names(b)}] now`];
  for (const [i, t] of a.tables.entries()) {
    const now = b.tables[i] as Manifest["tables"][number];
    if (t.rowCount !== now.rowCount)
      out.push(`${t.table}: ${t.rowCount} rows then, ${now.rowCount} now`);
    else if (t.sha256 !== now.sha256) out.push(`${t.table}: its (rowid, key, time) data changed`);
    if (t.mapSha256 !== now.mapSha256) {
      out.push(`${t.table}: mapping sha256 ${t.mapSha256} then, ${now.mapSha256} now`);
    }
  }
  if (out.length > 0) return out;
  // Same data: the reviewed files must be the very ones this generation writes.
  const edited = folderFiles(a).filter((f) => {
    const x = inFolder(aDir, f);
    const y = inFolder(bDir, f);
    return !fs.existsSync(x) || !fs.existsSync(y) || comparable(x) !== comparable(y);
  });
  if (edited.length > 0)
    out.push(`reviewed files differ from what it generates: ${edited.join(", ")}`);
  return out;
}

/** A file's text without the header line naming the database file (a copy may be exported). */
function comparable(file: string): string {
  return fs.readFileSync(file, "utf8").replace(/^-- source database: .*$/gm, "");
}
