/**
 * Time series: a date or timestamp column whose hints carry `series: { start, end, frequency }` is
 * the time axis, one row per point; numeric columns with `trend`, `seasonality`, `noise` or
 * `base` hints are its metrics:
 *
 *   value(t) = base + trend(t) + Σ amplitude · sin(2π · phase_s(t)) + noise + shifts(t) + spike(t)
 *
 * Trends: increasing / decreasing (±50% of base over the series unless `slope`), linear (`slope`
 * per point), exponential (`growth` per point). Seasonality phases come from the timestamp itself
 * (hour of day, day of week, day of year), so they line up with the calendar whatever the start.
 * Anomalies (on the axis hint) are per point and hit every metric: spikes (one point), level
 * shifts (from that point on), gaps (points missing; the point after a gap is labelled). Labels go
 * to the column with `kind: anomaly_label` (or an `anomaly` column added when none is declared).
 *
 * Every value is a function of the point index (cell randomness), with level shifts found by
 * binary search in a list computed once, so rows can be generated in any batch size.
 */
import type { GenerateHints } from '../contracts/contract-schema';
import type { ColumnSpec, QualityRule } from '../contracts/output-contract';
import {
  columnCodec,
  daysFromCivil,
  civilFromDays,
  formatDate,
  NOT_CONFORMING,
  type TypedValue,
} from '../contracts/typed-values';
import { CellRandom, hashText } from './cell-random';
import { GenerationError } from './generation-error';
import { columnDomain, contains, isIntegerType, type IntDomain, type RealDomain } from './numeric-domain';
import { rulesOn } from './value-checks';

export type Frequency = 'minute' | 'hour' | 'day' | 'week' | 'month';

const FREQUENCY: Record<string, Frequency> = {
  minute: 'minute',
  minutely: 'minute',
  hour: 'hour',
  hourly: 'hour',
  day: 'day',
  daily: 'day',
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
};
const STEP_MS: Record<Exclude<Frequency, 'month'>, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};
const PERIOD_MS = { daily: 86_400_000, weekly: 604_800_000, yearly: 365.2425 * 86_400_000 } as const;
/** Longest series accepted: a year of minutes is 525,600 points. */
export const MAX_POINTS = 50_000_000;

export interface SeriesAxis {
  readonly column: ColumnSpec;
  readonly frequency: Frequency;
  /** Points in [start, end], before gaps are removed. */
  readonly points: number;
  /** Epoch milliseconds of a point. */
  time(point: number): number;
  /** The axis value (date text or timestamp units) of a point. */
  value(point: number): TypedValue;
  readonly anomalies: SeriesAnomalies;
}

export interface SeriesAnomalies {
  isGap(point: number): boolean;
  isSpike(point: number): boolean;
  /** Sum of level shifts at or before the point, in units of the base level. */
  shiftAt(point: number): number;
  label(point: number): string | null;
  readonly magnitude: number;
  readonly active: boolean;
}

function toMs(column: ColumnSpec, text: string | number, what: string): number {
  const codec = columnCodec(column);
  const v = codec.parse(typeof text === 'number' ? String(text) : text);
  if (v === NOT_CONFORMING)
    throw new GenerationError(`series ${what} '${text}' is not a ${column.type}`, column.name);
  if (column.type === 'date') {
    const [y, m, d] = (v as string).split('-').map(Number) as [number, number, number];
    return daysFromCivil(y, m, d) * 86_400_000;
  }
  const perMs = { ms: 1n, us: 1000n, ns: 1_000_000n }[column.unit ?? 'us'];
  return Number((v as bigint) / perMs);
}

function addMonths(ms: number, months: number): number {
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const dim = [
    31,
    (ny % 4 === 0 && ny % 100 !== 0) || ny % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ][nm - 1]!;
  return daysFromCivil(ny, nm, Math.min(d, dim)) * 86_400_000 + rest;
}

function anomaliesOf(
  spec: NonNullable<GenerateHints['series']>['anomalies'],
  points: number,
  seed: number,
  subject: string,
): SeriesAnomalies {
  const spikes = spec?.spikes ?? 0;
  const shifts = spec?.level_shifts ?? 0;
  const gaps = spec?.gaps ?? 0;
  const magnitude = spec?.magnitude ?? 0.5;
  if (gaps >= 1) throw new GenerationError('anomalies.gaps must be below 1 (every point missing)', subject);
  const rand = new CellRandom(hashText('series#anomalies', seed));
  // Level shifts: a sorted list of (point, cumulative shift), found by binary search.
  const shiftPoints: number[] = [];
  const shiftSums: number[] = [];
  if (shifts > 0) {
    let sum = 0;
    for (let p = 1; p < points; p++) {
      rand.at(p);
      rand.next();
      if (rand.next() < shifts) {
        sum += (rand.next() < 0.5 ? -1 : 1) * magnitude * (0.5 + rand.next());
        shiftPoints.push(p);
        shiftSums.push(sum);
      }
    }
  }
  const shiftSet = new Set(shiftPoints);
  const isGap = (p: number): boolean => gaps > 0 && p > 0 && p < points - 1 && rand.at(p).next() < gaps;
  const isSpike = (p: number): boolean => {
    if (spikes === 0) return false;
    rand.at(p);
    rand.next();
    rand.next();
    rand.next();
    return rand.next() < spikes;
  };
  return {
    magnitude,
    active: spikes > 0 || shifts > 0 || gaps > 0,
    isGap,
    isSpike,
    shiftAt(p) {
      let lo = 0;
      let hi = shiftPoints.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (shiftPoints[mid]! <= p) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : shiftSums[lo - 1]!;
    },
    label(p) {
      const labels: string[] = [];
      if (p > 0 && isGap(p - 1)) labels.push('gap');
      if (shiftSet.has(p)) labels.push('level_shift');
      if (isSpike(p)) labels.push('spike');
      return labels.length ? labels.join('+') : null;
    },
  };
}

/** The time axis a column's `series` hint describes. */
export function seriesAxis(column: ColumnSpec, hints: GenerateHints, seed: number): SeriesAxis {
  const s = hints.series!;
  if (column.type !== 'date' && column.type !== 'timestamp') {
    throw new GenerationError(
      `a series axis must be a date or timestamp column (this one is ${column.type})`,
      column.name,
    );
  }
  const startText = s.start ?? s.start_date;
  const endText = s.end ?? s.end_date;
  if (startText === undefined || endText === undefined)
    throw new GenerationError('series needs start and end', column.name);
  const start = toMs(column, startText, 'start');
  const end = toMs(column, endText, 'end');
  if (start > end)
    throw new GenerationError(
      `series start ${String(startText)} is after end ${String(endText)} (min > max)`,
      column.name,
    );
  const frequency = FREQUENCY[s.frequency]!;
  if (column.type === 'date' && (frequency === 'minute' || frequency === 'hour')) {
    throw new GenerationError(
      `a date axis cannot step by the ${frequency}; use a timestamp column`,
      column.name,
    );
  }
  let points: number;
  let time: (p: number) => number;
  if (frequency === 'month') {
    const [y0, m0] = civilFromDays(Math.floor(start / 86_400_000));
    const [y1, m1] = civilFromDays(Math.floor(end / 86_400_000));
    points = (y1 - y0) * 12 + (m1 - m0) + 1;
    if (addMonths(start, points - 1) > end) points--;
    time = (p) => addMonths(start, p);
  } else {
    const step = STEP_MS[frequency];
    points = Math.floor((end - start) / step) + 1;
    time = (p) => start + p * step;
  }
  if (points > MAX_POINTS)
    throw new GenerationError(`series of ${points} points exceeds ${MAX_POINTS}`, column.name);
  const unitPerMs = { ms: 1n, us: 1000n, ns: 1_000_000n }[column.unit ?? 'us'];
  const value =
    column.type === 'date'
      ? (p: number): TypedValue => formatDate(Math.floor(time(p) / 86_400_000))
      : (p: number): TypedValue => BigInt(time(p)) * unitPerMs;
  return {
    column,
    frequency,
    points,
    time,
    value,
    anomalies: anomaliesOf(s.anomalies, points, seed, column.name),
  };
}

/** Whether a column's hints make it a metric of the series. */
export function isMetric(hints: GenerateHints): boolean {
  return (
    hints.trend !== undefined ||
    hints.seasonality !== undefined ||
    hints.noise !== undefined ||
    hints.base !== undefined ||
    hints.slope !== undefined ||
    hints.growth !== undefined
  );
}

/** A metric column's value at each point. */
export function seriesMetric(
  column: ColumnSpec,
  hints: GenerateHints,
  axis: SeriesAxis,
  quality: readonly QualityRule[],
  seed: number,
): (point: number) => TypedValue {
  if (!['int32', 'int64', 'float32', 'float64', 'decimal'].includes(column.type)) {
    throw new GenerationError(`series metrics must be numeric (this one is ${column.type})`, column.name);
  }
  const domain = columnDomain(column, rulesOn(column, quality));
  const base = hints.base ?? 100;
  const last = Math.max(1, axis.points - 1);
  let trend: (p: number) => number;
  switch (
    hints.trend ??
    (hints.growth !== undefined ? 'exponential' : hints.slope !== undefined ? 'linear' : 'none')
  ) {
    case 'increasing':
      trend = (p) => (hints.slope ?? (0.5 * base) / last) * p;
      break;
    case 'decreasing':
      trend = (p) => -(hints.slope !== undefined ? Math.abs(hints.slope) : (0.5 * base) / last) * p;
      break;
    case 'linear':
      if (hints.slope === undefined)
        throw new GenerationError('a linear trend needs slope (change per point)', column.name);
      trend = (p) => hints.slope! * p;
      break;
    case 'exponential': {
      const g = hints.growth ?? 0.01;
      if (g <= -1) throw new GenerationError(`growth ${g} must be above -1`, column.name);
      trend = (p) => base * (Math.pow(1 + g, p) - 1);
      break;
    }
    default:
      trend = () => 0;
  }
  const seasons =
    hints.seasonality === undefined
      ? []
      : Array.isArray(hints.seasonality)
        ? hints.seasonality
        : [hints.seasonality];
  const stepMs = axis.frequency === 'month' ? 30 * 86_400_000 : STEP_MS[axis.frequency];
  for (const s of seasons) {
    if (PERIOD_MS[s] <= stepMs * 2) {
      throw new GenerationError(
        `${s} seasonality needs points more often than every ${axis.frequency}`,
        column.name,
      );
    }
  }
  const amplitude = hints.amplitude ?? Math.abs(base) * 0.1;
  const noise = hints.noise ?? Math.abs(base) * 0.02;
  const magnitude = axis.anomalies.magnitude * Math.abs(base || 1);
  const rand = new CellRandom(hashText(`${column.name}#series`, seed));
  const int = isIntegerType(column);
  const scale = column.type === 'decimal' ? 10 ** (column.scale ?? 0) : 1;
  const round = column.type === 'float32' ? Math.fround : (x: number) => x;
  return (p) => {
    const t = axis.time(p);
    let v = base + trend(p);
    for (const s of seasons) {
      // Phases from the calendar: 1970-01-01 was a Thursday, so weeks are shifted to start on Monday.
      const origin = s === 'weekly' ? 4 * 86_400_000 : 0;
      v +=
        amplitude * Math.sin((2 * Math.PI * (((t - origin) % PERIOD_MS[s]) + PERIOD_MS[s])) / PERIOD_MS[s]);
    }
    rand.at(p);
    v += noise * rand.normal();
    if (axis.anomalies.active) {
      v += axis.anomalies.shiftAt(p) * Math.abs(base || 1);
      if (axis.anomalies.isSpike(p)) v += magnitude * (rand.next() < 0.8 ? 3 : -3);
    }
    if (int) {
      let n = BigInt(Math.round(v * scale));
      const d = domain as IntDomain;
      if (n < d.lo) n = d.lo;
      if (n > d.hi) n = d.hi;
      return column.type === 'decimal' ? n : Number(n);
    }
    const d = domain as RealDomain;
    let x = round(Math.round(v * 100) / 100);
    if (!contains(d, x)) x = round(Math.min(Math.max(x, d.lo), d.hi));
    if (!contains(d, x)) x = round((d.lo + d.hi) / 2);
    return x;
  };
}
