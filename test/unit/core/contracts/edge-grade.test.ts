/**
 * One edge of a pipeline graded by the seeds' rules: every pair of the contract types, each
 * column rule (present, extra, missing, nullable, constraints) and the consumer's accepted level.
 */
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../../../../lambdas/core/contracts/contract-diff';
import { consumersOf, gradeEdge, type EdgeGrade } from '../../../../lambdas/core/contracts/edge-grade';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';

function producer(columns: readonly string[]): OutputContract {
  return parseContract(
    `pipeline: p\nstep: a\noutput: out\npath: a/\nschema:\n${columns.map((c) => `  - ${c}\n`).join('')}`,
    'a.yaml',
  );
}

function consumer(input: readonly string[]): OutputContract {
  return parseContract(
    `pipeline: p\nstep: b\noutput: out\npath: b/\ninputs:\n${input.map((l) => `  ${l}\n`).join('')}schema:\n  - { name: x, type: string }\n`,
    'b.yaml',
  );
}

/** The edge from `from` to the consumer's single expectation. */
function edge(from: OutputContract, to: OutputContract): EdgeGrade {
  const [reader] = consumersOf('p/a/out', [to]);
  return gradeEdge({ producer: 'p/a/out', columns: from.schema, baseline: from.schema }, reader!);
}

/** A producer column of type `have` read by a step that reads it as `want` (both non-null). */
function typeGrade(have: string, want: string): string {
  return edge(
    producer([`{ name: v, type: '${have}', nullable: false }`]),
    consumer(['- output: a/out', '  columns:', `    - { name: v, type: '${want}', nullable: false }`]),
  ).level;
}

const TYPES = [
  'string',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'date',
  'timestamp',
  'decimal(12,2)',
] as const;

// s strict, c compatible, v convertible, x incompatible; a row is the producer's type, a column
// (in TYPES order) the type the consumer reads it as.
const GRADES: Record<(typeof TYPES)[number], string> = {
  string: 's x x x x x x x x',
  int32: 'v s c v c x x x c',
  int64: 'v v s v v x x x v',
  float32: 'v v v s c x x x v',
  float64: 'v v v v s x x x v',
  boolean: 'v x x x x s x x x',
  date: 'v x x x x x s c x',
  timestamp: 'v x x x x x v s x',
  'decimal(12,2)': 'v v v v v x x x s',
};
const LEVEL = { s: 'strict', c: 'compatible', v: 'convertible', x: 'incompatible' } as const;

const PAIRS = TYPES.flatMap((have) =>
  GRADES[have].split(' ').map((g, k) => [have, TYPES[k]!, LEVEL[g as keyof typeof LEVEL]] as const),
);

describe('gradeEdge', () => {
  it.each(PAIRS)('a producer %s read as %s: %s', (have, want, level) => {
    // Act
    const grade = typeGrade(have, want);

    // Assess
    expect(grade).toBe(level);
  });

  it.each([
    ['decimal(10,2)', 'decimal(12,2)', 'compatible'],
    ['decimal(10,2)', 'decimal(12,3)', 'compatible'],
    ['decimal(12,2)', 'decimal(10,2)', 'convertible'],
    ['decimal(12,2)', 'decimal(12,3)', 'convertible'],
    ['int32', 'decimal(9,0)', 'convertible'],
    ['int64', 'decimal(21,2)', 'compatible'],
  ])('a producer %s read as %s: %s (precision and scale)', (have, want, level) => {
    // Act
    const grade = typeGrade(have, want);

    // Assess
    expect(grade).toBe(level);
  });

  it.each([
    ['ms', 'us', 'compatible'],
    ['ns', 'us', 'convertible'],
    ['us', 'ms', 'convertible'],
  ])('a producer timestamp(%s) read as timestamp(%s): %s', (have, want, level) => {
    // Act
    const grade = edge(
      producer([`{ name: t, type: timestamp, unit: ${have} }`]),
      consumer(['- output: a/out', '  columns:', `    - { name: t, type: timestamp, unit: ${want} }`]),
    );

    // Assess
    expect(grade.level).toBe(level);
  });

  it('gives a cast plan for a narrowing and grades the edge by its worst column', () => {
    // Act
    const grade = edge(
      producer([
        '{ name: id, type: int64, nullable: false }',
        '{ name: amount, type: float64, nullable: false }',
        '{ name: note, type: string }',
      ]),
      consumer([
        '- output: a/out',
        '  columns:',
        '    - { name: id, type: int32, nullable: false }',
        '    - { name: amount, type: float64, nullable: false }',
      ]),
    );

    // Assess
    expect(grade).toEqual({
      producer: 'p/a/out',
      consumer: 'p/b/out',
      reads: ['id', 'amount'],
      level: 'convertible',
      accepts: 'compatible',
      onBreak: 'fail',
      breaks: true,
      changes: [
        {
          column: 'id',
          change: 'int64 read as int32',
          level: 'convertible',
          castPlan: 'cast int64 to int32; values that do not fit fail',
        },
        { column: 'note', change: 'not read (string)', level: 'compatible' },
      ],
    });
  });

  it('grades a needed column missing as incompatible even when the consumer tolerates nulls in it', () => {
    // Act
    const grade = edge(
      producer(['{ name: id, type: int64 }']),
      consumer([
        '- output: a/out',
        '  accepts: convertible',
        '  columns:',
        '    - { name: region, type: string }',
      ]),
    );

    // Assess
    expect(grade.level).toBe('incompatible');
    expect(grade.breaks).toBe(true);
    expect(grade.changes[0]).toEqual({
      column: 'region',
      change: 'missing (b/out reads it)',
      level: 'incompatible',
    });
  });

  it('grades a nullable producer column the consumer needs non-null as convertible, accepted when it accepts convertible', () => {
    // Act
    const grade = edge(
      producer(['{ name: id, type: int64, nullable: true }']),
      consumer([
        '- output: a/out',
        '  accepts: convertible',
        '  on_break: warn',
        '  columns:',
        '    - { name: id, type: int64, nullable: false }',
      ]),
    );

    // Assess
    expect(grade.level).toBe('convertible');
    expect(grade.breaks).toBe(false);
    expect(grade.changes).toEqual([
      {
        column: 'id',
        change: 'now nullable (b/out needs non-null)',
        level: 'convertible',
        castPlan: "rows with a null here fail b/out's not-null expectation, or are dropped",
      },
    ]);
  });

  it('is strict when the producer has exactly the columns read, and compatible with extra columns', () => {
    // Arrange
    const reads = ['- output: a/out', '  columns:', '    - { name: id, type: int64 }'];

    // Act
    const same = edge(producer(['{ name: id, type: int64 }']), consumer(reads));
    const more = edge(producer(['{ name: id, type: int64 }', '{ name: y, type: date }']), consumer(reads));

    // Assess
    expect(same).toMatchObject({ level: 'strict', breaks: false, changes: [] });
    expect(more).toMatchObject({
      level: 'compatible',
      breaks: false,
      changes: [{ column: 'y', change: 'not read (date)', level: 'compatible' }],
    });
  });

  it.each([
    ['a range inside the one read', '{ name: n, type: int64, range: [1, 10] }', '[0, 100]', 'strict'],
    [
      'a range wider than the one read',
      '{ name: n, type: int64, range: [1, 1000] }',
      '[0, 100]',
      'convertible',
    ],
    ['no range at all', '{ name: n, type: int64 }', '[0, 100]', 'convertible'],
    [
      'allowed values inside the range read',
      '{ name: n, type: int64, allowed: [1, 2] }',
      '[0, 100]',
      'strict',
    ],
  ])('grades a producer with %s against a consumer range', (_, column, range, level) => {
    // Act
    const grade = edge(
      producer([column]),
      consumer(['- output: a/out', '  columns:', `    - { name: n, type: int64, range: ${range} }`]),
    );

    // Assess
    expect(grade.level).toBe(level);
  });

  it.each([
    ['a subset of the values read', '[web, app]', 'strict'],
    ['a value the consumer does not read', '[web, app, fax]', 'convertible'],
  ])('grades a producer allowing %s against a consumer allowed set', (_, allowed, level) => {
    // Act
    const grade = edge(
      producer([`{ name: c, type: string, allowed: ${allowed} }`]),
      consumer([
        '- output: a/out',
        '  columns:',
        '    - { name: c, type: string, allowed: [web, app, store] }',
      ]),
    );

    // Assess
    expect(grade.level).toBe(level);
  });

  it("grades a whole-contract reader exactly as contract diff grades the producer's change", () => {
    // Arrange
    const old = producer(['{ name: id, type: int64, nullable: false }', '{ name: note, type: string }']);
    const next = producer(['{ name: id, type: int32, nullable: true }', '{ name: extra, type: date }']);
    const [reader] = consumersOf('p/a/out', [consumer(['- a/out'])]);

    // Act
    const grade = gradeEdge({ producer: 'p/a/out', columns: next.schema, baseline: old.schema }, reader!);

    // Assess
    const diff = diffContracts(old, next);
    expect(grade.level).toBe(diff.level);
    expect(grade.changes).toEqual(diff.changes);
    expect(grade).toMatchObject({ accepts: 'compatible', breaks: true });
    expect('reads' in grade).toBe(false);
  });

  it('finds the consumers of an output by full or short name, and no others', () => {
    // Arrange
    const short = consumer(['- a/out']);
    const full = parseContract(
      'pipeline: q\nstep: c\noutput: out\npath: c/\ninputs: [p/a/out]\nschema:\n  - { name: x, type: string }\n',
      'c.yaml',
    );
    const other = parseContract(
      'pipeline: q\nstep: d\noutput: out\npath: d/\ninputs: [a/out]\nschema:\n  - { name: x, type: string }\n',
      'd.yaml',
    );

    // Act
    const found = consumersOf('p/a/out', [short, full, other]).map((c) => c.contract.step);

    // Assess
    expect(found).toEqual(['b', 'c']);
  });
});
