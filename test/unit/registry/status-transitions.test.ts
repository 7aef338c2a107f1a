import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  STATUS_TRANSITIONS,
  TEST_STATUSES,
  canTransition,
  isTestStatus,
  statusesAllowedBefore,
} from '../../../lambdas/core/registry/status-transitions';

describe('status transitions', () => {
  it('lets pending move to passed, warned or failed and nothing else move at all', () => {
    // Act
    const moves = TEST_STATUSES.flatMap((from) =>
      TEST_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );

    // Assess
    expect(moves).toEqual(['pending->passed', 'pending->warned', 'pending->failed']);
  });

  it('never leads back to pending, out of untracked, or from failed to passed', () => {
    // Prepare
    const forbidden = fc
      .tuple(fc.constantFrom(...TEST_STATUSES), fc.constantFrom(...TEST_STATUSES))
      .filter(
        ([from, to]) => to === 'pending' || from === 'untracked' || (from === 'failed' && to === 'passed'),
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
      pending: ['pending'],
      passed: ['pending', 'passed'],
      warned: ['pending', 'warned'],
      failed: ['pending', 'failed'],
      untracked: ['untracked'],
    });
  });

  it('recognises only the five statuses', () => {
    // Act
    const checks = ['pending', 'passed', 'warned', 'failed', 'untracked', 'PASSED', 'ok', '', 3].map(
      isTestStatus,
    );

    // Assess
    expect(checks).toEqual([true, true, true, true, true, false, false, false, false]);
    expect(Object.keys(STATUS_TRANSITIONS)).toEqual([...TEST_STATUSES]);
  });
});
