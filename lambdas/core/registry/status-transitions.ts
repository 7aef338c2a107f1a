/**
 * The life of an object version's test status. It only moves forward:
 *
 *   pending ──▶ passed | warned | failed | error   (RecordResult / RecordValidationFailure / RecordError)
 *   error   ──▶ pending                            (a re-test: a new execution for the same version)
 *   pending | passed | warned | failed | error ──▶ deleted   (the object version was removed)
 *   untracked                                      (terminal from the start: no contract claims the key)
 *   missing ──▶ late                                (an expected version did not come in its window; then it did)
 *
 * `failed` means only "the data broke its contract"; `error` means the version could not be tested
 * (a timeout, a crash, a dependency that stayed down after its retries). An error says nothing about
 * the data, so it is the one tested status that may be tested again: Register re-opens it when a new
 * execution arrives for the same version (a re-test started by `prt retest`, or a later duplicate
 * delivery). Every other tested status is final for that version: a failed version never becomes
 * passed (fix the data and write a new version). `deleted` keeps the entry (lineage still points at
 * it) but takes it out of "latest". Writing the status a version already has is a repeat, not a
 * transition: it succeeds without changing anything, so a retried write is harmless. The ASL's status
 * records (statemachines/output-testing.asl.json) guard their UpdateItem with the same rules as
 * ConditionExpressions; test/infra/asl-status-transitions.test.ts and
 * test/unit/core/registry/asl-status-conditions.test.ts keep the two in step.
 */
export const TEST_STATUSES = [
  'pending',
  'passed',
  'warned',
  'failed',
  'error',
  'deleted',
  'untracked',
  'missing',
  'late',
] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export const STATUS_TRANSITIONS: Readonly<Record<TestStatus, readonly TestStatus[]>> = {
  pending: ['passed', 'warned', 'failed', 'error', 'deleted'],
  passed: ['deleted'],
  warned: ['deleted'],
  failed: ['deleted'],
  error: ['pending', 'deleted'],
  deleted: [],
  untracked: [],
  // Not an object version: the entry of an expected window no version came in
  // (lambdas/core/expectations); a version that comes after it closes it as late.
  missing: ['late'],
  late: [],
};

/** Statuses a test run ends in: the data's verdict, or `error` when it could not be tested. */
export const TESTED_STATUSES = [
  'passed',
  'warned',
  'failed',
  'error',
] as const satisfies readonly TestStatus[];

export function isTestStatus(value: unknown): value is TestStatus {
  return typeof value === 'string' && (TEST_STATUSES as readonly string[]).includes(value);
}

/** Whether `to` may replace `from` (a repeat of the same status is not a transition). */
export function canTransition(from: TestStatus, to: TestStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** Statuses from which `to` may be written (by a transition or as a repeat). */
export function statusesAllowedBefore(to: TestStatus): TestStatus[] {
  return TEST_STATUSES.filter((from) => from === to || canTransition(from, to));
}
