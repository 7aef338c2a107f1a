import { describe, expect, it } from 'vitest';
import {
  ScheduleExpression,
  ScheduleExpressionError,
} from '../../../../lambdas/core/expectations/schedule-expression';

const at = (iso: string): Date => new Date(iso);
const iso = (d: Date | undefined): string | undefined => d?.toISOString();

describe('ScheduleExpression', () => {
  it('finds the fire times of a daily cron around an instant, in UTC', () => {
    // Arrange
    const daily = ScheduleExpression.parse('cron(0 6 * * ? *)');

    // Act
    const before = daily.previousAtOrBefore(at('2026-12-07T05:59:59Z'));
    const onIt = daily.previousAtOrBefore(at('2026-12-07T06:00:00Z'));
    const next = daily.nextAfter(at('2026-12-07T06:00:00Z'));

    // Assess
    expect(iso(before)).toBe('2026-12-06T06:00:00.000Z');
    expect(iso(onIt)).toBe('2026-12-07T06:00:00.000Z');
    expect(iso(next)).toBe('2026-12-08T06:00:00.000Z');
    expect(daily.firesAt(at('2026-12-07T06:00:00Z'))).toBe(true);
    expect(daily.firesAt(at('2026-12-07T06:00:30Z'))).toBe(false);
  });

  it('has no daylight-saving gap or repeat: every day fires once at 02:30 UTC across the European and US changes', () => {
    // Arrange
    const nightly = ScheduleExpression.parse('cron(30 2 * * ? *)');
    const days = ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01'];

    // Act
    const fires = days.map((d) => iso(nightly.nextAfter(at(`${d}T00:00:00Z`))));

    // Assess
    expect(fires).toEqual(days.map((d) => `${d}T02:30:00.000Z`));
  });

  it('skips months without the day: the 31st fires in January and March, not in February or April', () => {
    // Arrange
    const monthEnd = ScheduleExpression.parse('cron(0 0 31 * ? *)');

    // Act
    const afterJan = monthEnd.nextAfter(at('2026-01-31T00:00:00Z'));
    const beforeMay = monthEnd.previousAtOrBefore(at('2026-05-30T00:00:00Z'));

    // Assess
    expect(iso(afterJan)).toBe('2026-03-31T00:00:00.000Z');
    expect(iso(beforeMay)).toBe('2026-03-31T00:00:00.000Z');
  });

  it('fires on 29 February of leap years only', () => {
    // Arrange
    const leap = ScheduleExpression.parse('cron(0 12 29 FEB ? *)');

    // Act
    const next = leap.nextAfter(at('2026-01-01T00:00:00Z'));

    // Assess
    expect(iso(next)).toBe('2028-02-29T12:00:00.000Z');
  });

  it('reads weekdays as EventBridge numbers them (1 = SUN) and by name, lists, ranges and steps', () => {
    // Arrange
    const weekdays = ScheduleExpression.parse('cron(0/30 8-9 ? * MON-FRI *)');
    const sundays = ScheduleExpression.parse('cron(15 10 ? * 1 *)');

    // Act
    const fromFriday = weekdays.nextAfter(at('2026-12-11T09:30:00Z')); // a Friday, last slot
    const sunday = sundays.nextAfter(at('2026-12-07T00:00:00Z')); // a Monday

    // Assess
    expect(iso(fromFriday)).toBe('2026-12-14T08:00:00.000Z');
    expect(iso(sunday)).toBe('2026-12-13T10:15:00.000Z');
  });

  it('anchors a rate to the epoch and deploys it as the same cron', () => {
    // Arrange / Act
    const quarter = ScheduleExpression.parse('rate(15 minutes)');
    const sixHours = ScheduleExpression.parse('rate(6 hours)');
    const day = ScheduleExpression.parse('rate(1 day)');

    // Assess
    expect(quarter.cron).toBe('cron(0/15 * * * ? *)');
    expect(iso(quarter.nextAfter(at('2026-12-07T10:07:00Z')))).toBe('2026-12-07T10:15:00.000Z');
    expect(iso(sixHours.previousAtOrBefore(at('2026-12-07T11:59:00Z')))).toBe('2026-12-07T06:00:00.000Z');
    expect(day.cron).toBe('cron(0 0 * * ? *)');
    expect(day.text).toBe('rate(1 day)');
  });

  it.each([
    ['cron(0 6 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 6 * * ?)', 'has 5 fields'],
    ['cron(61 6 * * ? *)', "minutes '61' is not 0-59"],
    ['cron(0 6 L * ? *)', 'L, W and # are not supported'],
    ['cron(0 6 ? * 2#1 *)', 'L, W and # are not supported'],
    ['cron(0 6 30 FEB ? *)', 'never fires'],
    ['rate(7 minutes)', 'must divide an hour'],
    ['rate(2 days)', 'write a cron'],
    ['every day at six', 'is not a schedule'],
  ])('refuses %s with a reason', (text, reason) => {
    // Act / Assess
    expect(() => ScheduleExpression.parse(text)).toThrow(ScheduleExpressionError);
    expect(() => ScheduleExpression.parse(text)).toThrow(reason);
  });
});
