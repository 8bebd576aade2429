// What `sql generate` and `sql verify` report as they go, so a 300k-row table is not 30 silent
// seconds: rows read per table (generate), files applied and steps done on the copy (verify).
export interface SqlProgress {
  /** `read`: rows of a table read and mapped; `apply`/`rollback`: a file run on the scratch copy; `validate`: the checks. */
  step: "read" | "apply" | "validate" | "rollback";
  /** The table (read) or file (apply, rollback). */
  what: string;
  /** Rows done so far (read), or the rows the file covers (apply). */
  rows: number;
  /** All rows of the table (read), or of every keyed table (apply, validate). */
  total: number;
  /** Since the step began. */
  elapsedMs: number;
  /** The step's last report. */
  done: boolean;
}
