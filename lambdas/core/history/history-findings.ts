/**
 * The findings a history check adds to a report: one per metric outside its band, each a sentence
 * with the value, the band and what the band was drawn from.
 */
import type { HistoryCheck, HistoryFinding, MetricJudgement } from './history-types';

function num(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/** Seconds after midnight UTC as HH:MM (any number of seconds, wrapped onto one day). */
export function clockTime(seconds: number): string {
  const s = ((Math.round(seconds) % 86_400) + 86_400) % 86_400;
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
}

/** A duration in seconds as the two largest units: 1d 2h, 3h 15m, 45m, 30s. */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  for (let i = 0; i < units.length; i++) {
    const [unit, size] = units[i]!;
    if (s < size) continue;
    const n = Math.floor(s / size);
    const next = units[i + 1];
    const m = next ? Math.floor((s - n * size) / next[1]) : 0;
    return next && m > 0 ? `${n}${unit} ${m}${next[0]}` : `${n}${unit}`;
  }
  return '0s';
}

/** A metric's value as people read it: percentages, clock times, durations or numbers. */
export function metricText(metric: string, value: number): string {
  switch (metric) {
    case 'null_rate':
      return percent(value);
    case 'arrival_time_of_day':
      return `${clockTime(value)} UTC`;
    case 'arrival_interval':
      return durationText(value);
    case 'row_count':
    case 'distinct_count':
      // A band's edges fall between counts; a count is read whole.
      return num(Math.round(value));
    default:
      return num(value);
  }
}

const LABELS: Record<string, string> = {
  row_count: 'row count',
  null_rate: 'null rate',
  mean: 'mean',
  distinct_count: 'distinct count',
  arrival_time_of_day: 'arrival time',
  arrival_interval: 'interval since the previous arrival',
};

export function describeJudgement(j: MetricJudgement): string {
  const what = `${j.column !== undefined ? `${j.column}: ` : ''}${LABELS[j.metric] ?? j.metric}`;
  const basis =
    j.basis === 'weekday'
      ? `${j.samples} earlier versions, same weekday pattern`
      : `${j.samples} earlier versions`;
  return (
    `${what} ${metricText(j.metric, j.value)} outside the expected ` +
    `${metricText(j.metric, j.expected.low)} – ${metricText(j.metric, j.expected.high)} ` +
    `(median ${metricText(j.metric, j.expected.median)} of ${basis}; robust z ${j.score.toFixed(1)})`
  );
}

/** The anomalies of a check as report findings (warnings). */
export function historyFindings(check: HistoryCheck): HistoryFinding[] {
  return check.judged
    .filter((j) => j.anomalous)
    .map((j) => ({
      metric: j.metric,
      ...(j.column !== undefined ? { column: j.column } : {}),
      current: j.value,
      expected: j.expected,
      score: j.score,
      basis: j.basis,
      severity: 'warn' as const,
      message: describeJudgement(j),
    }));
}
