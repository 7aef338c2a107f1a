/**
 * Time series: the seed's example (daily sales, increasing, weekly seasonality) as a contract,
 * trends, seasonality phases, frequencies and labelled anomalies.
 */
import { describe, expect, it } from 'vitest';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { contractOf, generateAndValidate, rowsOf } from '../../../fixtures/generation-fixtures';

/** The seed's YAML example, in contract syntax (start_date/end_date/daily as written there). */
const SEED_EXAMPLE = `schema:
  - name: date
    type: date
    nullable: false
    generate: { series: { start_date: '2024-01-01', end_date: '2024-12-31', frequency: daily } }
  - name: sales
    type: float64
    nullable: false
    generate: { trend: increasing, seasonality: weekly }
`;

function slope(values: readonly number[]): number {
  const n = values.length;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

describe('time series', () => {
  it('generates the seed example: 366 days of increasing sales with a weekly cycle, passing its contract', async () => {
    // Act
    const { report, plan } = await generateAndValidate(contractOf(SEED_EXAMPLE), { seed: 1 });
    const rows = rowsOf(plan);
    const sales = rows.map((r) => r[1] as number);
    // Assess
    expect(report.status).toBe('passed');
    expect(rows).toHaveLength(366);
    expect(rows[0]![0]).toBe('2024-01-01');
    expect(rows[365]![0]).toBe('2024-12-31');
    expect(slope(sales)).toBeGreaterThan(0.1);
    // Weekly seasonality: the mean by weekday, detrended, swings by about the amplitude.
    const byWeekday = Array.from({ length: 7 }, () => [] as number[]);
    const s = slope(sales);
    sales.forEach((v, i) => byWeekday[i % 7]!.push(v - s * i));
    const means = byWeekday.map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(12);
  });

  it.each([
    ['decreasing', {}, (s: number) => s < -0.05],
    ['linear', { slope: 2 }, (s: number) => Math.abs(s - 2) < 0.1],
    ['exponential', { growth: 0.01 }, (s: number) => s > 1],
  ])('follows a %s trend', (trend, extra, check) => {
    // Prepare
    const hints = JSON.stringify({ trend, noise: 0.5, ...extra });
    const contract = contractOf(`schema:
  - { name: day, type: date, nullable: false, generate: { series: { start: '2024-01-01', end: '2024-06-30', frequency: day } } }
  - { name: v, type: float64, nullable: false, generate: ${hints} }
`);
    // Act
    const values = rowsOf(planTable(contract, { seed: 2 })).map((r) => r[1] as number);
    // Assess
    expect(check(slope(values))).toBe(true);
  });

  it.each([
    ['minute', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', 61],
    ['hour', '2024-01-01T00:00:00Z', '2024-01-07T23:00:00Z', 168],
    ['week', '2024-01-01T00:00:00Z', '2024-12-30T00:00:00Z', 53],
    ['month', '2024-01-31T00:00:00Z', '2024-12-31T00:00:00Z', 12],
  ])('steps by the %s', (frequency, start, end, points) => {
    // Prepare
    const contract = contractOf(`schema:
  - { name: at, type: timestamp, unit: ms, nullable: false, generate: { series: { start: '${start}', end: '${end}', frequency: ${frequency} } } }
  - { name: load, type: int32, nullable: false, range: [0, 1000], generate: { base: 500, seasonality: ${frequency === 'minute' || frequency === 'hour' ? 'daily' : 'yearly'} } }
`);
    // Act
    const rows = rowsOf(planTable(contract, { seed: 3 }));
    // Assess
    expect(rows).toHaveLength(points);
    const firstDays = rows.slice(0, 3).map((r) => new Date(Number(r[0])).toISOString().slice(0, 10));
    const monthEnds = ['2024-01-31', '2024-02-29', '2024-03-31'];
    expect(frequency !== 'month' || firstDays.join() === monthEnds.join()).toBe(true);
    expect(rows.every((r) => (r[1] as number) >= 0 && (r[1] as number) <= 1000)).toBe(true);
  });

  it('injects spikes, level shifts and gaps, labelled in an added anomaly column', () => {
    // Prepare
    const contract = contractOf(`schema:
  - { name: at, type: timestamp, nullable: false, generate: { series: { start: '2024-01-01T00:00:00Z', end: '2024-03-31T23:00:00Z', frequency: hourly, anomalies: { spikes: 0.01, level_shifts: 0.002, gaps: 0.01 } } } }
  - { name: sales, type: float64, nullable: false, generate: { base: 100, noise: 1, seasonality: daily } }
`);
    // Act
    const plan = planTable(contract, { seed: 4 });
    const rows = rowsOf(plan);
    const labels = rows.map((r) => r[2] as string | null);
    const step = 3_600_000_000n;
    // Assess
    expect(plan.schema.map((c) => c.name)).toEqual(['at', 'sales', 'anomaly']);
    expect(plan.keys).toBe(91 * 24);
    expect(rows.length).toBeLessThan(plan.keys);
    rows.forEach((r, i) => {
      if (i === 0) return;
      const gap = (r[0] as bigint) - (rows[i - 1]![0] as bigint) > step;
      expect(gap).toBe((labels[i] ?? '').includes('gap'));
    });
    // A spike stands out from both neighbours (noise 1, daily amplitude 10: a few units per hour).
    const spikes = rows
      .map((r, i) => ({ r, i }))
      .filter(
        ({ r, i }) =>
          (r[2] as string | null) === 'spike' && i > 0 && i < rows.length - 1 && labels[i + 1] === null,
      );
    expect(spikes.length).toBeGreaterThan(5);
    for (const { r, i } of spikes) {
      const around = ((rows[i - 1]![1] as number) + (rows[i + 1]![1] as number)) / 2;
      expect(Math.abs((r[1] as number) - around)).toBeGreaterThan(100);
    }
    expect(labels.filter((l) => l?.includes('level_shift')).length).toBeGreaterThan(0);
  });

  it('refuses --rows for a series and daily seasonality on daily points', () => {
    // Act / Assess
    expect(() => planTable(contractOf(SEED_EXAMPLE), { seed: 1, rows: 10 })).toThrow(
      /^date: a time series has one row per point \(366 from its start, end and frequency\); drop --rows$/,
    );
    const daily = SEED_EXAMPLE.replace('seasonality: weekly', 'seasonality: daily');
    expect(() => planTable(contractOf(daily), { seed: 1 })).toThrow(
      /^sales: daily seasonality needs points more often than every day$/,
    );
  });
});

describe("the design note's tabular example", () => {
  it('generates customer_id in [1, 10000] and normal purchase amounts (mean 100, std 25)', async () => {
    // Prepare: the note's synthetic_data.tabular block, in contract syntax.
    const contract = contractOf(`schema:
  - { name: customer_id, type: int64, range: [1, 10000] }
  - { name: purchase_amount, type: float64, generate: { distribution: normal, mean: 100.0, std: 25.0 } }
`);
    // Act
    const { report, plan } = await generateAndValidate(contract, { rows: 1000, seed: 1 });
    const amounts = rowsOf(plan).map((r) => r[1] as number);
    const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
    const std = Math.sqrt(amounts.reduce((a, b) => a + (b - mean) ** 2, 0) / amounts.length);
    // Assess
    expect(report.status).toBe('passed');
    expect(mean).toBeGreaterThan(97);
    expect(mean).toBeLessThan(103);
    expect(std).toBeGreaterThan(23);
    expect(std).toBeLessThan(27);
  });
});
