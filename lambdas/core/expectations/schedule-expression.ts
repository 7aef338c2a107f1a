/**
 * Schedule expressions of expected outputs, as EventBridge Scheduler writes them, evaluated in UTC:
 * `cron(minutes hours day-of-month month day-of-week year)` and `rate(N minutes|hours|day)`.
 *
 * A deadline is a fire time of the schedule. Everything is UTC (the schedules are created without a
 * time zone), so there is no daylight-saving gap or repeat: every day has 24 hours and every fire
 * time exists once.
 *
 * A rate is anchored to the Unix epoch and must divide an hour or a day (`rate(15 minutes)`,
 * `rate(6 hours)`, `rate(1 day)`), so it is the same as a cron (`cron(0/15 * * * ? *)`) and the
 * deadlines of a window do not depend on when the schedule was created: EventBridge Scheduler runs a
 * rate from its creation time, a redeploy would move every window. Such a rate is deployed as its
 * cron. Cron's `L`, `W` and `#` are not supported (a clear error, not a guess).
 */

/** A problem with an expression, in words for the contract's error message. */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far a fire time is looked for: five years of days (a cron of one year fires within it). */
const SEARCH_DAYS = 5 * 366;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The first name's number (months JAN=1, weekdays SUN=1). */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, nameBase: 1 },
  { name: 'year', min: 1970, max: 2199 },
];

function valueOf(text: string, spec: FieldSpec): number {
  const byName = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = byName >= 0 ? byName + (spec.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max)
    throw new ScheduleExpressionError(
      `${spec.name} '${text}' is not ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''}`,
    );
  return value;
}

/** The values a field allows, or undefined for `*` and `?` (any). */
function parseField(text: string, spec: FieldSpec): ReadonlySet<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (n) => (spec.names?.includes(n.toUpperCase()) ? '' : n))))
    throw new ScheduleExpressionError(`${spec.name} '${text}': L, W and # are not supported`);
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '')
      throw new ScheduleExpressionError(`${spec.name} '${text}' is empty`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(
        `${spec.name} '${part}': the step must be a whole number of 1 or more`,
      );
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = valueOf(a ?? '', spec);
      hi = valueOf(b ?? '', spec);
      if (lo > hi) throw new ScheduleExpressionError(`${spec.name} '${range}': the range runs backwards`);
    } else {
      lo = valueOf(range, spec);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** A schedule evaluated in UTC: its fire times before and after any instant. */
export class ScheduleExpression {
  private constructor(
    /** The expression as written in the contract. */
    readonly text: string,
    /** The cron EventBridge Scheduler is given (a rate written as its cron). */
    readonly cron: string,
    private readonly minutes: ReadonlySet<number> | undefined,
    private readonly hours: ReadonlySet<number> | undefined,
    private readonly daysOfMonth: ReadonlySet<number> | undefined,
    private readonly months: ReadonlySet<number> | undefined,
    private readonly daysOfWeek: ReadonlySet<number> | undefined,
    private readonly years: ReadonlySet<number> | undefined,
  ) {}

  /** Parses `cron(...)` or `rate(...)`; a ScheduleExpressionError says what is wrong. */
  static parse(text: string): ScheduleExpression {
    const trimmed = text.trim();
    const rate = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/i.exec(trimmed);
    if (rate) return ScheduleExpression.fromRate(trimmed, Number(rate[1]), rate[2]!.toLowerCase());
    const cron = /^cron\((.*)\)$/i.exec(trimmed);
    if (!cron)
      throw new ScheduleExpressionError(
        `'${text}' is not a schedule: write cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|day)`,
      );
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6)
      throw new ScheduleExpressionError(
        `'${text}' has ${fields.length} fields; a cron has 6: minutes hours day-of-month month day-of-week year`,
      );
    const [dom, dow] = [fields[2]!, fields[4]!];
    if ((dom === '?') === (dow === '?'))
      throw new ScheduleExpressionError(
        `'${text}': exactly one of day-of-month and day-of-week must be ?, as EventBridge requires`,
      );
    const sets = fields.map((f, i) => parseField(f, FIELDS[i]!));
    const schedule = new ScheduleExpression(
      trimmed,
      trimmed,
      ...(sets as [never, never, never, never, never, never]),
    );
    if (schedule.nextAfter(new Date(Date.UTC(1970, 0, 1)), 230 * 366) === undefined)
      throw new ScheduleExpressionError(`'${text}' never fires`);
    return schedule;
  }

  private static fromRate(text: string, n: number, unit: string): ScheduleExpression {
    let cron: string;
    if (unit.startsWith('minute')) {
      if (n < 5 || 60 % n !== 0)
        throw new ScheduleExpressionError(
          `'${text}': a rate in minutes must divide an hour and be at least 5 minutes (5, 10, 15, 20, 30)`,
        );
      cron = `cron(0/${n} * * * ? *)`;
    } else if (unit.startsWith('hour')) {
      if (n < 1 || 24 % n !== 0)
        throw new ScheduleExpressionError(
          `'${text}': a rate in hours must divide a day (1, 2, 3, 4, 6, 8, 12)`,
        );
      cron = n === 1 ? 'cron(0 * * * ? *)' : `cron(0 0/${n} * * ? *)`;
    } else {
      if (n !== 1)
        throw new ScheduleExpressionError(
          `'${text}': a rate in days must be rate(1 day); for a weekly or monthly deadline write a cron`,
        );
      cron = 'cron(0 0 * * ? *)';
    }
    const parsed = ScheduleExpression.parse(cron);
    return new ScheduleExpression(
      text,
      cron,
      parsed.minutes,
      parsed.hours,
      parsed.daysOfMonth,
      parsed.months,
      parsed.daysOfWeek,
      parsed.years,
    );
  }

  private dayMatches(day: Date): boolean {
    const has = (set: ReadonlySet<number> | undefined, v: number) => set === undefined || set.has(v);
    return (
      has(this.years, day.getUTCFullYear()) &&
      has(this.months, day.getUTCMonth() + 1) &&
      has(this.daysOfMonth, day.getUTCDate()) &&
      has(this.daysOfWeek, day.getUTCDay() + 1)
    );
  }

  /** Minutes of the day the schedule fires at, ascending. */
  private minutesOfDay(): number[] {
    const out: number[] = [];
    for (let h = 0; h < 24; h++) {
      if (this.hours && !this.hours.has(h)) continue;
      for (let m = 0; m < 60; m++) if (!this.minutes || this.minutes.has(m)) out.push(h * 60 + m);
    }
    return out;
  }

  /** The latest fire time at or before `at`; undefined when none lies within five years. */
  previousAtOrBefore(at: Date): Date | undefined {
    const times = this.minutesOfDay();
    const t = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    for (let d = 0; d <= SEARCH_DAYS; d++) {
      const day = dayStart - d * DAY_MS;
      if (!this.dayMatches(new Date(day))) continue;
      for (let i = times.length - 1; i >= 0; i--) {
        const fire = day + times[i]! * MINUTE_MS;
        if (fire <= t) return new Date(fire);
      }
    }
    return undefined;
  }

  /** The first fire time strictly after `at`; undefined when none lies within `days` days. */
  nextAfter(at: Date, days = SEARCH_DAYS): Date | undefined {
    const times = this.minutesOfDay();
    const t = at.getTime();
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    for (let d = 0; d <= days; d++) {
      const day = dayStart + d * DAY_MS;
      if (!this.dayMatches(new Date(day))) continue;
      for (const minute of times) {
        const fire = day + minute * MINUTE_MS;
        if (fire > t) return new Date(fire);
      }
    }
    return undefined;
  }

  /** Whether `at` is a fire time (to the millisecond). */
  firesAt(at: Date): boolean {
    return this.previousAtOrBefore(at)?.getTime() === at.getTime();
  }
}
