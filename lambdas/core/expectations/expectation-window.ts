/**
 * The windows of a scheduled expectation. A deadline `d` is a fire time of the schedule; its window
 * runs from the previous deadline plus the grace (exclusive) to `d` plus the grace (inclusive), so
 * consecutive windows tile time with no gap and no overlap, and a version belongs to exactly one
 * window. The check of `d` runs when its window ends (`d + grace`).
 *
 * A version that arrives after its window ended is late for that window: it lies in the next
 * window by time, but closes the earlier one (check-expected-output.ts does not count it twice).
 */
import { ScheduledExpectationError } from './expectation-errors';
import type { ScheduledExpectation } from './expectation-types';

export interface ExpectedWindow {
  /** The window opens after this instant (the previous deadline plus the grace). */
  readonly start: Date;
  /** The schedule's fire time a version is due by. */
  readonly deadline: Date;
  /** The deadline plus the grace: the window's last instant, when it is checked. */
  readonly end: Date;
}

/** The window of `deadline`, which must be one of the schedule's fire times. */
export function windowOf(expectation: ScheduledExpectation, deadline: Date): ExpectedWindow {
  const { schedule, graceSeconds } = expectation;
  if (!schedule.firesAt(deadline))
    throw new ScheduledExpectationError(
      `${deadline.toISOString()} is not a deadline of ${schedule.text} (UTC, whole minutes)`,
    );
  const previous = schedule.previousAtOrBefore(new Date(deadline.getTime() - 1));
  if (!previous)
    throw new ScheduledExpectationError(
      `${schedule.text} has no deadline in the five years before ${deadline.toISOString()}; a window needs one`,
    );
  const grace = graceSeconds * 1000;
  return {
    start: new Date(previous.getTime() + grace),
    deadline,
    end: new Date(deadline.getTime() + grace),
  };
}

/** The window a version arriving at `arrival` is late for: the last one that ended before it. */
export function windowLateAt(expectation: ScheduledExpectation, arrival: Date): ExpectedWindow | undefined {
  const deadline = expectation.schedule.previousAtOrBefore(
    new Date(arrival.getTime() - expectation.graceSeconds * 1000 - 1),
  );
  return deadline ? windowOf(expectation, deadline) : undefined;
}

/**
 * The deadlines whose windows end after `after` and at or before `upTo`, oldest first, at most
 * `max` of them (a clock moved far ahead checks the latest `max` windows, not years of them).
 */
export function deadlinesEndingBetween(
  expectation: ScheduledExpectation,
  after: Date,
  upTo: Date,
  max: number,
): Date[] {
  const grace = expectation.graceSeconds * 1000;
  const out: Date[] = [];
  let cursor = expectation.schedule.previousAtOrBefore(new Date(upTo.getTime() - grace));
  while (cursor && cursor.getTime() + grace > after.getTime() && out.length < max) {
    out.push(cursor);
    cursor = expectation.schedule.previousAtOrBefore(new Date(cursor.getTime() - 1));
  }
  return out.reverse();
}
