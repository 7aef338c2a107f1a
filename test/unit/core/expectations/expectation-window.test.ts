import { describe, expect, it } from 'vitest';
import { ScheduledExpectationError } from '../../../../lambdas/core/expectations/expectation-errors';
import type { ScheduledExpectation } from '../../../../lambdas/core/expectations/expectation-types';
import {
  deadlinesEndingBetween,
  windowLateAt,
  windowOf,
} from '../../../../lambdas/core/expectations/expectation-window';
import { ScheduleExpression } from '../../../../lambdas/core/expectations/schedule-expression';

function scheduled(expression: string, graceSeconds: number): ScheduledExpectation {
  return {
    kind: 'schedule',
    index: 0,
    schedule: ScheduleExpression.parse(expression),
    graceSeconds,
    graceText: `${graceSeconds}s`,
  };
}

describe('expected windows', () => {
  it('runs from the previous deadline plus the grace to this deadline plus the grace', () => {
    // Arrange
    const daily = scheduled('cron(0 6 * * ? *)', 1800);

    // Act
    const window = windowOf(daily, new Date('2026-12-07T06:00:00Z'));

    // Assess
    expect(window.start.toISOString()).toBe('2026-12-06T06:30:00.000Z');
    expect(window.deadline.toISOString()).toBe('2026-12-07T06:00:00.000Z');
    expect(window.end.toISOString()).toBe('2026-12-07T06:30:00.000Z');
  });

  it('crosses a month end and a year end like any other day', () => {
    // Arrange
    const monthly = scheduled('cron(0 0 1 * ? *)', 3600);

    // Act
    const january = windowOf(monthly, new Date('2027-01-01T00:00:00Z'));
    const march = windowOf(monthly, new Date('2028-03-01T00:00:00Z'));

    // Assess
    expect(january.start.toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(january.end.toISOString()).toBe('2027-01-01T01:00:00.000Z');
    expect(march.start.toISOString()).toBe('2028-02-01T01:00:00.000Z');
  });

  it('refuses a deadline that is not a fire time of the schedule', () => {
    // Arrange
    const daily = scheduled('cron(0 6 * * ? *)', 0);

    // Act / Assess
    expect(() => windowOf(daily, new Date('2026-12-07T07:00:00Z'))).toThrow(ScheduledExpectationError);
  });

  it('makes a version after the grace late for the window that just ended', () => {
    // Arrange
    const daily = scheduled('cron(0 6 * * ? *)', 1800);

    // Act
    const inGrace = windowLateAt(daily, new Date('2026-12-07T06:20:00Z'));
    const afterGrace = windowLateAt(daily, new Date('2026-12-07T08:00:00Z'));

    // Assess
    expect(inGrace?.deadline.toISOString()).toBe('2026-12-06T06:00:00.000Z');
    expect(afterGrace?.deadline.toISOString()).toBe('2026-12-07T06:00:00.000Z');
  });

  it('lists the deadlines whose windows ended in a span, oldest first and bounded', () => {
    // Arrange
    const hourly = scheduled('rate(1 hour)', 600);

    // Act
    const ended = deadlinesEndingBetween(
      hourly,
      new Date('2026-12-07T06:10:00Z'),
      new Date('2026-12-07T09:10:00Z'),
      10,
    );
    const bounded = deadlinesEndingBetween(
      hourly,
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-12-07T09:10:00Z'),
      2,
    );

    // Assess
    expect(ended.map((d) => d.toISOString())).toEqual([
      '2026-12-07T07:00:00.000Z',
      '2026-12-07T08:00:00.000Z',
      '2026-12-07T09:00:00.000Z',
    ]);
    expect(bounded.map((d) => d.toISOString())).toEqual([
      '2026-12-07T08:00:00.000Z',
      '2026-12-07T09:00:00.000Z',
    ]);
  });
});
