/**
 * Judges a new version of an output against the last N versions of the same output: row count,
 * each column's null rate, mean and distinct count, and when it arrived (time of day, and the
 * interval since the previous arrival). Each metric gets a band, median ± threshold × robust
 * scale (robust-statistics.ts), and a value outside its band is an anomaly. With too short a
 * history nothing is judged and the check says so, rather than passing by default.
 *
 * Weekly seasonality: when the history covers at least three weeks of the new version's weekday
 * (UTC), and grouping the history by weekday removes at least half its spread, the band is drawn
 * around the median of that weekday with the spread left within weekdays; otherwise around all
 * versions. A Monday twice as large as a Sunday is then normal on Mondays and an anomaly on a Sunday.
 */
import { median, robustScale } from './robust-statistics';
import type {
  ExpectedBand,
  HistoryCheck,
  HistoryMetric,
  HistorySettings,
  HistoryTrendPoint,
  MetricJudgement,
} from './history-types';

/** One column's metrics in one version (from its report's profile). */
export interface ColumnMetrics {
  readonly name: string;
  readonly nullRate?: number;
  readonly mean?: number;
  readonly stddev?: number;
  readonly distinct?: number;
}

/** One version's metrics, as the detector reads them. */
export interface VersionMetrics {
  readonly version: string;
  /** When the version arrived (the S3 event time), ISO 8601. */
  readonly arrival: string;
  readonly status: string;
  readonly rowCount: number | undefined;
  readonly columns: readonly ColumnMetrics[];
}

const DAY_SECONDS = 86_400;
const WEEK_MS = 7 * DAY_SECONDS * 1000;
/** Same-weekday versions from this many distinct weeks before the weekly pattern is looked for. */
const SEASONAL_WEEKS = 3;
/** The weekday grouping is used when it leaves at most this share of the spread of all versions. */
const SEASONAL_GAIN = 0.5;
/**
 * Residuals from a group's own median are smaller than from the true level (the median was drawn
 * from them): with 3–5 versions a weekday, their MAD runs about a fifth low, hence this factor.
 */
const SEASONAL_SHRINK_CORRECTION = 1.25;

/**
 * The least scale of a metric, so that a history of identical values (a fixed-size extract, a job
 * scheduled to the second) does not turn the smallest change into an anomaly: 2% of the level for
 * counts and intervals, half a point of null rate, five minutes of arrival time, and for a mean 1%
 * of its level or 5% of the column's standard deviation.
 */
function floorOf(metric: HistoryMetric, centre: number, stddev: number | undefined): number {
  switch (metric) {
    case 'row_count':
    case 'distinct_count':
      return Math.max(1, 0.02 * Math.abs(centre));
    case 'null_rate':
      return 0.005;
    case 'mean':
      return Math.max(0.01 * Math.abs(centre), 0.05 * (stddev ?? 0), 1e-9);
    case 'arrival_time_of_day':
      return 300;
    case 'arrival_interval':
      return Math.max(60, 0.02 * Math.abs(centre));
  }
}

interface Sample {
  readonly value: number;
  /** Arrival in ms since the epoch, for the weekday and the week. */
  readonly at: number;
}

const weekdayOf = (ms: number): number => new Date(ms).getUTCDay();
const weekOf = (ms: number): number => Math.floor(ms / WEEK_MS);

/** Centre and scale of the samples, seasonal when the weekly pattern holds (see the file comment). */
function baseline(
  samples: readonly Sample[],
  at: number,
): { centre: number; scale: number; basis: 'weekday' | 'all' } {
  const values = samples.map((s) => s.value);
  const centre = median(values)!;
  const scale = robustScale(values, centre);
  const weekday = weekdayOf(at);
  const same = samples.filter((s) => weekdayOf(s.at) === weekday);
  if (new Set(same.map((s) => weekOf(s.at))).size < SEASONAL_WEEKS) return { centre, scale, basis: 'all' };
  const groups = new Map<number, number[]>();
  for (const s of samples) {
    const day = weekdayOf(s.at);
    groups.set(day, [...(groups.get(day) ?? []), s.value]);
  }
  const residuals: number[] = [];
  for (const group of groups.values()) {
    if (group.length < SEASONAL_WEEKS) continue;
    const m = median(group)!;
    for (const v of group) residuals.push(v - m);
  }
  // Most versions must fall in weekdays seen often enough, or the pattern is a guess.
  if (residuals.length < 0.8 * samples.length) return { centre, scale, basis: 'all' };
  const seasonalScale = robustScale(residuals, 0) * SEASONAL_SHRINK_CORRECTION;
  if (!(seasonalScale < SEASONAL_GAIN * scale)) return { centre, scale, basis: 'all' };
  return { centre: median(same.map((s) => s.value))!, scale: seasonalScale, basis: 'weekday' };
}

interface MetricRequest {
  readonly metric: HistoryMetric;
  readonly column?: string;
  readonly value: number;
  readonly samples: readonly Sample[];
  readonly at: number;
  readonly stddev?: number;
  readonly clamp?: readonly [number, number];
}

function judge(request: MetricRequest, settings: HistorySettings): MetricJudgement {
  const { metric, value, samples } = request;
  const base = baseline(samples, request.at);
  const scale = Math.max(base.scale, floorOf(metric, base.centre, request.stddev));
  const [lo, hi] = request.clamp ?? [-Infinity, Infinity];
  const expected: ExpectedBand = {
    median: base.centre,
    low: Math.max(lo, base.centre - settings.threshold * scale),
    high: Math.min(hi, base.centre + settings.threshold * scale),
  };
  const score = (value - base.centre) / scale;
  return {
    metric,
    ...(request.column !== undefined ? { column: request.column } : {}),
    value,
    expected,
    score,
    basis: base.basis,
    samples: samples.length,
    anomalous: Math.abs(score) > settings.threshold,
  };
}

const timeOfDay = (ms: number): number => (((ms / 1000) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;

/** `t` moved by whole days to within half a day of `reference`: 23:50 and 00:10 are 20 minutes apart. */
function nearDay(t: number, reference: number): number {
  let d = t - reference;
  d -= Math.round(d / DAY_SECONDS) * DAY_SECONDS;
  return reference + d;
}

/** The circular mean of times of day, the reference their clock face is unrolled around. */
function circularMean(times: readonly number[]): number {
  let x = 0;
  let y = 0;
  for (const t of times) {
    const a = (2 * Math.PI * t) / DAY_SECONDS;
    x += Math.cos(a);
    y += Math.sin(a);
  }
  return ((Math.atan2(y, x) / (2 * Math.PI)) * DAY_SECONDS + DAY_SECONDS) % DAY_SECONDS;
}

function arrivalJudgements(
  current: VersionMetrics,
  history: readonly VersionMetrics[],
  settings: HistorySettings,
): MetricJudgement[] {
  const at = Date.parse(current.arrival);
  const arrivals = history
    .map((v) => Date.parse(v.arrival))
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
  if (!Number.isFinite(at) || arrivals.length < settings.minVersions) return [];
  const out: MetricJudgement[] = [];
  const reference = circularMean(arrivals.map(timeOfDay));
  out.push(
    judge(
      {
        metric: 'arrival_time_of_day',
        value: nearDay(timeOfDay(at), reference),
        samples: arrivals.map((t) => ({ value: nearDay(timeOfDay(t), reference), at: t })),
        at,
      },
      settings,
    ),
  );
  const newest = arrivals[arrivals.length - 1]!;
  // Versions judged out of order (a redrive of an old one) have no interval of their own.
  if (at >= newest && arrivals.length - 1 >= settings.minVersions - 1) {
    const intervals = arrivals.slice(1).map((t, i) => ({ value: (t - arrivals[i]!) / 1000, at: t }));
    out.push(
      judge(
        {
          metric: 'arrival_interval',
          value: (at - newest) / 1000,
          samples: intervals,
          at,
          clamp: [0, Infinity],
        },
        settings,
      ),
    );
  }
  return out;
}

function columnJudgements(
  current: VersionMetrics,
  history: readonly VersionMetrics[],
  settings: HistorySettings,
  at: number,
): MetricJudgement[] {
  const out: MetricJudgement[] = [];
  for (const col of current.columns) {
    const earlier = history
      .map((v) => ({ at: Date.parse(v.arrival), col: v.columns.find((c) => c.name === col.name) }))
      .filter((e): e is { at: number; col: ColumnMetrics } => e.col !== undefined);
    const series = (pick: (c: ColumnMetrics) => number | undefined): Sample[] =>
      earlier.flatMap((e) => {
        const value = pick(e.col);
        return value !== undefined && Number.isFinite(value) ? [{ value, at: e.at }] : [];
      });
    const metrics: [HistoryMetric, number | undefined, Sample[], (readonly [number, number])?][] = [
      ['null_rate', col.nullRate, series((c) => c.nullRate), [0, 1]],
      ['mean', col.mean, series((c) => c.mean)],
      ['distinct_count', col.distinct, series((c) => c.distinct), [0, Infinity]],
    ];
    for (const [metric, value, samples, clamp] of metrics) {
      if (value === undefined || !Number.isFinite(value) || samples.length < settings.minVersions) continue;
      const stddevs = earlier.flatMap((e) => (e.col.stddev !== undefined ? [e.col.stddev] : []));
      out.push(
        judge(
          {
            metric,
            column: col.name,
            value,
            samples,
            at,
            ...(metric === 'mean' ? { stddev: median(stddevs) ?? 0 } : {}),
            ...(clamp ? { clamp } : {}),
          },
          settings,
        ),
      );
    }
  }
  return out;
}

/**
 * Judges `current` against `history` (earlier versions, newest first, at most settings.versions of
 * them are used). Returns the check the report keeps: every metric judged with its band, or
 * `not_enough_history` when fewer than settings.minVersions earlier versions exist.
 */
export function judgeAgainstHistory(
  current: VersionMetrics,
  history: readonly VersionMetrics[],
  settings: HistorySettings,
  unreadReports = 0,
): HistoryCheck {
  const window = history.slice(0, settings.versions);
  const trend: HistoryTrendPoint[] = [...window].reverse().map(trendPoint);
  trend.push(trendPoint(current));
  const common = {
    method: 'median_mad' as const,
    window: settings.versions,
    minVersions: settings.minVersions,
    threshold: settings.threshold,
    versions: window.length,
    unreadReports,
    trend,
  };
  if (window.length < settings.minVersions) {
    return {
      ...common,
      state: 'not_enough_history',
      message: `not enough history: ${window.length} earlier version${window.length === 1 ? '' : 's'} passed or warned, ${settings.minVersions} needed; nothing judged against history`,
      judged: [],
    };
  }
  const at = Date.parse(current.arrival);
  const judged: MetricJudgement[] = [];
  const counts = window.flatMap((v) =>
    v.rowCount !== undefined && Number.isFinite(v.rowCount)
      ? [{ value: v.rowCount, at: Date.parse(v.arrival) }]
      : [],
  );
  if (current.rowCount !== undefined && counts.length >= settings.minVersions)
    judged.push(
      judge(
        { metric: 'row_count', value: current.rowCount, samples: counts, at, clamp: [0, Infinity] },
        settings,
      ),
    );
  judged.push(...columnJudgements(current, window, settings, at));
  judged.push(...arrivalJudgements(current, window, settings));
  const anomalies = judged.filter((j) => j.anomalous).length;
  const rowCountBand = judged.find((j) => j.metric === 'row_count')?.expected;
  return {
    ...common,
    state: 'judged',
    message:
      `${judged.length} metric${judged.length === 1 ? '' : 's'} judged against ${window.length} earlier versions: ` +
      `${anomalies === 0 ? 'no anomaly' : `${anomalies} anomal${anomalies === 1 ? 'y' : 'ies'}`}` +
      (unreadReports > 0
        ? `; ${unreadReports} earlier report${unreadReports === 1 ? '' : 's'} could not be read (only their row count and arrival count)`
        : ''),
    judged,
    ...(rowCountBand ? { rowCountBand } : {}),
  };
}

function trendPoint(v: VersionMetrics): HistoryTrendPoint {
  return { version: v.version, arrival: v.arrival, status: v.status, rowCount: v.rowCount ?? null };
}
