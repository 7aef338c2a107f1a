/** The contract loader's `history` key: how a version is judged against the last N versions. */
import { describe, expect, it } from 'vitest';

import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { CONTRACT_SOURCE as SOURCE, contractText, parseFailure } from '../../../fixtures/contract-text';

describe('parseContract: history', () => {
  it('leaves the property out without a history key (the defaults apply)', () => {
    // Act
    const contract = parseContract(contractText(), SOURCE);

    // Assess
    expect(contract).not.toHaveProperty('history');
  });

  it('reads versions, min_versions and threshold', () => {
    // Prepare
    const text = contractText(['history:', '  versions: 60', '  min_versions: 14', '  threshold: 4']);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.history).toEqual({ versions: 60, minVersions: 14, threshold: 4 });
  });

  it('fills in the defaults of the keys left out, the least history no more than the window', () => {
    // Act
    const wide = parseContract(contractText(['history: { versions: 90 }']), SOURCE);
    const narrow = parseContract(contractText(['history: { versions: 5 }']), SOURCE);

    // Assess
    expect(wide.history).toEqual({ versions: 90, minVersions: 10, threshold: 3.5 });
    expect(narrow.history).toEqual({ versions: 5, minVersions: 5, threshold: 3.5 });
  });

  it.each([
    [
      'a least history longer than the window',
      ['history:', '  versions: 20', '  min_versions: 25'],
      'line 10: history.min_versions: 25 exceeds versions (20): the history would never be long enough',
    ],
    [
      'a window of 2',
      ['history:', '  versions: 2'],
      "line 9: history.versions: '2': Too small: expected number to be >=3",
    ],
    [
      'a window beyond a year',
      ['history:', '  versions: 400'],
      "line 9: history.versions: '400': Too big: expected number to be <=365",
    ],
    ['a fractional window', ['history:', '  versions: 7.5'], "line 9: history.versions: '7.5' is not an int"],
    [
      'a threshold below 1',
      ['history:', '  threshold: 0.5'],
      "line 9: history.threshold: '0.5': Too small: expected number to be >=1",
    ],
    ['an unknown key', ['history:', '  window: 30'], "line 9: history.window: unknown key 'window'"],
  ])('refuses %s, naming the line and key', (_what, append, message) => {
    // Act
    const error = parseFailure(contractText(append));

    // Assess
    expect(error.source).toBe(SOURCE);
    expect(error.message).toBe(`${SOURCE}: ${message}`);
  });
});
