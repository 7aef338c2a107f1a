/**
 * The history detector on seeded series (the project's own counter-based PRNG, so every run sees
 * the same series): injected anomalies are found and normal versions are not, measured as
 * precision and recall over many series; a weekly pattern is learnt once three weeks exist, and a
 * break of it is an anomaly; a short history judges nothing and says so.
 */
import { describe, expect, it } from 'vitest';
import { CellRandom, hashText } from '../../../../lambdas/core/generation/cell-random';
import { judgeAgainstHistory } from '../../../../lambdas/core/history/history-detector';
import type { VersionMetrics } from '../../../../lambdas/core/history/history-detector';
import { historyFindings } from '../../../../lambdas/core/history/history-findings';
import { DEFAULT_HISTORY_SETTINGS } from '../../../../lambdas/core/history/history-types';
import type { HistoryMetric } from '../../../../lambdas/core/history/history-types';

const DAY = 86_400_000;
/** Monday 2 November 2026, 00:00 UTC. */
const START = Date.UTC(2026, 10, 2);

interface Level {
  readonly rows: number;
  readonly nullRate: number;
  readonly mean: number;
  readonly distinct: number;
  /** Arrival, hours after midnight UTC. */
  readonly hour: number;
}

/** One daily version with noise around `level` (3% rows, 0.3 points of nulls, 1% mean, 2% distinct, 10 minutes). */
function version(rand: CellRandom, day: number, level: Level): VersionMetrics {
  const arrival = START + day * DAY + (level.hour + (rand.normal() * 10) / 60) * 3_600_000;
  return {
    version: `v${day}`,
    arrival: new Date(arrival).toISOString(),
    status: 'passed',
    rowCount: Math.round(level.rows * (1 + 0.03 * rand.normal())),
    columns: [
      {
        name: 'amount',
        nullRate: Math.max(0, level.nullRate + 0.003 * rand.normal()),
        mean: level.mean * (1 + 0.01 * rand.normal()),
        stddev: level.mean * 0.25,
        distinct: Math.round(level.distinct * (1 + 0.02 * rand.normal())),
      },
    ],
  };
}

const BASE: Level = { rows: 10_000, nullRate: 0.02, mean: 100, distinct: 5_000, hour: 6 };

type Injection = { readonly metric: HistoryMetric; readonly apply: (v: VersionMetrics) => VersionMetrics };

/** Anomalies of 6 to 15 noise widths, up or down, as a broken job would produce them. */
function injections(rand: CellRandom): Injection[] {
  const sign = rand.next() < 0.5 ? -1 : 1;
  const k = 6 + rand.next() * 9;
  const col = (v: VersionMetrics, change: Partial<VersionMetrics['columns'][number]>): VersionMetrics => ({
    ...v,
    columns: [{ ...v.columns[0]!, ...change }],
  });
  return [
    {
      metric: 'row_count',
      apply: (v) => ({ ...v, rowCount: Math.round(v.rowCount! * (1 + sign * 0.03 * k)) }),
    },
    {
      metric: 'null_rate',
      apply: (v) =>
        col(v, { nullRate: Math.max(0, v.columns[0]!.nullRate! + 0.003 * k * (sign > 0 ? 1 : -0.6)) }),
    },
    { metric: 'mean', apply: (v) => col(v, { mean: v.columns[0]!.mean! * (1 + sign * 0.01 * k) }) },
    {
      metric: 'distinct_count',
      apply: (v) => col(v, { distinct: Math.round(v.columns[0]!.distinct! * (1 + sign * 0.02 * k)) }),
    },
    {
      metric: 'arrival_time_of_day',
      apply: (v) => ({
        ...v,
        arrival: new Date(Date.parse(v.arrival) + sign * k * 10 * 60_000).toISOString(),
      }),
    },
  ];
}

interface Trial {
  readonly injected: HistoryMetric | undefined;
  readonly flagged: readonly HistoryMetric[];
}

/**
 * One seeded series: 30 earlier daily versions (two of them outliers the history must shrug off)
 * and a new one, with an anomaly injected in one metric for every other seed.
 */
function trial(seed: number): Trial {
  const rand = new CellRandom(hashText('history-series', seed)).at(0);
  const history: VersionMetrics[] = [];
  for (let day = 0; day < 30; day++) {
    let v = version(rand, day, BASE);
    if (day === 7 || day === 19) v = { ...v, rowCount: v.rowCount! * 3 };
    history.push(v);
  }
  let current = version(rand, 30, BASE);
  let injected: HistoryMetric | undefined;
  if (seed % 2 === 0) {
    const options = injections(rand);
    const pick = options[rand.below(options.length)]!;
    current = pick.apply(current);
    injected = pick.metric;
  }
  const check = judgeAgainstHistory(current, history.reverse(), DEFAULT_HISTORY_SETTINGS);
  // The interval moves with the arrival time: an arrival anomaly shows in both, and counts once.
  const flagged = check.judged
    .filter((j) => j.anomalous)
    .map((j) => (j.metric === 'arrival_interval' ? 'arrival_time_of_day' : j.metric));
  return { injected, flagged: [...new Set(flagged)] };
}

/** Precision and recall over metric findings: a finding of the injected metric is a true positive. */
export function measure(seeds: number): {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
} {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { injected, flagged } = trial(seed);
    for (const metric of flagged)
      if (metric === injected) tp++;
      else fp++;
    if (injected !== undefined && !flagged.includes(injected)) fn++;
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn };
}

describe('judgeAgainstHistory', () => {
  it('finds injected anomalies over 400 seeded series with precision ≥ 0.9 and recall ≥ 0.9', () => {
    // Act
    const m = measure(400);

    // Assess: measured 2026-12-07 (see docs/decisions/0017): the counts pin the detector's behaviour.
    console.info(
      `history detector: precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)} (tp ${m.tp}, fp ${m.fp}, fn ${m.fn})`,
    );
    expect(m.tp + m.fn).toBe(200);
    expect(m.precision).toBeGreaterThanOrEqual(0.9);
    expect(m.recall).toBeGreaterThanOrEqual(0.9);
  });

  it('reports the band beside the value and which metric broke it', () => {
    // Arrange: 30 quiet days, then half the rows
    const rand = new CellRandom(hashText('band', 1)).at(0);
    const history = Array.from({ length: 30 }, (_, day) => version(rand, day, BASE)).reverse();
    const current = { ...version(rand, 30, BASE), rowCount: 5_000 };

    // Act
    const check = judgeAgainstHistory(current, history, DEFAULT_HISTORY_SETTINGS);
    const findings = historyFindings(check);

    // Assess
    expect(check.state).toBe('judged');
    expect(check.versions).toBe(30);
    expect(findings.map((f) => f.metric)).toEqual(['row_count']);
    const band = findings[0]!.expected!;
    expect(band.low).toBeGreaterThan(8_500);
    expect(band.high).toBeLessThan(11_500);
    expect(band.median).toBeGreaterThan(9_700);
    expect(band.median).toBeLessThan(10_300);
    expect(findings[0]!.severity).toBe('warn');
    expect(findings[0]!.message).toMatch(
      /^row count 5,000 outside the expected [\d,]+ – [\d,]+ \(median [\d,]+ of 30 earlier versions; robust z -\d+\.\d\)$/,
    );
    expect(check.rowCountBand).toEqual(band);
    expect(check.trend).toHaveLength(31);
    expect(check.trend.at(-1)).toEqual({
      version: 'v30',
      arrival: current.arrival,
      status: 'passed',
      rowCount: 5_000,
    });
    expect(check.judged.map((j) => `${j.metric}${j.column ? `:${j.column}` : ''}`)).toEqual([
      'row_count',
      'null_rate:amount',
      'mean:amount',
      'distinct_count:amount',
      'arrival_time_of_day',
      'arrival_interval',
    ]);
  });

  it('learns a weekly pattern once three weeks exist, and flags a break of it', () => {
    // Arrange: weekdays 10,000 rows, weekends 4,000; 28 days of history ending on a Friday
    const rand = new CellRandom(hashText('weekly', 7)).at(0);
    const levelOf = (day: number): Level => {
      const weekday = new Date(START + day * DAY).getUTCDay();
      return weekday === 0 || weekday === 6 ? { ...BASE, rows: 4_000 } : BASE;
    };
    const history = Array.from({ length: 26 }, (_, day) => version(rand, day, levelOf(day))).reverse();
    const saturday = 26;
    expect(new Date(START + saturday * DAY).getUTCDay()).toBe(6);
    const usual = version(rand, saturday, levelOf(saturday));
    const broken = { ...usual, rowCount: 10_000 };

    // Act
    const judgedUsual = judgeAgainstHistory(usual, history, DEFAULT_HISTORY_SETTINGS);
    const judgedBroken = judgeAgainstHistory(broken, history, DEFAULT_HISTORY_SETTINGS);
    const short = judgeAgainstHistory(usual, history.slice(0, 12), DEFAULT_HISTORY_SETTINGS);

    // Assess: a usual Saturday is judged against Saturdays, and passes
    const rows = (c: typeof judgedUsual) => c.judged.find((j) => j.metric === 'row_count')!;
    expect(rows(judgedUsual).basis).toBe('weekday');
    expect(rows(judgedUsual).anomalous).toBe(false);
    expect(rows(judgedUsual).expected.median).toBeLessThan(4_300);
    // Assess: a Saturday as large as a weekday breaks the pattern
    expect(rows(judgedBroken).basis).toBe('weekday');
    expect(rows(judgedBroken).anomalous).toBe(true);
    expect(rows(judgedBroken).expected.high).toBeLessThan(6_000);
    // Assess: with under three weeks the band is drawn from every day, wide enough for both levels
    expect(rows(short).basis).toBe('all');
  });

  it('keeps to all versions when grouping by weekday does not explain the spread', () => {
    // Arrange: no weekly pattern in 30 days of history
    const rand = new CellRandom(hashText('flat', 3)).at(0);
    const history = Array.from({ length: 30 }, (_, day) => version(rand, day, BASE)).reverse();

    // Act
    const check = judgeAgainstHistory(version(rand, 30, BASE), history, DEFAULT_HISTORY_SETTINGS);

    // Assess
    expect(check.judged.filter((j) => j.basis === 'weekday')).toEqual([]);
    expect(check.judged.filter((j) => j.anomalous)).toEqual([]);
  });

  it('says "not enough history" below the least number of versions, and judges nothing', () => {
    // Arrange
    const rand = new CellRandom(hashText('short', 1)).at(0);
    const history = Array.from({ length: 9 }, (_, day) => version(rand, day, BASE)).reverse();
    const current = { ...version(rand, 9, BASE), rowCount: 1 };

    // Act
    const check = judgeAgainstHistory(current, history, DEFAULT_HISTORY_SETTINGS);

    // Assess
    expect(check.state).toBe('not_enough_history');
    expect(check.judged).toEqual([]);
    expect(historyFindings(check)).toEqual([]);
    expect(check.message).toBe(
      'not enough history: 9 earlier versions passed or warned, 10 needed; nothing judged against history',
    );
    expect(check.trend).toHaveLength(10);
  });

  it('uses at most the last N versions the contract names', () => {
    // Arrange: 40 versions, the oldest 20 at twice the rows
    const rand = new CellRandom(hashText('window', 1)).at(0);
    const history = Array.from({ length: 40 }, (_, day) =>
      version(rand, day, day < 20 ? { ...BASE, rows: 20_000 } : BASE),
    ).reverse();

    // Act
    const check = judgeAgainstHistory(version(rand, 40, BASE), history, {
      versions: 15,
      minVersions: 10,
      threshold: 3.5,
    });

    // Assess
    expect(check.versions).toBe(15);
    expect(check.trend).toHaveLength(16);
    expect(check.rowCountBand!.median).toBeLessThan(11_000);
    expect(check.judged.filter((j) => j.anomalous)).toEqual([]);
  });

  it('reads arrival times around midnight on a clock face, and flags a late arrival', () => {
    // Arrange: arrivals between 23:40 and 00:20 UTC
    const rand = new CellRandom(hashText('midnight', 1)).at(0);
    const history = Array.from({ length: 20 }, (_, day) =>
      version(rand, day, { ...BASE, hour: day % 2 === 0 ? 23.9 : 24.1 }),
    ).reverse();
    const onTime = version(rand, 20, { ...BASE, hour: 24.05 });
    const late = version(rand, 20, { ...BASE, hour: 27 });

    // Act
    const judgedOnTime = judgeAgainstHistory(onTime, history, DEFAULT_HISTORY_SETTINGS);
    const judgedLate = judgeAgainstHistory(late, history, DEFAULT_HISTORY_SETTINGS);

    // Assess
    const time = (c: typeof judgedLate) => c.judged.find((j) => j.metric === 'arrival_time_of_day')!;
    expect(time(judgedOnTime).anomalous).toBe(false);
    expect(time(judgedLate).anomalous).toBe(true);
    expect(historyFindings(judgedLate).find((f) => f.metric === 'arrival_time_of_day')!.message).toMatch(
      /^arrival time 0[23]:\d\d UTC outside the expected 23:\d\d UTC – 00:\d\d UTC/,
    );
  });

  it('does not flag the smallest change of a history of identical values', () => {
    // Arrange: a fixed-size extract, 12,000 rows every time
    const history = Array.from({ length: 12 }, (_, day) => ({
      version: `v${day}`,
      arrival: new Date(START + day * DAY + 6 * 3_600_000).toISOString(),
      status: 'passed',
      rowCount: 12_000,
      columns: [],
    })).reverse();
    const arrival = new Date(START + 12 * DAY + 6 * 3_600_000).toISOString();

    // Act
    const near = judgeAgainstHistory(
      { version: 'n', arrival, status: 'passed', rowCount: 12_050, columns: [] },
      history,
      DEFAULT_HISTORY_SETTINGS,
    );
    const far = judgeAgainstHistory(
      { version: 'f', arrival, status: 'passed', rowCount: 14_000, columns: [] },
      history,
      DEFAULT_HISTORY_SETTINGS,
    );

    // Assess
    expect(near.judged.filter((j) => j.anomalous)).toEqual([]);
    expect(far.judged.filter((j) => j.anomalous).map((j) => j.metric)).toEqual(['row_count']);
  });
});
