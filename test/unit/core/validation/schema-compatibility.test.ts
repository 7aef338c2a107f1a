/**
 * Graded schema compatibility between the observed columns and the contract, per column and
 * overall (strict < compatible < convertible < incompatible), and the contract's `compatibility`
 * deciding whether the grade fails the validation.
 */
import { describe, expect, it } from 'vitest';
import type { CompatibilityLevel } from '../../../../lambdas/core/contracts/output-contract';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import type { RecordBatch } from '../../../../lambdas/core/formats/record-batch';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';
import type { ColumnReport } from '../../../../lambdas/core/validation/validation-report';
import { loadContract, validate, type Row } from '../../../fixtures/validation-fixtures';

const SCHEMA = ['{ name: id, type: int64, nullable: false }', '{ name: amount, type: float64 }'];

function contract(extra: readonly string[] = [], schema: readonly string[] = SCHEMA) {
  return loadContract({ schema, extra });
}

function columnNamed(columns: readonly ColumnReport[], name: string): ColumnReport {
  const c = columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

describe('graded schema compatibility', () => {
  it('grades input that matches the schema exactly as strict', async () => {
    // Prepare
    const rows: Row[] = [
      ['1', '9.5'],
      ['2', null],
    ];

    // Act
    const report = await validate(contract(['compatibility: strict']), ['id', 'amount'], rows);

    // Assess
    expect(report.status).toBe('passed');
    expect(report.schema).toEqual({
      level: 'strict',
      accepted: 'strict',
      columns: [
        { name: 'id', expectedType: 'int64', finding: 'ok', level: 'strict', nulls: 0, nonConforming: 0 },
        {
          name: 'amount',
          expectedType: 'float64',
          finding: 'ok',
          level: 'strict',
          nulls: 1,
          nonConforming: 0,
        },
      ],
    });
  });

  it('grades an extra column compatible when the contract allows extra columns', async () => {
    // Act
    const report = await validate(
      contract(['allow_extra_columns: true']),
      ['id', 'amount', 'note'],
      [['1', '2', 'x']],
    );

    // Assess
    expect(report.schema.level).toBe('compatible');
    expect(columnNamed(report.schema.columns, 'note')).toEqual({
      name: 'note',
      expectedType: null,
      finding: 'extra',
      level: 'compatible',
      nulls: 0,
      nonConforming: 0,
    });
    expect(report.status).toBe('passed');
  });

  it('grades an extra column incompatible when the contract forbids extra columns', async () => {
    // Act
    const report = await validate(
      contract(['allow_extra_columns: false', 'compatibility: convertible']),
      ['id', 'amount', 'note'],
      [['1', '2', 'x']],
    );

    // Assess
    expect(columnNamed(report.schema.columns, 'note').level).toBe('incompatible');
    expect(report.schema.level).toBe('incompatible');
    expect(report.status).toBe('failed');
    expect(report.failedRules).toEqual(['schema_compatibility']);
    expect(report.summary).toBe('FAILED: 1 rows; schema incompatible (accepts convertible): note extra');
  });

  it('grades a missing nullable column convertible, with a cast plan that adds it', async () => {
    // Act
    const report = await validate(contract(), ['id'], [['1']]);

    // Assess
    expect(columnNamed(report.schema.columns, 'amount')).toEqual({
      name: 'amount',
      expectedType: 'float64',
      finding: 'missing',
      level: 'convertible',
      castPlan: 'add amount filled with nulls',
      nulls: 0,
      nonConforming: 0,
    });
    expect(report.schema.level).toBe('convertible');
  });

  it('grades a missing non-nullable column incompatible, without a cast plan', async () => {
    // Act
    const report = await validate(contract(), ['amount'], [['1.5']]);

    // Assess
    const id = columnNamed(report.schema.columns, 'id');
    expect(id.finding).toBe('missing');
    expect(id.level).toBe('incompatible');
    expect(id.castPlan).toBeUndefined();
    expect(report.status).toBe('failed');
  });

  it('grades a type mismatch incompatible, naming the first offending row and value', async () => {
    // Prepare: the mismatch is in the second batch, so its row number comes from firstRow
    const long = `x${'y'.repeat(80)}`;
    const rows: Row[] = [
      ['1', '1.0'],
      ['2', '2.0'],
      ['3', 'abc'],
      ['4', long],
      ['oops', '5'],
    ];
    const batches = async function* (): AsyncGenerator<RecordBatch> {
      yield { columns: ['id', 'amount'], rows: rows.slice(0, 2), firstRow: 1 };
      await Promise.resolve();
      yield { columns: ['id', 'amount'], rows: rows.slice(2), firstRow: 3 };
    };

    // Act
    const report = await validateRecords(contract(['compatibility: incompatible']), batches());

    // Assess
    expect(columnNamed(report.schema.columns, 'amount')).toEqual({
      name: 'amount',
      expectedType: 'float64',
      finding: 'type_mismatch',
      level: 'incompatible',
      nulls: 0,
      nonConforming: 2,
      example: { row: 3, value: 'abc' },
    });
    expect(columnNamed(report.schema.columns, 'id').example).toEqual({ row: 5, value: 'oops' });
    expect(report.failedRowCount).toBe(3);
    expect(report.status).toBe('passed'); // the contract accepts even incompatible input
  });

  it('shortens a long offending value to 60 characters in the example', async () => {
    // Prepare
    const long = 'z'.repeat(100);

    // Act
    const report = await validate(contract(), ['id', 'amount'], [[long, '1']]);

    // Assess
    expect(columnNamed(report.schema.columns, 'id').example).toEqual({ row: 1, value: `${'z'.repeat(60)}…` });
  });

  it('grades nulls in a non-nullable column convertible, with a cast plan and the first null row', async () => {
    // Prepare
    const rows: Row[] = [
      ['1', '1'],
      [null, '2'],
      [null, '3'],
    ];

    // Act
    const report = await validate(contract(), ['id', 'amount'], rows);

    // Assess
    expect(columnNamed(report.schema.columns, 'id')).toEqual({
      name: 'id',
      expectedType: 'int64',
      finding: 'unexpected_nulls',
      level: 'convertible',
      castPlan: 'declare id nullable, or fill its 2 nulls',
      example: { row: 2, value: null },
      nulls: 2,
      nonConforming: 0,
    });
    expect(report.failedRowCount).toBe(2);
  });

  it('grades the whole input by its worst column', async () => {
    // Act: extra (compatible) + missing nullable (convertible) + ok (strict)
    const report = await validate(contract(), ['id', 'note'], [['1', 'x']]);

    // Assess
    expect(report.schema.columns.map((c) => [c.name, c.level])).toEqual([
      ['id', 'strict'],
      ['amount', 'convertible'],
      ['note', 'compatible'],
    ]);
    expect(report.schema.level).toBe('convertible');
  });

  describe("the contract's compatibility decides failure", () => {
    const cases: readonly [
      string,
      readonly string[],
      readonly Row[],
      Record<CompatibilityLevel, 'passed' | 'failed'>,
    ][] = [
      [
        'strict input',
        ['id', 'amount'],
        [['1', '1']],
        { strict: 'passed', compatible: 'passed', convertible: 'passed', incompatible: 'passed' },
      ],
      [
        'an extra column',
        ['id', 'amount', 'x'],
        [['1', '1', 'x']],
        { strict: 'failed', compatible: 'passed', convertible: 'passed', incompatible: 'passed' },
      ],
      [
        'a missing nullable column',
        ['id'],
        [['1']],
        { strict: 'failed', compatible: 'failed', convertible: 'passed', incompatible: 'passed' },
      ],
      [
        'unexpected nulls',
        ['id', 'amount'],
        [[null, '1']],
        { strict: 'failed', compatible: 'failed', convertible: 'passed', incompatible: 'passed' },
      ],
      [
        'a type mismatch',
        ['id', 'amount'],
        [['1', 'abc']],
        { strict: 'failed', compatible: 'failed', convertible: 'failed', incompatible: 'passed' },
      ],
    ];

    it.each(cases)('%s', async (_name, columns, rows, expected) => {
      // Act
      const statuses: Record<string, string> = {};
      for (const level of Object.keys(expected)) {
        const report = await validate(contract([`compatibility: ${level}`]), columns, rows);
        statuses[level] = report.status;
        // Assess (per level): failed exactly when the schema grade is beyond the accepted level
        expect(report.failedRules.includes('schema_compatibility')).toBe(
          expected[level as CompatibilityLevel] === 'failed',
        );
      }

      // Assess
      expect(statuses).toEqual(expected);
    });
  });

  describe('header-only input (0 rows)', () => {
    it('still grades the schema from the header', async () => {
      // Act
      const report = await validate(contract(['allow_extra_columns: false']), ['id', 'extra'], []);

      // Assess
      expect(report.rowCount).toBe(0);
      expect(report.schema.columns.map((c) => [c.name, c.finding, c.level])).toEqual([
        ['id', 'ok', 'strict'],
        ['amount', 'missing', 'convertible'],
        ['extra', 'extra', 'incompatible'],
      ]);
      expect(report.status).toBe('failed');
    });

    it('grades a header-only CSV file read by the real reader', async () => {
      // Prepare
      const source = bufferSource(Buffer.from('id,amount\n'), 'header-only.csv');

      // Act
      const { report, quarantinedRows } = await runValidation(contract(['compatibility: strict']), source, {
        openSource: () => {
          throw new Error('no reference expected');
        },
      });

      // Assess
      expect(report.rowCount).toBe(0);
      expect(report.schema.level).toBe('strict');
      expect(report.status).toBe('passed');
      expect(quarantinedRows).toBe(0);
    });

    it('grades a header-only CSV that lacks a required column as incompatible', async () => {
      // Prepare
      const source = bufferSource(Buffer.from('amount\n'), 'header-only.csv');

      // Act
      const { report } = await runValidation(contract(), source, {
        openSource: () => {
          throw new Error('no reference expected');
        },
      });

      // Assess
      expect(columnNamed(report.schema.columns, 'id')).toMatchObject({
        finding: 'missing',
        level: 'incompatible',
      });
      expect(report.status).toBe('failed');
    });
  });
});
