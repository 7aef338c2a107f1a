import { describe, expect, it } from 'vitest';

import type {
  ColumnSpec,
  CompatibilityLevel,
  OutputContract,
  QualityRule,
} from '../../../../lambdas/core/contracts/output-contract';
import type { RecordBatch } from '../../../../lambdas/core/formats/record-batch';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';
import type { FailedRow } from '../../../../lambdas/core/validation/validation-report';

type Row = readonly (string | null)[];

const ORDERS_SCHEMA: readonly ColumnSpec[] = [
  { name: 'order_id', type: 'string', nullable: false },
  { name: 'customer_id', type: 'int64', nullable: false },
  { name: 'amount', type: 'float64', nullable: true },
];

function contract(overrides: Partial<OutputContract> = {}): OutputContract {
  return {
    pipeline: 'sales',
    step: 'preprocessing',
    output: 'training_data',
    path: 'pipelines/sales/{run_id}/preprocessing/training_data/',
    format: 'csv',
    csv: { delimiter: ',', header: true },
    compatibility: 'compatible',
    inputs: [],
    allowExtraColumns: true,
    schema: ORDERS_SCHEMA,
    quality: [],
    ...overrides,
  };
}

function rule(
  overrides: Partial<QualityRule> & Pick<QualityRule, 'name' | 'field' | 'condition'>,
): QualityRule {
  return {
    type: overrides.condition.kind === 'not_null' ? 'completeness' : 'accuracy',
    threshold: 1,
    severity: 'error',
    ...overrides,
  };
}

/** Batches as a reader yields them: rows split into batches of `size`, numbered from 1. */
async function* batches(
  columns: readonly string[],
  rows: readonly Row[],
  size = 1000,
): AsyncGenerator<RecordBatch> {
  for (let i = 0; i < rows.length; i += size) {
    await Promise.resolve();
    yield { columns, rows: rows.slice(i, i + size), firstRow: i + 1 };
  }
}

const HEADER = ['order_id', 'customer_id', 'amount'];

describe('validateRecords', () => {
  describe('schema compatibility per column', () => {
    it('grades a file that matches the schema exactly as strict and passes it', async () => {
      // Prepare
      const rows: Row[] = [
        ['o1', '1', '9.5'],
        ['o2', '2', null],
      ];

      // Act
      const report = await validateRecords(contract(), batches(HEADER, rows));

      // Assess
      expect(report.status).toBe('passed');
      expect(report.rowCount).toBe(2);
      expect(report.schema).toEqual({
        level: 'strict',
        accepted: 'compatible',
        columns: [
          {
            name: 'order_id',
            expectedType: 'string',
            nulls: 0,
            nonConforming: 0,
            finding: 'ok',
            level: 'strict',
          },
          {
            name: 'customer_id',
            expectedType: 'int64',
            nulls: 0,
            nonConforming: 0,
            finding: 'ok',
            level: 'strict',
          },
          {
            name: 'amount',
            expectedType: 'float64',
            nulls: 1,
            nonConforming: 0,
            finding: 'ok',
            level: 'strict',
          },
        ],
      });
      expect(report.failedRules).toEqual([]);
      expect(report.failedRowCount).toBe(0);
      expect(report.output).toBe('sales/preprocessing/training_data');
    });

    it('grades a missing nullable column as convertible with a cast plan', async () => {
      // Prepare
      const header = ['order_id', 'customer_id'];

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'convertible' }),
        batches(header, [['o1', '1']]),
      );

      // Assess
      expect(report.schema.columns.find((c) => c.name === 'amount')).toEqual({
        name: 'amount',
        expectedType: 'float64',
        nulls: 0,
        nonConforming: 0,
        finding: 'missing',
        level: 'convertible',
        castPlan: 'add amount filled with nulls',
      });
      expect(report.schema.level).toBe('convertible');
      expect(report.status).toBe('passed');
    });

    it('grades a missing non-nullable column as incompatible', async () => {
      // Prepare
      const header = ['order_id', 'amount'];

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'convertible' }),
        batches(header, [['o1', '1.5']]),
      );

      // Assess
      const column = report.schema.columns.find((c) => c.name === 'customer_id');
      expect(column).toMatchObject({ finding: 'missing', level: 'incompatible' });
      expect(column).not.toHaveProperty('castPlan');
      expect(report.status).toBe('failed');
      expect(report.failedRules).toEqual(['schema_compatibility']);
    });

    it('grades an extra column as compatible when the contract allows extra columns', async () => {
      // Prepare
      const header = [...HEADER, 'channel'];

      // Act
      const report = await validateRecords(
        contract({ allowExtraColumns: true }),
        batches(header, [['o1', '1', '2', 'web']]),
      );

      // Assess
      expect(report.schema.columns.at(-1)).toEqual({
        name: 'channel',
        expectedType: null,
        finding: 'extra',
        level: 'compatible',
        nulls: 0,
        nonConforming: 0,
      });
      expect(report.schema.level).toBe('compatible');
      expect(report.status).toBe('passed');
    });

    it('grades an extra column as incompatible when the contract forbids extra columns', async () => {
      // Prepare
      const header = [...HEADER, 'channel'];

      // Act
      const report = await validateRecords(
        contract({ allowExtraColumns: false }),
        batches(header, [['o1', '1', '2', 'web']]),
      );

      // Assess
      expect(report.schema.columns.at(-1)).toMatchObject({
        name: 'channel',
        finding: 'extra',
        level: 'incompatible',
      });
      expect(report.status).toBe('failed');
    });

    it('grades a value of the wrong type as incompatible, with the first offending row and value', async () => {
      // Prepare
      const rows: Row[] = [
        ['o1', '1', '1.0'],
        ['o2', 'two', '2.0'],
        ['o3', '3.5', '3.0'],
      ];

      // Act
      const report = await validateRecords(contract(), batches(HEADER, rows));

      // Assess
      expect(report.schema.columns[1]).toEqual({
        name: 'customer_id',
        expectedType: 'int64',
        nulls: 0,
        nonConforming: 2,
        finding: 'type_mismatch',
        level: 'incompatible',
        example: { row: 2, value: 'two' },
      });
      expect(report.status).toBe('failed');
    });

    it('grades nulls in a non-nullable column as convertible, counting them', async () => {
      // Prepare
      const rows: Row[] = [
        ['o1', '1', null],
        [null, '2', null],
        [null, '3', null],
      ];

      // Act
      const report = await validateRecords(contract({ compatibility: 'convertible' }), batches(HEADER, rows));

      // Assess
      expect(report.schema.columns[0]).toEqual({
        name: 'order_id',
        expectedType: 'string',
        nulls: 2,
        nonConforming: 0,
        finding: 'unexpected_nulls',
        level: 'convertible',
        example: { row: 2, value: null },
        castPlan: 'declare order_id nullable, or fill its 2 nulls',
      });
      expect(report.schema.columns[2]).toMatchObject({ finding: 'ok', nulls: 3 });
      expect(report.status).toBe('passed');
    });

    it('takes the worst column level as the file level', async () => {
      // Prepare: extra (compatible), missing nullable (convertible), wrong type (incompatible)
      const header = ['order_id', 'customer_id', 'channel'];

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'incompatible' }),
        batches(header, [['o1', 'x', 'web']]),
      );

      // Assess
      expect(report.schema.columns.map((c) => [c.name, c.level])).toEqual([
        ['order_id', 'strict'],
        ['customer_id', 'incompatible'],
        ['amount', 'convertible'],
        ['channel', 'compatible'],
      ]);
      expect(report.schema.level).toBe('incompatible');
    });

    describe("the contract's compatibility decides which levels pass", () => {
      const files: Record<CompatibilityLevel, { header: string[]; rows: Row[] }> = {
        strict: { header: HEADER, rows: [['o1', '1', '1']] },
        compatible: { header: [...HEADER, 'channel'], rows: [['o1', '1', '1', 'web']] },
        convertible: { header: ['order_id', 'customer_id'], rows: [['o1', '1']] },
        incompatible: { header: ['order_id', 'amount'], rows: [['o1', '1']] },
      };
      const levels: CompatibilityLevel[] = ['strict', 'compatible', 'convertible', 'incompatible'];
      const cases = levels.flatMap((accepted, a) =>
        levels.map((found, f) => ({ accepted, found, status: f <= a ? 'passed' : 'failed' })),
      );

      it.each(cases)(
        'a $found file under a $accepted contract is $status',
        async ({ accepted, found, status }) => {
          // Prepare
          const { header, rows } = files[found];

          // Act
          const report = await validateRecords(contract({ compatibility: accepted }), batches(header, rows));

          // Assess
          expect(report.schema.level).toBe(found);
          expect(report.schema.accepted).toBe(accepted);
          expect(report.status).toBe(status);
          expect(report.failedRules.includes('schema_compatibility')).toBe(status === 'failed');
        },
      );
    });
  });

  describe('quality rules', () => {
    /** 20 rows whose amount is positive in `positives` of them. */
    function amounts(positives: number): Row[] {
      return Array.from({ length: 20 }, (_, i) => [`o${i}`, String(i + 1), i < positives ? '10' : '-1']);
    }
    const positive = rule({
      name: 'amount_positive',
      field: 'amount',
      condition: { kind: 'greater_than', value: 0 },
      threshold: 0.95,
    });

    it('passes a rule whose pass rate is exactly the threshold', async () => {
      // Prepare
      const rows = amounts(19);

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toMatchObject({
        evaluated: 20,
        passed: 19,
        failed: 1,
        passRate: 0.95,
        outcome: 'pass',
      });
      expect(report.status).toBe('passed');
    });

    it('fails a rule whose pass rate is just below the threshold', async () => {
      // Prepare
      const rows = amounts(18);

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toMatchObject({ evaluated: 20, passed: 18, passRate: 0.9, outcome: 'fail' });
      expect(report.status).toBe('failed');
      expect(report.failedRules).toEqual(['amount_positive']);
    });

    it('passes every rule with threshold 0 and fails any miss with threshold 1', async () => {
      // Prepare
      const lenient = { ...positive, name: 'lenient', threshold: 0 };
      const strict = { ...positive, name: 'strict', threshold: 1, severity: 'warn' as const };

      // Act
      const report = await validateRecords(
        contract({ quality: [lenient, strict] }),
        batches(HEADER, amounts(0).slice(0, 1).concat(amounts(20))),
      );

      // Assess
      expect(report.rules.map((r) => [r.name, r.outcome])).toEqual([
        ['lenient', 'pass'],
        ['strict', 'fail'],
      ]);
    });

    it('warns instead of failing when only warn rules miss their threshold', async () => {
      // Prepare
      const warn = { ...positive, severity: 'warn' as const };

      // Act
      const report = await validateRecords(contract({ quality: [warn] }), batches(HEADER, amounts(10)));

      // Assess
      expect(report.status).toBe('warned');
      expect(report.failedRules).toEqual(['amount_positive']);
      expect(report.summary).toBe('WARNED: 20 rows; amount_positive 50.00% < 95.00% (warn)');
    });

    it('fails when an error rule and a warn rule both miss', async () => {
      // Prepare
      const warn = { ...positive, name: 'amount_positive_warn', severity: 'warn' as const };

      // Act
      const report = await validateRecords(
        contract({ quality: [warn, positive] }),
        batches(HEADER, amounts(10)),
      );

      // Assess
      expect(report.status).toBe('failed');
      expect(report.failedRules).toEqual(['amount_positive_warn', 'amount_positive']);
    });

    it('skips nulls in accuracy rules', async () => {
      // Prepare
      const rows: Row[] = [
        ['o1', '1', '5'],
        ['o2', '2', null],
        ['o3', '3', null],
      ];

      // Act
      const report = await validateRecords(
        contract({ quality: [{ ...positive, threshold: 1 }] }),
        batches(HEADER, rows),
      );

      // Assess
      expect(report.rules[0]).toMatchObject({ evaluated: 1, passed: 1, passRate: 1, outcome: 'pass' });
      expect(report.failedRowCount).toBe(0);
    });

    it('warns, not passes, on an accuracy rule that saw only nulls', async () => {
      // Prepare
      const rows: Row[] = [['o1', '1', null]];

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(HEADER, rows));

      // Assess: a rule that judged nothing says so
      expect(report.rules[0]).toMatchObject({ evaluated: 0, passRate: 0, outcome: 'fail', severity: 'warn' });
      expect(report.status).toBe('warned');
    });

    it('counts nulls against completeness rules', async () => {
      // Prepare
      const present = rule({
        name: 'amount_present',
        field: 'amount',
        condition: { kind: 'not_null' },
        threshold: 0.5,
      });
      const rows: Row[] = [
        ['o1', '1', '5'],
        ['o2', '2', null],
        ['o3', '3', null],
      ];

      // Act
      const report = await validateRecords(contract({ quality: [present] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toMatchObject({
        type: 'completeness',
        evaluated: 3,
        passed: 1,
        outcome: 'fail',
      });
      expect(report.summary).toBe('FAILED: 3 rows; amount_present 33.33% < 50.00% (error)');
    });

    it('applies less_than strictly and between inclusively', async () => {
      // Prepare
      const below = rule({
        name: 'below_10',
        field: 'amount',
        condition: { kind: 'less_than', value: 10 },
        threshold: 0,
      });
      const within = rule({
        name: 'within_1_10',
        field: 'amount',
        condition: { kind: 'between', min: 1, max: 10 },
        threshold: 0,
      });
      const rows: Row[] = ['0.999', '1', '9.999', '10', '10.001'].map((a, i) => [`o${i}`, '1', a]);

      // Act
      const report = await validateRecords(contract({ quality: [below, within] }), batches(HEADER, rows));

      // Assess
      expect(report.rules.map((r) => [r.name, r.passed])).toEqual([
        ['below_10', 3],
        ['within_1_10', 3],
      ]);
    });

    it('fails accuracy rules on NaN values', async () => {
      // Prepare
      const rows: Row[] = [['o1', '1', 'NaN']];

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toMatchObject({ evaluated: 1, passed: 0, outcome: 'fail' });
    });

    it('compares int64 values beyond 2^53 against the rule value', async () => {
      // Prepare
      const big = rule({
        name: 'big_ids',
        field: 'customer_id',
        condition: { kind: 'greater_than', value: 1e15 },
        threshold: 0,
      });
      const rows: Row[] = [
        ['o1', '9223372036854775807', '1'],
        ['o2', '-9223372036854775808', '1'],
      ];

      // Act
      const report = await validateRecords(contract({ quality: [big] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toMatchObject({ evaluated: 2, passed: 1 });
    });

    it('fails a rule whose column is missing from the file', async () => {
      // Prepare
      const header = ['order_id', 'customer_id'];

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'convertible', quality: [positive] }),
        batches(header, [['o1', '1']]),
      );

      // Assess
      expect(report.rules[0]).toMatchObject({ evaluated: 0, passRate: 0, outcome: 'fail' });
      expect(report.status).toBe('failed');
    });

    it('reports the rule as declared alongside its counts', async () => {
      // Prepare
      const rows = amounts(20);

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(HEADER, rows));

      // Assess
      expect(report.rules[0]).toEqual({
        name: 'amount_positive',
        type: 'accuracy',
        field: 'amount',
        condition: { kind: 'greater_than', value: 0 },
        threshold: 0.95,
        severity: 'error',
        evaluated: 20,
        passed: 20,
        failed: 0,
        passRate: 1,
        outcome: 'pass',
      });
    });
  });

  describe('column constraints', () => {
    const CONSTRAINED: readonly ColumnSpec[] = [
      { name: 'code', type: 'string', nullable: true, pattern: '[A-Z]{2}\\d+', length: [3, 3], unique: true },
      { name: 'qty', type: 'int32', nullable: true, range: [1, 10] },
      { name: 'price', type: 'decimal', nullable: true, precision: 10, scale: 2, range: ['0.01', '99.99'] },
      { name: 'day', type: 'date', nullable: true, range: ['2024-01-01', '2024-12-31'] },
      {
        name: 'at',
        type: 'timestamp',
        nullable: true,
        unit: 'us',
        zone: 'UTC',
        range: ['2024-01-01T00:00:00Z', '2024-01-01T23:59:59.999999Z'],
      },
      { name: 'tier', type: 'string', nullable: true, allowed: ['gold', 'silver'] },
    ];
    const COLUMNS = CONSTRAINED.map((c) => c.name);

    it('reports each constraint as a rule named <column>.<constraint> of type constraint', async () => {
      // Prepare
      const rows: Row[] = [['AB1', '1', '0.01', '2024-01-01', '2024-01-01T00:00:00Z', 'gold']];

      // Act
      const report = await validateRecords(contract({ schema: CONSTRAINED }), batches(COLUMNS, rows));

      // Assess
      const constraints = report.rules.filter((r) => r.type === 'constraint');
      expect(constraints.map((r) => [r.name, r.field, r.constraint, r.outcome])).toEqual([
        ['code.pattern', 'code', 'pattern', 'pass'],
        ['code.length', 'code', 'length', 'pass'],
        ['code.unique', 'code', 'unique', 'pass'],
        ['qty.range', 'qty', 'range', 'pass'],
        ['price.range', 'price', 'range', 'pass'],
        ['day.range', 'day', 'range', 'pass'],
        ['at.range', 'at', 'range', 'pass'],
        ['tier.allowed', 'tier', 'allowed', 'pass'],
      ]);
      expect(report.status).toBe('passed');
    });

    it.each([
      ['code.pattern', ['ab1', null, null, null, null, null]],
      ['code.length', ['AB12', null, null, null, null, null]],
      ['qty.range', [null, '11', null, null, null, null]],
      ['qty.range', [null, '0', null, null, null, null]],
      ['price.range', [null, null, '100.00', null, null, null]],
      ['price.range', [null, null, '0.00', null, null, null]],
      ['day.range', [null, null, null, '2025-01-01', null, null]],
      ['at.range', [null, null, null, null, '2024-01-02T00:00:00Z', null]],
      ['at.range', [null, null, null, null, '2023-12-31T23:59:59.999999Z', null]],
      ['tier.allowed', [null, null, null, null, null, 'bronze']],
    ] as const)('fails %s for a value just outside it, naming the row', async (name, row) => {
      // Prepare
      const failed: FailedRow[] = [];

      // Act
      const report = await validateRecords(contract({ schema: CONSTRAINED }), batches(COLUMNS, [row]), {
        onFailedRow: (r) => void failed.push(r),
      });

      // Assess
      expect(report.status).toBe('failed');
      expect(report.failedRules).toContain(name);
      expect(report.rules.find((r) => r.name === name)).toMatchObject({
        type: 'constraint',
        evaluated: 1,
        failed: 1,
      });
      expect(failed.map((f) => [f.row, f.broke])).toEqual([[1, [name]]]);
    });

    it('checks the range at the bounds inclusively and exactly beyond 2^53', async () => {
      // Prepare
      const schema: ColumnSpec[] = [
        { name: 'n', type: 'int64', nullable: true, range: ['-9007199254740993', '9007199254740993'] },
      ];
      const rows: Row[] = [['9007199254740993'], ['-9007199254740993'], ['9007199254740994']];

      // Act
      const report = await validateRecords(contract({ schema }), batches(['n'], rows));

      // Assess
      expect(report.rules.find((r) => r.name === 'n.range')).toMatchObject({
        evaluated: 3,
        passed: 2,
        failed: 1,
      });
    });

    it('counts length in code points, not UTF-16 units', async () => {
      // Prepare
      const schema: ColumnSpec[] = [{ name: 's', type: 'string', nullable: true, length: [2, 2] }];
      const rows: Row[] = [['🌍🌍'], ['é🌍'], ['🌍']];

      // Act
      const report = await validateRecords(contract({ schema }), batches(['s'], rows));

      // Assess
      expect(report.rules.find((r) => r.name === 's.length')).toMatchObject({ passed: 2, failed: 1 });
    });

    it('finds a repeated value across batches as a unique failure, by canonical value', async () => {
      // Prepare
      const schema: ColumnSpec[] = [{ name: 'id', type: 'int64', nullable: true, unique: true }];
      const rows: Row[] = [['1'], ['2'], ['+1'], [null], [null]];

      // Act
      const report = await validateRecords(contract({ schema }), batches(['id'], rows, 2));

      // Assess
      expect(report.rules.find((r) => r.name === 'id.unique')).toMatchObject({ evaluated: 3, failed: 1 });
    });

    it('leaves nulls and non-conforming values to the schema checks, not the constraints', async () => {
      // Prepare
      const rows: Row[] = [[null, 'x', null, null, null, null]];

      // Act
      const report = await validateRecords(contract({ schema: CONSTRAINED }), batches(COLUMNS, rows));

      // Assess
      expect(report.rules.filter((r) => r.type === 'constraint').every((r) => r.evaluated === 0)).toBe(true);
      expect(report.schema.columns.find((c) => c.name === 'qty')).toMatchObject({ finding: 'type_mismatch' });
    });
  });

  describe('failed rows', () => {
    it('hands every failing row to onFailedRow with its number, values and broken checks', async () => {
      // Prepare
      const positive = rule({
        name: 'amount_positive',
        field: 'amount',
        condition: { kind: 'greater_than', value: 0 },
        threshold: 0,
      });
      const header = ['order_id', 'channel', 'customer_id', 'amount'];
      const rows: Row[] = [
        ['o1', 'web', '1', '5'],
        ['o2', 'shop', 'x', '-1'],
        [null, null, '3', '7'],
        ['o4', 'web', '4', '8'],
        ['o5', 'app', '5', '-2'],
      ];
      const failed: FailedRow[] = [];

      // Act
      const report = await validateRecords(contract({ quality: [positive] }), batches(header, rows, 2), {
        onFailedRow: (row) => {
          failed.push(row);
        },
      });

      // Assess
      expect(failed).toEqual([
        {
          row: 2,
          values: { order_id: 'o2', channel: 'shop', customer_id: 'x', amount: '-1' },
          broke: ["customer_id: 'x' is not int64", 'amount_positive'],
        },
        {
          row: 3,
          values: { order_id: null, channel: null, customer_id: '3', amount: '7' },
          broke: ['order_id: null in a non-nullable column'],
        },
        {
          row: 5,
          values: { order_id: 'o5', channel: 'app', customer_id: '5', amount: '-2' },
          broke: ['amount_positive'],
        },
      ]);
      expect(report.failedRowCount).toBe(3);
    });

    it('awaits an asynchronous onFailedRow before going on', async () => {
      // Prepare
      const rows: Row[] = [
        [null, '1', '1'],
        [null, '2', '2'],
      ];
      const seen: number[] = [];

      // Act
      await validateRecords(contract(), batches(HEADER, rows), {
        onFailedRow: async (row) => {
          await new Promise((resolve) => setTimeout(resolve, 5 - row.row));
          seen.push(row.row);
        },
      });

      // Assess
      expect(seen).toEqual([1, 2]);
    });

    it('counts failing rows without a callback', async () => {
      // Prepare
      const rows: Row[] = [
        [null, '1', '1'],
        ['o2', '2', '2'],
        ['o3', 'three', '3'],
      ];

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'incompatible' }),
        batches(HEADER, rows),
      );

      // Assess
      expect(report.failedRowCount).toBe(2);
    });

    it('shortens long non-conforming values in the broken-check text', async () => {
      // Prepare
      const long = 'x'.repeat(100);
      const broke: string[] = [];

      // Act
      await validateRecords(contract(), batches(HEADER, [['o1', long, '1']]), {
        onFailedRow: (row) => {
          broke.push(...row.broke);
        },
      });

      // Assess
      expect(broke).toEqual([`customer_id: '${'x'.repeat(60)}…' is not int64`]);
    });
  });

  describe('summary', () => {
    it('summarizes a passing file with its row count', async () => {
      // Prepare
      const rows: Row[] = [['o1', '1', '1']];

      // Act
      const report = await validateRecords(contract(), batches(HEADER, rows));

      // Assess
      expect(report.summary).toBe('PASSED: 1 rows');
    });

    it('names the schema level, the accepted level and each offending column', async () => {
      // Prepare
      const header = ['order_id', 'amount', 'channel'];
      const positive = rule({
        name: 'amount_positive',
        field: 'amount',
        condition: { kind: 'greater_than', value: 0 },
        threshold: 0.5,
      });

      // Act
      const report = await validateRecords(
        contract({ compatibility: 'strict', quality: [positive] }),
        batches(header, [['o1', '-1', 'web']]),
      );

      // Assess
      expect(report.summary).toBe(
        'FAILED: 1 rows; schema incompatible (accepts strict): customer_id missing, channel extra; amount_positive 0.00% < 50.00% (error)',
      );
      expect(report.failedRules).toEqual(['schema_compatibility', 'amount_positive']);
    });
  });
});
