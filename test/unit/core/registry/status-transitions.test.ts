import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  STATUS_TRANSITIONS,
  TEST_STATUSES,
  canTransition,
  isTestStatus,
  statusesAllowedBefore,
} from '../../../../lambdas/core/registry/status-transitions';

describe('status transitions', () => {
  it('lets pending end in a verdict or an error, an error be tested again, and any version be deleted', () => {
    // Act
    const moves = TEST_STATUSES.flatMap((from) =>
      TEST_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );

    // Assess
    expect(moves).toEqual([
      'pending->passed',
      'pending->warned',
      'pending->failed',
      'pending->error',
      'pending->deleted',
      'passed->deleted',
      'warned->deleted',
      'failed->deleted',
      'error->pending',
      'error->deleted',
      'missing->late',
    ]);
  });

  it('never leads back to pending but from an error, out of untracked or deleted, or from failed to passed', () => {
    // Prepare
    const forbidden = fc
      .tuple(fc.constantFrom(...TEST_STATUSES), fc.constantFrom(...TEST_STATUSES))
      .filter(
        ([from, to]) =>
          (to === 'pending' && from !== 'error') ||
          from === 'untracked' ||
          from === 'deleted' ||
          (from === 'failed' && to === 'passed'),
      );

    // Act / Assess
    fc.assert(
      fc.property(forbidden, ([from, to]) => {
        expect(canTransition(from, to)).toBe(false);
      }),
    );
  });

  it('accepts a write of a status from the states that may precede it, itself included (a repeat)', () => {
    // Act
    const before = Object.fromEntries(TEST_STATUSES.map((to) => [to, statusesAllowedBefore(to)]));

    // Assess
    expect(before).toEqual({
      pending: ['pending', 'error'],
      passed: ['pending', 'passed'],
      warned: ['pending', 'warned'],
      failed: ['pending', 'failed'],
      error: ['pending', 'error'],
      deleted: ['pending', 'passed', 'warned', 'failed', 'error', 'deleted'],
      untracked: ['untracked'],
      missing: ['missing'],
      late: ['missing', 'late'],
    });
  });

  it('recognises only the nine statuses', () => {
    // Act
    const checks = [
      'pending',
      'passed',
      'warned',
      'failed',
      'error',
      'deleted',
      'untracked',
      'missing',
      'late',
      'PASSED',
      'ok',
      '',
      3,
    ].map(isTestStatus);

    // Assess
    expect(checks).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(Object.keys(STATUS_TRANSITIONS)).toEqual([...TEST_STATUSES]);
  });
});
