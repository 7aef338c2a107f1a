/**
 * The life of an object version's test status. It only moves forward:
 *
 *   pending ──▶ passed | warned | failed        (the state machine's RecordResult / RecordValidationFailure / RecordError)
 *   untracked                                    (terminal from the start: no contract claims the key)
 *
 * A tested status is final for that version: a failed version never becomes passed (fix the data and
 * write a new version), and nothing returns to pending. Writing the status a version already has is
 * a repeat, not a transition: it succeeds without changing anything, so a retried write is harmless.
 * The ASL's status records (statemachines/output-testing.asl.json) guard their UpdateItem with the
 * same rules as ConditionExpressions; test/unit/registry/asl-status-conditions.test.ts keeps the two
 * in step.
 */
export const TEST_STATUSES = ['pending', 'passed', 'warned', 'failed', 'untracked'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export const STATUS_TRANSITIONS: Readonly<Record<TestStatus, readonly TestStatus[]>> = {
  pending: ['passed', 'warned', 'failed'],
  passed: [],
  warned: [],
  failed: [],
  untracked: [],
};

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
