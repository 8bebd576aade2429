// The library API: what the CLI is a thin layer over, for scripts that drive a migration
// themselves. Everything here is also reachable from its own module; this is the stable front.

export {
  pluginsFor,
  type RunTransforms,
  runTransforms,
  TRANSFORM_NAMES,
  TRANSFORMS,
} from "../transforms/index.ts";
export type { ReportEntry } from "./codemod/plugin.ts";
export type { RunResult } from "./codemod/runner.ts";
export * from "./errors.ts";
export { applyDatabase } from "./live/apply.ts";
export { listBackups, restoreBackup, verifyBackup } from "./live/backup.ts";
export { inspectDatabase, type MigrationState } from "./live/state.ts";
export { type TraceResult, traceId } from "./live/trace.ts";
export { loadConfig, loadSystem, parseConfig } from "./plan/load.ts";
export type { MigrationConfig, SystemConfig } from "./plan/schema.ts";
export { type MigrateOptions, type MigrateOutcome, migrateSystem } from "./repo/branch.ts";
export { sarifLog } from "./report/sarif.ts";
export * from "./report/schema.ts";
export { migrateFigures, rollbackFigures, verifyFigures, writeMetrics } from "./run/metrics.ts";
export { type PhaseOptions, type PhasesResult, runPhases } from "./run/phases.ts";
export { type RollbackResult, rollbackSystems } from "./run/rollback.ts";
export { type CommandRun, withServices } from "./run/services.ts";
export { type SystemStatus, statusOf } from "./run/status.ts";
export { githubWorkflow } from "./run/workflow.ts";
export { type ExportResult, exportSql } from "./sql/export.ts";
export { type GenerateResult, generateSql } from "./sql/generate.ts";
export { type VerifyResult, verifySql } from "./sql/verify.ts";
export { TOOL_NAME, TOOL_VERSION } from "./version.ts";
