export { registerSqlCommands, type SqlCliContext } from "../cli/sql-command.ts";
export {
  type DatabaseConfig,
  databaseSchema,
  parseDatabaseConfig,
  type TableConfig,
  ulidColumnFor,
} from "../plan/database.ts";
export { copyDatabase, type Db, openDb } from "./db.ts";
export {
  type GenerateOptions,
  type GenerateResult,
  generateSql,
  MANIFEST,
  type Manifest,
  type TablePlan,
} from "./generate.ts";
export {
  ApplyError,
  applyRollback,
  applySqlFiles,
  applyToScratchCopy,
  openForApply,
  readManifest,
  snapshotTable,
} from "./run-files.ts";
export { UlidDeriver } from "./ulid.ts";
export { type VerifyCheck, type VerifyOptions, type VerifyResult, verifySql } from "./verify.ts";
