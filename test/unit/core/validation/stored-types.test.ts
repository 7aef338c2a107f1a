/**
 * Physical types count: a typed file (Parquet, Arrow) is graded by the types it declares, against
 * its contract and against each consumer's expectation. Widening is compatible; narrowing is
 * convertible (with a cast plan) when every value fits and incompatible otherwise; text formats keep
 * the value-based grading.
 */
import { describe, expect, it } from 'vitest';
import { gradeStoredType, typeText, type ValueFit } from '../../../../lambdas/core/contracts/contract-diff';
import { consumersOf } from '../../../../lambdas/core/contracts/edge-grade';
import { logicalName, type ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { withConsumerEdges } from '../../../../lambdas/core/validation/consumer-edges';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import { readStoredTypes } from '../../../../lambdas/core/validation/stored-types';
import type { ColumnReport } from '../../../../lambdas/core/validation/validation-report';
import { writeTable, utf8 } from '../../../fixtures/format-io';
import { loadContract } from '../../../fixtures/validation-fixtures';

function col(type: ColumnSpec['type'], extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name: 'v', type, nullable: true, ...extra };
}

const dec = (precision: number, scale: number): ColumnSpec => col('decimal', { precision, scale });
const ts = (unit: 'ms' | 'us' | 'ns'): ColumnSpec => col('timestamp', { unit });
const fits = (to: ColumnSpec, misfits: number): ValueFit => ({
  to: typeText(to),
  checked: 10,
  misfits,
  ...(misfits > 0 ? { example: '9' } : {}),
});

describe('gradeStoredType: every stored type read as every column type', () => {
  const types: ColumnSpec[] = [
    col('int32'),
    col('int64'),
    col('float32'),
    col('float64'),
    dec(10, 2),
    dec(18, 4),
    ts('ms'),
    ts('us'),
    ts('ns'),
    col('date'),
    col('boolean'),
    col('string'),
  ];
  /** Expected level by `stored → target` when the values fit (the values decide narrowings only). */
  const narrowings = new Set([
    'int64 → int32',
    'int64 → float32',
    'int64 → float64',
    'int32 → float32',
    'float32 → int32',
    'float32 → int64',
    'float64 → int32',
    'float64 → int64',
    'float64 → float32',
    'float32 → decimal(10,2)',
    'float32 → decimal(18,4)',
    'float64 → decimal(10,2)',
    'float64 → decimal(18,4)',
    'int32 → decimal(10,2)',
    'int64 → decimal(10,2)',
    'int64 → decimal(18,4)',
    'decimal(18,4) → decimal(10,2)',
    'decimal(10,2) → int32',
    'decimal(10,2) → int64',
    'decimal(10,2) → float32',
    'decimal(10,2) → float64',
    'decimal(18,4) → int32',
    'decimal(18,4) → int64',
    'decimal(18,4) → float32',
    'decimal(18,4) → float64',
    'timestamp(us) → timestamp(ms)',
    'timestamp(ns) → timestamp(ms)',
    'timestamp(ns) → timestamp(us)',
  ]);
  const widenings = new Set([
    'int32 → int64',
    'int32 → float64',
    'float32 → float64',
    'int32 → decimal(18,4)',
    'decimal(10,2) → decimal(18,4)',
    'timestamp(ms) → timestamp(us)',
    'timestamp(ms) → timestamp(ns)',
    'timestamp(us) → timestamp(ns)',
    'date → timestamp(ms)',
    'date → timestamp(us)',
    'date → timestamp(ns)',
  ]);
  const pairs = types.flatMap((stored) => types.map((target) => [stored, target] as const));

  /** [with every value fitting, with values that do not fit, unmeasured (a static check)]. */
  function expectedLevels(pair: string, stored: ColumnSpec, target: ColumnSpec): string[] {
    if (typeText(stored) === typeText(target)) return ['strict', 'strict', 'strict'];
    if (widenings.has(pair)) return ['compatible', 'compatible', 'compatible'];
    // Narrowing: the values decide; unmeasured, the type rules' plan (values that do not fit fail).
    if (narrowings.has(pair)) return ['convertible', 'incompatible', 'convertible'];
    // A cast whatever the values: formatting as text, or dropping the time of day.
    if (target.type === 'string' || (stored.type === 'timestamp' && target.type === 'date'))
      return ['convertible', 'convertible', 'convertible'];
    return ['incompatible', 'incompatible', 'incompatible'];
  }

  it.each(pairs.map(([s, t]) => [`${typeText(s)} → ${typeText(t)}`, s, t] as const))(
    '%s',
    (pair, stored, target) => {
      // Act
      const levels = [
        gradeStoredType(stored, target, fits(target, 0)).level,
        gradeStoredType(stored, target, fits(target, 3)).level,
        gradeStoredType(stored, target, undefined).level,
      ];

      // Assess
      expect(levels).toEqual(expectedLevels(pair, stored, target));
    },
  );

  it('names the cast plan of a narrowing whose values fit, and the misfits of one whose values do not', () => {
    // Act
    const fitting = gradeStoredType(col('int64'), col('int32'), fits(col('int32'), 0));
    const misfitting = gradeStoredType(col('int64'), col('int32'), fits(col('int32'), 3));

    // Assess
    expect(fitting).toEqual({ level: 'convertible', castPlan: 'cast int64 to int32: all 10 values fit' });
    expect(misfitting).toEqual({
      level: 'incompatible',
      misfit: '3 of 10 int64 values do not fit int32 (e.g. 9)',
    });
  });
});

async function parquetOf(type: ColumnSpec, values: readonly TypedRow[number][]): Promise<Uint8Array> {
  return writeTable(
    'parquet',
    [{ ...type, name: 'v', nullable: true }],
    values.map((v) => [v]),
  );
}

function column(columns: readonly ColumnReport[]): ColumnReport {
  const c = columns.find((x) => x.name === 'v');
  if (!c) throw new Error('no column v');
  return c;
}

async function validateFile(
  bytes: Uint8Array,
  columnYaml: string,
  name = 'out.parquet',
  extra: string[] = [],
) {
  const contract = loadContract({ schema: [`{ name: v, ${columnYaml} }`], extra });
  const { report } = await runValidation(contract, bufferSource(bytes, name), {
    openSource: () => {
      throw new Error('no references');
    },
  });
  return report;
}

describe('a real Parquet file is graded by its declared types', () => {
  it('int32 stored for an int64 column is compatible and passes', async () => {
    // Arrange
    const bytes = await parquetOf(col('int32'), [1, 2, 2_000_000_000]);

    // Act
    const report = await validateFile(bytes, 'type: int64');

    // Assess
    expect(report.status).toBe('passed');
    expect(column(report.schema.columns)).toMatchObject({
      finding: 'stored_type',
      level: 'compatible',
      stored: { type: 'int32' },
      typeChange: 'int32 read as int64',
    });
  });

  it('int64 stored for an int32 column is convertible with a cast plan when every value fits', async () => {
    // Arrange
    const bytes = await parquetOf(col('int64'), [1n, -5n, 2_147_483_647n, null]);

    // Act
    const accepting = await validateFile(bytes, 'type: int32', 'out.parquet', ['compatibility: convertible']);
    const strictDefault = await validateFile(bytes, 'type: int32');

    // Assess
    expect(column(accepting.schema.columns)).toMatchObject({
      finding: 'stored_type',
      level: 'convertible',
      stored: { type: 'int64' },
      castPlan: 'cast int64 to int32: all 3 values fit',
      fits: [{ to: 'int32', checked: 3, misfits: 0 }],
    });
    expect(accepting.status).toBe('passed');
    // The contract's default accepts at most compatible: the narrowing fails it, saying why.
    expect(strictDefault.status).toBe('failed');
    expect(strictDefault.summary).toContain('v stored_type (int64 read as int32)');
  });

  it('int64 stored for an int32 column is incompatible when a value does not fit', async () => {
    // Arrange
    const bytes = await parquetOf(col('int64'), [1n, 3_000_000_000n]);

    // Act
    const report = await validateFile(bytes, 'type: int32', 'out.parquet', ['compatibility: convertible']);

    // Assess
    expect(report.status).toBe('failed');
    expect(column(report.schema.columns)).toMatchObject({
      finding: 'type_mismatch',
      level: 'incompatible',
      typeChange: 'int64 read as int32: 1 of 2 int64 values do not fit int32 (e.g. 3000000000)',
    });
  });

  it('float64 stored for a float32 column fits only when every value is exact in float32', async () => {
    // Arrange
    const exact = await parquetOf(col('float64'), [0.5, 1.25, -8]);
    const inexact = await parquetOf(col('float64'), [0.5, 0.1]);
    const accepts = ['compatibility: convertible'];

    // Act
    const fitting = await validateFile(exact, 'type: float32', 'a.parquet', accepts);
    const lossy = await validateFile(inexact, 'type: float32', 'b.parquet', accepts);

    // Assess
    expect(column(fitting.schema.columns)).toMatchObject({ finding: 'stored_type', level: 'convertible' });
    expect(column(lossy.schema.columns)).toMatchObject({
      finding: 'type_mismatch',
      level: 'incompatible',
      typeChange: 'float64 read as float32: 1 of 2 float64 values do not fit float32 (e.g. 0.1)',
    });
  });

  it('a decimal with more scale fits a narrower one only when no digit is lost', async () => {
    // Arrange: decimal(18,4) unscaled values; 1.2300 fits decimal(10,2), 1.2345 does not.
    const fitting = await parquetOf(dec(18, 4), [12300n, -500n]);
    const lossy = await parquetOf(dec(18, 4), [12345n]);
    const accepts = ['compatibility: convertible'];

    // Act
    const a = await validateFile(fitting, 'type: decimal, precision: 10, scale: 2', 'a.parquet', accepts);
    const b = await validateFile(lossy, 'type: decimal, precision: 10, scale: 2', 'b.parquet', accepts);

    // Assess
    expect(column(a.schema.columns)).toMatchObject({ finding: 'stored_type', level: 'convertible' });
    expect(column(b.schema.columns)).toMatchObject({ finding: 'type_mismatch', level: 'incompatible' });
  });

  it('a finer timestamp unit fits a coarser one only when no sub-unit digit is set', async () => {
    // Arrange: counts of nanoseconds; the first is whole milliseconds, the second is not.
    const fitting = await parquetOf(ts('ns'), [1_700_000_000_123_000_000n]);
    const lossy = await parquetOf(ts('ns'), [1_700_000_000_123_000_000n, 1_700_000_000_123_456_789n]);
    const accepts = ['compatibility: convertible'];

    // Act
    const a = await validateFile(fitting, 'type: timestamp, unit: ms', 'a.parquet', accepts);
    const b = await validateFile(lossy, 'type: timestamp, unit: ms', 'b.parquet', accepts);

    // Assess
    expect(column(a.schema.columns)).toMatchObject({
      finding: 'stored_type',
      level: 'convertible',
      stored: { type: 'timestamp', unit: 'ns' },
    });
    expect(column(b.schema.columns)).toMatchObject({ finding: 'type_mismatch', level: 'incompatible' });
  });

  it('a text format keeps the value-based grading (no declared type)', async () => {
    // Arrange
    const csv = utf8('v\n1\n2\n');

    // Act
    const report = await validateFile(csv, 'type: int32', 'out.csv');
    const stored = await readStoredTypes(bufferSource(csv, 'out.csv'), 'csv', []);

    // Assess
    expect(stored).toBeUndefined();
    expect(column(report.schema.columns)).toEqual({
      name: 'v',
      expectedType: 'int32',
      finding: 'ok',
      level: 'strict',
      nulls: 0,
      nonConforming: 0,
    });
  });

  it('an Arrow IPC file declares its types as well', async () => {
    // Arrange
    const bytes = await writeTable('arrow', [{ name: 'v', type: 'int32', nullable: true }], [[1], [2]]);

    // Act
    const report = await validateFile(bytes, 'type: int64', 'out.arrow');

    // Assess
    expect(column(report.schema.columns)).toMatchObject({
      finding: 'stored_type',
      level: 'compatible',
      stored: { type: 'int32' },
    });
  });
});

describe('consumers grade the declared types too', () => {
  const producer = parseContract(
    'pipeline: p\nstep: a\noutput: out\npath: a/\nschema:\n  - { name: v, type: int64 }\n',
    'a.yaml',
  );
  const consumer = parseContract(
    [
      'pipeline: p',
      'step: b',
      'output: out',
      'path: b/',
      'inputs:',
      '  - output: a/out',
      '    accepts: convertible',
      '    columns:',
      '      - { name: v, type: int32 }',
      'schema:',
      '  - { name: x, type: string }',
      '',
    ].join('\n'),
    'b.yaml',
  );

  async function edgeFor(values: readonly bigint[]) {
    const bytes = await parquetOf(col('int64'), values);
    const { report } = await runValidation(producer, bufferSource(bytes, 'out.parquet'), {
      openSource: () => {
        throw new Error('no references');
      },
      consumerColumns: (consumer.expectations ?? []).flatMap((e) => e.columns ?? []),
    });
    return withConsumerEdges(report, producer, consumersOf(logicalName(producer), [consumer]));
  }

  it('int64 data read as int32 by a consumer is convertible when every value fits, naming the plan', async () => {
    // Act
    const report = await edgeFor([1n, 2n]);

    // Assess
    expect(report.status).toBe('passed');
    expect(report.consumers?.[0]).toMatchObject({
      consumer: 'p/b/out',
      level: 'convertible',
      breaks: false,
      changes: [{ column: 'v', level: 'convertible', castPlan: 'cast int64 to int32: all 2 values fit' }],
    });
  });

  it('int64 data with a value past int32 breaks the consumer and fails the producer, naming it', async () => {
    // Act
    const report = await edgeFor([1n, 5_000_000_000n]);

    // Assess
    expect(report.status).toBe('failed');
    expect(report.consumers?.[0]).toMatchObject({ consumer: 'p/b/out', level: 'incompatible', breaks: true });
    expect(report.failedRules).toContain('consumer:p/b/out=incompatible');
  });
});
