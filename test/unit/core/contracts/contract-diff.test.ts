/**
 * A contract change graded for the readers of the old contract, by the design notes' rules: each
 * type pair, a column added or removed, nullability; the worst change sets the level.
 */
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../../../../lambdas/core/contracts/contract-diff';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';

function contract(columns: readonly string[]): OutputContract {
  return parseContract(
    `pipeline: p\nstep: s\noutput: o\npath: x/\nschema:\n${columns.map((c) => `  - ${c}\n`).join('')}`,
    'c.yaml',
  );
}

/** The level of changing one column's type from `was` to `now` (both non-null). */
function typeChange(was: string, now: string): string {
  const diff = diffContracts(
    contract([`{ name: v, type: '${was}', nullable: false }`]),
    contract([`{ name: v, type: '${now}', nullable: false }`]),
  );
  return diff.level;
}

describe('diffContracts', () => {
  it.each([
    ['int32', 'int64', 'convertible'],
    ['int64', 'int32', 'compatible'],
    ['float64', 'float32', 'compatible'],
    ['float32', 'float64', 'convertible'],
    ['float64', 'int32', 'compatible'],
    ['float64', 'int64', 'convertible'],
    ['decimal(12,2)', 'decimal(10,2)', 'compatible'],
    ['decimal(10,2)', 'decimal(12,2)', 'convertible'],
    ['decimal(10,2)', 'decimal(10,3)', 'convertible'],
    ['decimal(21,2)', 'int64', 'compatible'],
    ['decimal(20,2)', 'int64', 'convertible'],
    ['string', 'int64', 'convertible'],
    ['int64', 'string', 'incompatible'],
    ['boolean', 'int32', 'incompatible'],
    ['timestamp', 'date', 'compatible'],
    ['date', 'timestamp', 'convertible'],
  ])('a reader of %s given %s: %s', (was, now, level) => {
    // Act / Assess: the old type is what the reader expects, the new one what it gets.
    expect(typeChange(was, now)).toBe(level);
  });

  it('grades columns added, removed and made nullable, the worst setting the level', () => {
    // Prepare
    const old = contract([
      '{ name: id, type: int64, nullable: false }',
      '{ name: note, type: string, nullable: true }',
      '{ name: amount, type: float64, nullable: false }',
    ]);
    const next = contract([
      '{ name: id, type: int64, nullable: false }',
      '{ name: amount, type: float64, nullable: true }',
      '{ name: channel, type: string, nullable: true }',
    ]);

    // Act
    const diff = diffContracts(old, next);

    // Assess
    expect(diff.changes).toEqual([
      {
        column: 'note',
        change: 'removed (was nullable)',
        level: 'convertible',
        castPlan: 'readers fill the column with nulls',
      },
      {
        column: 'amount',
        change: 'now nullable (readers need non-null)',
        level: 'convertible',
        castPlan: 'rows with a null here fail the readers’ not-null expectation, or are dropped',
      },
      { column: 'channel', change: 'added (string)', level: 'compatible' },
    ]);
    expect(diff.level).toBe('convertible');
  });

  it('is incompatible when a required column goes, and strict when nothing a reader sees changes', () => {
    // Prepare
    const old = contract(['{ name: id, type: int64, nullable: false }', '{ name: x, type: int32 }']);

    // Act
    const removed = diffContracts(old, contract(['{ name: x, type: int32 }']));
    const same = diffContracts(old, old);

    // Assess
    expect(removed.level).toBe('incompatible');
    expect(removed.changes).toEqual([
      { column: 'id', change: 'removed (was required)', level: 'incompatible' },
    ]);
    expect(same).toEqual({ level: 'strict', changes: [] });
  });
});
