/**
 * When a contract expects a version of its output (the contract's `expected:` key): by each
 * deadline of a schedule, give or take a grace period, or within a time after an input of the same
 * pipeline run arrived. What happens when none comes is decided in check-expected-output.ts.
 */
import type { ScheduleExpression } from './schedule-expression';

/** A version by each deadline of a schedule (UTC), or at the latest `graceSeconds` after it. */
export interface ScheduledExpectation {
  readonly kind: 'schedule';
  /** Position in the contract's `expected` list: the deployed schedule and the registry name it. */
  readonly index: number;
  readonly schedule: ScheduleExpression;
  readonly graceSeconds: number;
  /** The grace as written (`30m`), for messages and the file form. */
  readonly graceText: string;
}

/** A version of the same run within `withinSeconds` after a version of `input` arrived. */
export interface RelativeExpectation {
  readonly kind: 'after';
  readonly index: number;
  /** The input as written in the contract (`ingestion/raw_orders`). */
  readonly input: string;
  readonly withinSeconds: number;
  readonly withinText: string;
}

export type Expectation = ScheduledExpectation | RelativeExpectation;

/** Bounds of the `expected` key: the entries of one contract and the longest grace or delay. */
export const EXPECTATION_LIMITS = {
  maxEntries: 10,
  /** A week: a longer wait is a data-retention question, not a deadline. */
  maxSeconds: 7 * 86_400,
  /** A relative expectation waits at least a minute (the sweep runs every few minutes). */
  leastWithinSeconds: 60,
} as const;
