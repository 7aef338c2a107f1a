/**
 * Rules that judge the output as a whole, from its merged column metrics: timeliness (the newest
 * value is recent enough) and distribution (mean, standard deviation, a quantile within bounds; a
 * two-sample Kolmogorov–Smirnov statistic against a reference sample).
 */
import type { QualityRule } from '../contracts/output-contract';
import type { ColumnMetrics } from '../metrics/column-metrics';
import type { DDSketch } from '../metrics/ddsketch';
import type { RuleResult } from './validation-report';

const UNIT_PER_SECOND = { ms: 1e3, us: 1e6, ns: 1e9 } as const;

/** Largest |F_data(x) − F_ref(x)| over the reference points and the sketch's bucket values. */
export function ksStatistic(sketch: DDSketch, reference: readonly number[]): number {
  if (sketch.count === 0 || reference.length === 0) return 1;
  const json = sketch.toJSON();
  const gamma = 1.01 / 0.99;
  const points: [number, number][] = [
    ...json.negative.map(([k, c]): [number, number] => [(-2 * gamma ** k) / (gamma + 1), c]),
    ...(json.zeros > 0 ? [[0, json.zeros] as [number, number]] : []),
    ...json.positive.map(([k, c]): [number, number] => [(2 * gamma ** k) / (gamma + 1), c]),
  ].sort((a, b) => a[0] - b[0]);
  let d = 0;
  let seen = 0;
  let r = 0;
  const n = reference.length;
  for (const [x, c] of points) {
    while (r < n && reference[r]! < x) {
      d = Math.max(d, Math.abs(seen / sketch.count - (r + 1) / n));
      r++;
    }
    seen += c;
    while (r < n && reference[r]! <= x) r++;
    d = Math.max(d, Math.abs(seen / sketch.count - r / n));
  }
  return Math.max(d, Math.abs(1 - r / n));
}

export function evaluateDatasetRule(
  rule: QualityRule,
  metrics: ColumnMetrics,
  present: boolean,
  context: { readonly now: Date; readonly reference: readonly number[] | undefined },
): RuleResult {
  const c = rule.condition;
  let pass = false;
  let note: string;
  if (!present) note = `column ${rule.field} is missing`;
  else if (c.kind === 'max_age') {
    const newest = metrics.maxValue;
    if (newest === null) note = 'no values to judge';
    else {
      const col = metrics.column;
      const seconds =
        col.type === 'date'
          ? Date.parse(`${String(newest)}T00:00:00Z`) / 1000
          : Number(newest) / UNIT_PER_SECOND[col.unit ?? 'us'];
      const age = context.now.getTime() / 1000 - seconds;
      pass = age <= c.seconds;
      note = `newest value is ${Math.round(age)} s old (limit ${c.text})`;
    }
  } else if (c.kind === 'mean_between' || c.kind === 'stddev_between') {
    const value = c.kind === 'mean_between' ? metrics.numericMean : metrics.numericStddev;
    pass = value !== undefined && value >= c.min && value <= c.max;
    note = `${c.kind === 'mean_between' ? 'mean' : 'stddev'} ${value ?? 'undefined'} (bounds [${c.min}, ${c.max}])`;
  } else if (c.kind === 'quantile_between') {
    const value = metrics.numericSketch?.quantile(c.quantile);
    pass = value !== undefined && value >= c.min && value <= c.max;
    note = `p${c.quantile * 100} ≈ ${value ?? 'undefined'} (±1% relative; bounds [${c.min}, ${c.max}])`;
  } else if (c.kind === 'ks_test') {
    if (!context.reference) note = `reference sample ${c.reference} was not loaded`;
    else {
      const d = ksStatistic(metrics.numericSketch!, context.reference);
      pass = metrics.numericSketch!.count > 0 && d <= c.maxStatistic; // no data proves nothing
      note = `KS statistic ${d.toFixed(4)} against ${context.reference.length} reference values (limit ${c.maxStatistic}; data CDF from a 1% sketch)`;
    }
  } else note = `not a dataset rule: ${c.kind}`;
  return {
    name: rule.name,
    type: rule.type,
    field: rule.field ?? '',
    condition: c,
    threshold: 1,
    severity: rule.severity,
    evaluated: 1,
    passed: pass ? 1 : 0,
    failed: pass ? 0 : 1,
    passRate: pass ? 1 : 0,
    outcome: pass ? 'pass' : 'fail',
    note,
  };
}
