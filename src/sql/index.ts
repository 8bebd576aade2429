export {
  ApplyError,
  applyRollback,
  applySqlFiles,
  applyToScratchCopy,
  openForApply,
  readManifest,
  snapshotTable,
} from "./apply.ts";
export { registerSqlCommands, type SqlCliContext } from "./cli.ts";
export {
  type DatabaseConfig,
  databaseSchema,
  parseDatabaseConfig,
  type TableConfig,
  ulidColumnFor,
} from "./config.ts";
export { copyDatabase, type Db, openDb } from "./db.ts";
export {
  type GenerateOptions,
  type GenerateResult,
  generateSql,
  MANIFEST,
  type Manifest,
  type TablePlan,
} from "./generate.ts";
export { UlidDeriver } from "./ulid.ts";
export { type VerifyCheck, type VerifyOptions, type VerifyResult, verifySql } from "./verify.ts";
