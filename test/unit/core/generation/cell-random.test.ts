import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CellRandom, mix32 } from '../../../../lambdas/core/generation/cell-random';

const TWO_32 = 4294967296;

/** The stream state of a row as the generator defines it: the row's low and high 32 bits, mixed. */
function referenceState(key: number, row: number): number {
  const low = row % TWO_32;
  const high = (row - low) / TWO_32;
  return mix32(key ^ mix32(low ^ mix32(high + 0x632be5ab)));
}

/** The first draw of the stream at a state (what nextU32 does after at()). */
function firstDraw(state: number): number {
  return mix32((state + 0x9e3779b9) | 0);
}

describe('CellRandom.at', () => {
  it('positions the stream on rows around 2^32 and up to 2^53 as the row-split definition does', () => {
    // Arrange
    const key = 0x5bd1e995;
    const rows = [
      0,
      1,
      TWO_32 - 2,
      TWO_32 - 1,
      TWO_32,
      TWO_32 + 1,
      2 * TWO_32 - 1,
      2 ** 40 + 12345,
      Number.MAX_SAFE_INTEGER - 1,
      Number.MAX_SAFE_INTEGER,
    ];
    const rand = new CellRandom(key);

    for (const row of rows) {
      // Act
      const drawn = rand.at(row).nextU32();

      // Assert
      expect(drawn).toBe(firstDraw(referenceState(key, row)));
    }
  });

  it('draws the same first numbers as the row-split definition for any key and row', () => {
    // Arrange
    const cases = fc.tuple(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.maxSafeNat()),
    );

    // Act + Assert
    fc.assert(
      fc.property(cases, ([key, row]) => {
        expect(new CellRandom(key).at(row).nextU32()).toBe(firstDraw(referenceState(key, row)));
      }),
      { numRuns: 2000, seed: 20261207 },
    );
  });
});
