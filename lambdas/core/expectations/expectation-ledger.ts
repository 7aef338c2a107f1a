/**
 * The port of pending relative expectations: when an input arrives, each contract expecting its
 * output "within T after that input" gets a pending item due at the input's arrival plus T; a sweep
 * takes the due ones and checks them. The DynamoDB ledger lives in the registry table
 * (lambdas/adapters/aws/dynamo-expectation-ledger.ts); tests use an in-memory one.
 */

export interface PendingExpectation {
  /** The expected output, `pipeline/step/output`. */
  readonly output: string;
  readonly runId: string;
  /** Position of the expectation in the contract's `expected` list. */
  readonly index: number;
  /** The expectation as written: `after ingestion/raw_orders within 2h`. */
  readonly expectation: string;
  /** When the input arrived (its registration) and the version of this run is due (ISO 8601). */
  readonly inputArrivedAt: string;
  readonly dueAt: string;
  /** The input version that started the wait. */
  readonly inputUri: string;
}

export interface ExpectationLedger {
  /** Records a pending expectation unless one of the same output, run and index exists (idempotent). */
  add(pending: PendingExpectation): Promise<{ readonly created: boolean }>;
  /** Pending expectations due at or before `now`, earliest first, at most `limit`. */
  due(now: Date, limit: number): Promise<PendingExpectation[]>;
  /** Removes a pending expectation (checked, or its version arrived); removing none is no error. */
  remove(ref: Pick<PendingExpectation, 'output' | 'runId' | 'index'>): Promise<void>;
}
