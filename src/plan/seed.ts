import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { CONFIG_FILE } from "./paths.ts";

const salt = () => randomBytes(16).toString("hex");

/** The seed plan, as a commented template so the comments survive for the user to read. */
export function seedConfig(): string {
  return `# ulid-codemod migration plan. Paths are relative to this file.
# Systems run in the order listed here (the phase order).
version: 1

# github:
#   apiUrl: https://api.github.com   # GitHub Enterprise: https://HOST/api/v3

systems:
  # Phase 1: uuid.uuid4() call sites become dhruva.generate().
  crackerjack:
    repo: ../crackerjack
    branch: ulid-migration      # created by ulid-codemod; an existing branch of another origin is refused
    remote: origin
    module: dhruva              # Python module providing generate()
    importStyle: from           # from: \`from dhruva import generate\`; module: \`import dhruva\`
    include: ["**/*.py"]
    exclude: []                 # globs to skip, e.g. "tests/fixtures/**"
    # uuid-consumers: code that still assumes a UUID (validators, regexes, lengths, fixtures);
    # sql-consumers: SQL in the code that must change with the tables below.
    transforms: [uuid4-to-ulid, uuid-consumers, sql-consumers]
    # github: { owner: your-org, repo: crackerjack }   # else derived from the remote URL
    # The repository's own checks: run on the migration branch (in a temporary worktree) before
    # anything is pushed; a failure stops this system (--allow-failing-checks: push, PR as draft).
    checks: []                  # e.g. ["python -m pytest -q", "ruff check ."]
    checkTimeoutMinutes: 10     # per check
    # pr: { draft: false, labels: [ulid-migration], reviewers: [alice, your-org/dba-team], assignees: [bob] }
    database:
      engine: sqlite
      path: ../crackerjack/.crackerjack/crackerjack.db
      backupDir: ./backups/crackerjack
      salt: ${salt()}   # random per database; keeps backfilled ULIDs reproducible
      tables:
        - table: jobs
          key: job_id
          strategy: rewrite-in-place
          time: { column: start_time }
          # Child rows whose job is gone (nothing enforces the foreign keys) are reported and
          # left as they are; refuse: stop instead.
          orphans: keep
          # Columns holding job IDs without a FOREIGN KEY: sql generate lists the ones it finds
          # (by name, and by sampling their values); migrate --apply refuses until each is here
          # or under ignoreReferences with a reason.
          references: []
          ignoreReferences: []   # e.g. { table: audit, column: job_ref, reason: "kept as written" }

  # Phase 2: f"{name}-{timestamp}" session IDs become ULIDs.
  session-buddy:
    repo: ../session-buddy
    importStyle: from
    include: ["**/*.py"]
    exclude: []
    transforms: [fstring-id-to-ulid, sql-consumers]
    fstringRules:
      - target: session_id
        templates: ["{}-{}"]
        naturalKeys: skip
    database:
      engine: duckdb
      path: ../session-buddy/data/session_buddy.duckdb
      backupDir: ./backups/session-buddy
      salt: ${salt()}
      tables:
        - table: sessions
          key: session_id
          strategy: add-column   # keep the legacy key, add the ULID beside it
          ulidColumn: session_ulid
          time: { fromKey: "{name}-{YYYYmmdd-HHMMSS}" }   # creation time parsed from the legacy ID
          references:
            - { table: reflections, column: session_id }
            - { table: conversations, column: session_id }
    # Run around the data step (migrate --apply, rollback): stop before the backup, start after.
    # services:
    #   stop: ["session-buddy mcp stop"]
    #   start: ["session-buddy mcp start"]
    #   timeoutSeconds: 120

  # Phase 3: entity IDs; no database (state is in memory).
  akosha:
    repo: ../akosha
    importStyle: from
    include: ["**/*.py"]
    exclude: []
    transforms: [fstring-id-to-ulid]
    fstringRules:
      - target: entity_id
        templates: ["system:{}", "user:{}"]
        # These IDs are natural keys (looked up by name). The plan asks for the rewrite anyway;
        # every such site is flagged in the report so the reviewer sees what it breaks.
        naturalKeys: rewrite-and-flag
`;
}

/** Write the seed plan; an existing file is kept unless \`force\`. Returns the path written. */
export function writeSeedConfig(out: string = CONFIG_FILE, force = false): string {
  try {
    // "wx" fails if the file exists, without a check-then-write race.
    writeFileSync(out, seedConfig(), { flag: force ? "w" : "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Error(`${out}: already exists (use --force to overwrite)`);
    }
    throw e;
  }
  return out;
}
