/**
 * Validation reports for the renderer tests (unit and browser): a realistic one, one whose data
 * is hostile (markup, attribute breakers, javascript: URIs, terminal escapes), a wide one
 * (hundreds of profiled columns), and the cases a report must not misstate: quantile labels that
 * would collide, rows that broke only warn rules, a partitioned output's folder.
 */
import type { ColumnProfile } from '../../../lambdas/core/metrics/column-profile';
import type { ColumnReport, RuleResult } from '../../../lambdas/core/validation/validation-report';
import type { ReportDocument } from '../../../lambdas/core/reporting/report-document';
import type { StoredReport } from '../../../lambdas/core/workflow/validate-output';

export const SCRIPT_TAG = '<script>window.__pwned=1</script>';
export const IMG_ONERROR = '"><img src=x onerror="window.__pwned=2">';
export const JS_URI = 'javascript:window.__pwned=3';
export const SINGLE_QUOTE_BREAK = "' onmouseover='window.__pwned=4";
export const TERMINAL_ESCAPE = '\u001b[2J\u001b[31mred\rover';

function histogram(
  from: number,
  to: number,
  counts: readonly number[],
): NonNullable<ColumnProfile['histogram']> {
  const width = (to - from) / counts.length;
  return counts.map((count, i) => ({ from: from + i * width, to: from + (i + 1) * width, count }));
}

const QUANTILES = { p1: 3, p5: 9.5, p25: 24, p50: 41.2, p75: 63, p95: 92.4, p99: 118 };

function rule(r: Partial<RuleResult> & Pick<RuleResult, 'name' | 'field'>): RuleResult {
  const evaluated = r.evaluated ?? 1000;
  const passed = r.passed ?? evaluated;
  return {
    type: 'accuracy',
    threshold: 1,
    severity: 'error',
    evaluated,
    passed,
    failed: evaluated - passed,
    passRate: evaluated === 0 ? 1 : passed / evaluated,
    outcome: passed / evaluated >= (r.threshold ?? 1) ? 'pass' : 'fail',
    ...r,
  };
}

/** A failed validation of an orders file, with profiles for every column. */
export function ordersReport(): StoredReport {
  const columns: ColumnReport[] = [
    { name: 'order_id', expectedType: 'string', finding: 'ok', level: 'strict', nulls: 0, nonConforming: 0 },
    {
      name: 'customer_id',
      expectedType: 'int64',
      finding: 'ok',
      level: 'strict',
      nulls: 0,
      nonConforming: 0,
    },
    {
      name: 'amount',
      expectedType: 'decimal',
      finding: 'unexpected_nulls',
      level: 'convertible',
      nulls: 12,
      nonConforming: 0,
      example: { row: 17, value: null },
      castPlan: 'declare amount nullable, or fill its 12 nulls',
    },
    { name: 'channel', expectedType: 'string', finding: 'ok', level: 'strict', nulls: 0, nonConforming: 0 },
    {
      name: 'ordered_at',
      expectedType: 'timestamp',
      finding: 'type_mismatch',
      level: 'incompatible',
      nulls: 0,
      nonConforming: 3,
      example: { row: 5, value: 'yesterday' },
    },
    { name: 'coupon', expectedType: null, finding: 'extra', level: 'compatible', nulls: 0, nonConforming: 0 },
  ];
  const profile: ColumnProfile[] = [
    {
      name: 'order_id',
      type: 'string',
      count: 1000,
      nulls: 0,
      nullRate: 0,
      nonConforming: 0,
      distinct: { value: 1000, exact: true, relativeError: 0 },
      min: 'o-1',
      max: 'o-999',
      length: { min: 3, max: 5 },
    },
    {
      name: 'customer_id',
      type: 'int64',
      count: 1000,
      nulls: 0,
      nullRate: 0,
      nonConforming: 0,
      distinct: { value: 412, exact: true, relativeError: 0 },
      min: '1',
      max: '9981',
      mean: 4890.5,
      stddev: 2870.25,
      quantiles: { p1: 98, p5: 510, p25: 2400, p50: 4900, p75: 7350, p95: 9480, p99: 9890 },
      histogram: histogram(
        1,
        9981,
        [48, 52, 50, 47, 55, 49, 51, 53, 46, 50, 52, 48, 49, 51, 50, 47, 53, 50, 49, 50],
      ),
    },
    {
      name: 'amount',
      type: 'decimal',
      count: 988,
      nulls: 12,
      nullRate: 0.012,
      nonConforming: 0,
      distinct: { value: 950, exact: false, relativeError: 0.0163 },
      min: '0.50',
      max: '129.99',
      mean: 44.7,
      stddev: 28.1,
      quantiles: QUANTILES,
      histogram: histogram(0.5, 130, [20, 60, 120, 180, 190, 150, 110, 70, 40, 25, 12, 6, 3, 1, 1]),
    },
    {
      name: 'channel',
      type: 'string',
      count: 1000,
      nulls: 0,
      nullRate: 0,
      nonConforming: 0,
      distinct: { value: 3, exact: true, relativeError: 0 },
      top: [
        { value: 'web', count: 610 },
        { value: 'store', count: 290 },
        { value: 'app', count: 100 },
      ],
      length: { min: 3, max: 5 },
    },
    {
      name: 'ordered_at',
      type: 'timestamp',
      count: 997,
      nulls: 0,
      nullRate: 0,
      nonConforming: 3,
      distinct: { value: 997, exact: true, relativeError: 0 },
      min: '2026-01-01T00:00:04Z',
      max: '2026-01-31T23:59:12.250Z',
    },
    {
      name: 'coupon',
      type: null,
      count: 640,
      nulls: 360,
      nullRate: 0.36,
      nonConforming: 0,
      distinct: { value: 4, exact: true, relativeError: 0 },
      top: [
        { value: 'SPRING', count: 300 },
        { value: 'VIP', count: 200 },
        { value: 'FREESHIP', count: 100 },
        { value: 'WELCOME10', count: 40 },
      ],
    },
  ];
  const rules: RuleResult[] = [
    rule({
      name: 'customer_id_present',
      type: 'completeness',
      field: 'customer_id',
      condition: { kind: 'not_null' },
    }),
    rule({
      name: 'amount_positive',
      field: 'amount',
      condition: { kind: 'greater_than', value: 0 },
      threshold: 0.95,
      evaluated: 988,
      passed: 930,
    }),
    rule({
      name: 'in_range',
      field: 'customer_id',
      condition: { kind: 'between', min: 1, max: 10000 },
      threshold: 0.99,
      severity: 'warn',
      passed: 985,
    }),
    rule({ name: 'order_id.unique', type: 'constraint', constraint: 'unique', field: 'order_id' }),
    rule({
      name: 'channel.allowed',
      type: 'constraint',
      constraint: 'allowed',
      field: 'channel',
      passed: 999,
    }),
  ];
  return {
    output: 'sales/preprocessing/training_data',
    status: 'failed',
    rowCount: 1000,
    schema: { level: 'incompatible', accepted: 'compatible', columns },
    rules,
    failedRules: ['schema_compatibility', 'amount_positive', 'in_range', 'channel.allowed'],
    failedRowCount: 74,
    summary:
      'FAILED: 1000 rows; schema incompatible (accepts compatible): ordered_at type_mismatch; amount_positive 94.13% < 95.00% (error)',
    profile,
    history: [
      {
        metric: 'row_count',
        previous: 1480,
        current: 1000,
        change: -0.324,
        bound: 0.25,
        message: 'row count fell 32.4% (bound 25%)',
      },
      {
        metric: 'null_rate',
        column: 'amount',
        previous: 0.001,
        current: 0.012,
        change: 0.011,
        bound: 0.01,
        message: 'null rate of amount rose by 1.1 points',
      },
    ],
    object: {
      uri: 's3://outputs/pipelines/sales/run-42/preprocessing/training_data/part-0.csv',
      version: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      etag: '"9b2cf535f27731c974343645a3985328"',
      size: 48_213,
    },
    format: { expected: 'csv', detected: 'csv', compression: 'none', matches: true },
    quarantineUri:
      's3://artifacts/quarantine/outputs/pipelines/sales/run-42/preprocessing/training_data/part-0.csv/v1.jsonl',
    validatedAt: '2026-02-01T06:15:00.000Z',
  };
}

/** A report whose names, values, messages and URIs are hostile. */
export function hostileReport(): StoredReport {
  const base = ordersReport();
  const evil = [SCRIPT_TAG, IMG_ONERROR, JS_URI, SINGLE_QUOTE_BREAK];
  return {
    ...base,
    output: `sales/${SCRIPT_TAG}/out`,
    summary: `FAILED: ${IMG_ONERROR} ${SCRIPT_TAG}`,
    schema: {
      ...base.schema,
      columns: [
        ...base.schema.columns,
        {
          name: SCRIPT_TAG,
          expectedType: 'string',
          finding: 'type_mismatch',
          level: 'incompatible',
          nulls: 1,
          nonConforming: 2,
          example: { row: 3, value: IMG_ONERROR },
          castPlan: JS_URI,
        },
        {
          name: IMG_ONERROR,
          expectedType: null,
          finding: 'extra',
          level: 'compatible',
          nulls: 0,
          nonConforming: 0,
        },
      ],
    },
    rules: [
      ...base.rules,
      rule({
        name: SCRIPT_TAG,
        field: IMG_ONERROR,
        note: JS_URI,
        condition: { kind: 'between', min: 0, max: 1 },
        passed: 10,
      }),
    ],
    profile: [
      ...(base.profile ?? []),
      {
        name: SCRIPT_TAG,
        type: 'string',
        count: 10,
        nulls: 1,
        nullRate: 0.1,
        nonConforming: 2,
        distinct: { value: 4, exact: true, relativeError: 0 },
        min: IMG_ONERROR,
        max: SCRIPT_TAG,
        top: evil.map((value, i) => ({ value, count: 4 - i })),
      },
      {
        name: IMG_ONERROR,
        type: 'float64',
        count: 10,
        nulls: 0,
        nullRate: 0,
        nonConforming: 0,
        distinct: { value: 10, exact: true, relativeError: 0 },
        quantiles: QUANTILES,
        histogram: histogram(0, 10, [1, 2, 3, 4]),
      },
    ],
    history: [
      {
        metric: SCRIPT_TAG,
        column: IMG_ONERROR,
        previous: 1,
        current: 2,
        change: 1,
        bound: 0.5,
        message: JS_URI,
      },
    ],
    object: { uri: `s3://outputs/${IMG_ONERROR}`, version: SCRIPT_TAG, etag: SINGLE_QUOTE_BREAK, size: 10 },
    quarantineUri: JS_URI,
    validatedAt: SCRIPT_TAG,
  };
}

/** A small deterministic generator (mulberry32), so the wide report is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A passed validation of `n` columns, each profiled with a histogram, quantiles and top values. */
export function wideReport(n: number): StoredReport {
  const next = random(n);
  const base = ordersReport();
  const columns: ColumnReport[] = [];
  const profile: ColumnProfile[] = [];
  const rules: RuleResult[] = [];
  for (let i = 0; i < n; i++) {
    const name = `feature_${String(i).padStart(3, '0')}`;
    const nulls = Math.floor(next() * 50);
    columns.push({ name, expectedType: 'float64', finding: 'ok', level: 'strict', nulls, nonConforming: 0 });
    const counts = Array.from({ length: 20 }, (_, k) =>
      Math.round(1000 * Math.exp(-((k - 10) ** 2) / 20) * (0.8 + next() * 0.4)),
    );
    profile.push({
      name,
      type: 'float64',
      count: 100_000 - nulls,
      nulls,
      nullRate: nulls / 100_000,
      nonConforming: 0,
      distinct: { value: 90_000 + i, exact: false, relativeError: 0.0163 },
      min: '-3.2',
      max: '3.4',
      mean: next() - 0.5,
      stddev: 1 + next(),
      quantiles: { p1: -2.3, p5: -1.6, p25: -0.7, p50: 0, p75: 0.7, p95: 1.6, p99: 2.3 },
      histogram: histogram(-3.2, 3.4, counts),
      top: Array.from({ length: 10 }, (_, k) => ({ value: `v${k}`, count: 1000 - k * 90 })),
    });
    rules.push(
      rule({
        name: `${name}_present`,
        type: 'completeness',
        field: name,
        condition: { kind: 'not_null' },
        threshold: 0.99,
      }),
    );
  }
  return {
    ...base,
    status: 'passed',
    rowCount: 100_000,
    schema: { level: 'strict', accepted: 'compatible', columns },
    rules,
    failedRules: [],
    failedRowCount: 0,
    summary: 'PASSED: 100000 rows',
    profile,
    quarantineUri: null,
  };
}

/**
 * Quantile sets whose lowest, median and highest labels would collide on one line: a long-tailed
 * column (median near p1), a constant one, one with long numbers and one with the median near p99.
 */
export const CROWDED_QUANTILES: readonly Readonly<Record<string, number>>[] = [
  { p1: 0.001234, p5: 0.0013, p25: 0.0014, p50: 0.0015, p75: 0.002, p95: 9000, p99: 123456.789 },
  { p1: 7, p5: 7, p25: 7, p50: 7, p75: 7, p95: 7, p99: 7 },
  { p1: -98765.4321, p5: -1, p25: 0, p50: 1.234567, p75: 2, p95: 3, p99: 98765.4321 },
  { p1: 1, p5: 900, p25: 950, p50: 999.5, p75: 999.8, p95: 999.9, p99: 1000 },
];

/** A passed report with one float column per CROWDED_QUANTILES entry. */
export function crowdedQuantilesReport(): StoredReport {
  const base = wideReport(CROWDED_QUANTILES.length);
  return {
    ...base,
    profile: base.profile!.map((p, i) => ({ ...p, name: `skewed_${i}`, quantiles: CROWDED_QUANTILES[i]! })),
    schema: { ...base.schema, columns: base.schema.columns.map((c, i) => ({ ...c, name: `skewed_${i}` })) },
    rules: [],
  };
}

/**
 * What `prt validate` made of a file where 2,857 rows broke a warn rule and none an error check:
 * the output passed, and there is no quarantine object (the CLI has none to write).
 */
export function warnOnlyPassedReport(): ReportDocument {
  const base = ordersReport();
  return {
    output: base.output,
    status: 'passed',
    rowCount: 100_000,
    schema: { level: 'strict', accepted: 'compatible', columns: [] },
    rules: [
      rule({
        name: 'amount_below_1000',
        field: 'amount',
        condition: { kind: 'less_than', value: 1000 },
        threshold: 0.95,
        severity: 'warn',
        evaluated: 100_000,
        passed: 97_143,
      }),
    ],
    failedRules: [],
    failedRowCount: 2857,
    warnOnlyRowCount: 2857,
    summary: 'PASSED: 100000 rows',
  };
}

/**
 * A partitioned output's report as mergeParts stored it before the folder had its own identity:
 * the object's ETag is the `_SUCCESS` marker's, the MD5 of an empty object.
 */
export function markerEtagDatasetReport(): ReportDocument {
  const base = ordersReport();
  return {
    ...base,
    object: {
      uri: 's3://landing/sales/export/orders_parts/',
      version: 'marker-0062F1A5B3C4D5E6F7',
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
      size: 48_213,
    },
    parts: { total: 8, validated: 8, unreadable: 0, notValidated: 0, unreadableParts: [] },
  };
}
