// The public face of expectations: when a contract expects versions, the checks at a deadline,
// the sweep of relative waits and the closing of late arrivals, and the ledger port.
export {
  checkExpectedOutput,
  expectationText,
  runExpectedCheck,
  SCAN_MAX_PAGES,
  SCAN_PAGE,
  SWEEP_LIMIT,
} from './check-expected-output';
export type {
  ContractSource,
  ExpectedDeps,
  ExpectedNotice,
  ExpectedRequest,
  ExpectedResult,
  NoticeStatus,
  TestedVersion,
} from './check-expected-output';
export { ExpectationScanError, ScheduledExpectationError } from './expectation-errors';
export type { ExpectationLedger, PendingExpectation } from './expectation-ledger';
export { EXPECTATION_LIMITS } from './expectation-types';
export type { Expectation, RelativeExpectation, ScheduledExpectation } from './expectation-types';
export { deadlinesEndingBetween, windowLateAt, windowOf } from './expectation-window';
export type { ExpectedWindow } from './expectation-window';
export { missingEntry, runSk, windowSk } from './missing-entry';
export { ScheduleExpression, ScheduleExpressionError } from './schedule-expression';
