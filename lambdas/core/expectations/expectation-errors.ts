/**
 * Errors of the expected-outputs checks. Each name is the Step Functions error name the
 * expected-outputs state machine sees: a check that cannot decide is an error to retry or alert
 * on, never a `missing` entry (a processing error is not a data failure).
 */
import { PrtError } from '../errors';

/** A check was asked for a deadline or an expectation the contract does not have. */
export class ScheduledExpectationError extends PrtError {
  override readonly name = 'ScheduledExpectationError';
}

/** The versions of a window could not all be looked at within the check's bound. */
export class ExpectationScanError extends PrtError {
  override readonly name = 'ExpectationScanError';
}
