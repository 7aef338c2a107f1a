/**
 * A landed output graded for the steps that read it: the observed schema (columns present, nulls
 * seen, untyped extras) against each consumer's expectation; a broken edge fails or warns the
 * producer's output as the consumer declared, naming it.
 */
import { describe, expect, it } from 'vitest';
import { consumersOf } from '../../../../lambdas/core/contracts/edge-grade';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { observedColumns, withConsumerEdges } from '../../../../lambdas/core/validation/consumer-edges';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';

const PRODUCER = parseContract(
  [
    'pipeline: p',
    'step: a',
    'output: out',
    'path: a/',
    'schema:',
    '  - { name: id, type: int64 }',
    '  - { name: amount, type: float64, nullable: false }',
    '',
  ].join('\n'),
  'a.yaml',
);

function reader(step: string, lines: readonly string[]) {
  return parseContract(
    `pipeline: p\nstep: ${step}\noutput: out\npath: ${step}/\ninputs:\n${lines.map((l) => `  ${l}\n`).join('')}schema:\n  - { name: x, type: string }\n`,
    `${step}.yaml`,
  );
}

async function report(
  rows: readonly (readonly unknown[])[],
  columns = ['id', 'amount'],
): Promise<ValidationReport> {
  async function* batches() {
    await Promise.resolve();
    yield { columns, rows: rows.map((r) => [...r]) };
  }
  return validateRecords(PRODUCER, batches() as never);
}

const NEEDS_ID = reader('b', [
  '- output: a/out',
  '  columns:',
  '    - { name: id, type: int64, nullable: false }',
]);
const WARNS_ON_REGION = reader('c', [
  '- output: a/out',
  '  on_break: warn',
  '  columns:',
  '    - { name: region, type: string }',
]);

describe('withConsumerEdges', () => {
  it('types the columns the object showed, nullable where it held nulls, extras untyped', async () => {
    // Arrange
    const landed = await report([['1', '2.5', 'eu']], ['id', 'amount', 'region']);

    // Act
    const observed = observedColumns(landed, PRODUCER);

    // Assess
    expect(observed.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'int64', false],
      ['amount', 'float64', false],
    ]);
    expect([...observed.untyped]).toEqual(['region']);
  });

  it('fails a passing output whose nulls break a consumer that needs non-null, naming it', async () => {
    // Arrange
    const landed = await report([
      ['1', '2.5'],
      [null, '3'],
    ]);

    // Act
    const graded = withConsumerEdges(landed, PRODUCER, consumersOf('p/a/out', [NEEDS_ID]));

    // Assess
    expect(landed.status).toBe('passed');
    expect(graded.status).toBe('failed');
    expect(graded.failedRules).toEqual(['consumer:p/b/out=convertible']);
    expect(graded.summary).toBe(
      'FAILED: 2 rows; consumer p/b/out grades it convertible, below its compatible (fail)',
    );
    expect(graded.consumers?.[0]).toMatchObject({ consumer: 'p/b/out', level: 'convertible', breaks: true });
  });

  it('passes the same consumer when no null landed, and records the grade', async () => {
    // Arrange
    const landed = await report([['1', '2.5']]);

    // Act
    const graded = withConsumerEdges(landed, PRODUCER, consumersOf('p/a/out', [NEEDS_ID]));

    // Assess
    expect(graded.status).toBe('passed');
    expect(graded.summary).toBe(landed.summary);
    expect(graded.consumers?.[0]).toMatchObject({ level: 'compatible', breaks: false });
  });

  it('warns, not fails, for a consumer that declared on_break: warn; an untyped column it needs is a cast', async () => {
    // Arrange
    const missing = await report([['1', '2.5']]);
    const untyped = await report([['1', '2.5', 'eu']], ['id', 'amount', 'region']);

    // Act
    const gone = withConsumerEdges(missing, PRODUCER, consumersOf('p/a/out', [WARNS_ON_REGION]));
    const cast = withConsumerEdges(untyped, PRODUCER, consumersOf('p/a/out', [WARNS_ON_REGION]));

    // Assess
    expect(gone.status).toBe('warned');
    expect(gone.failedRules).toEqual(['consumer:p/c/out=incompatible']);
    expect(cast.consumers?.[0]?.changes[0]).toMatchObject({ column: 'region', level: 'convertible' });
    expect(cast.status).toBe('warned');
  });

  it('leaves the report as it was when no contract reads the output', async () => {
    // Arrange
    const landed = await report([['1', '2.5']]);

    // Act
    const graded = withConsumerEdges(landed, PRODUCER, []);

    // Assess
    expect(graded).toBe(landed);
  });
});
