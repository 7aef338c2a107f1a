/**
 * HyperLogLog: estimates within the stated error (1.04/√m ≈ 0.81% per standard error) and merges
 * that equal one pass register for register, so partitions combine into the same sketch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hash53,
  hashNumber,
  hashValue,
  HLL_PRECISION,
  HyperLogLog,
} from '../../../../lambdas/core/metrics/hyperloglog';

function sketchOf(values: Iterable<string | number>): HyperLogLog {
  const h = new HyperLogLog();
  for (const v of values) h.addValue(v);
  return h;
}

function* range(n: number, map: (i: number) => string | number): Generator<string | number> {
  for (let i = 0; i < n; i++) yield map(i);
}

describe('HyperLogLog', () => {
  it('states its standard error as 1.04/√(2^14)', () => {
    // Assess
    expect(HyperLogLog.relativeError).toBeCloseTo(1.04 / Math.sqrt(2 ** HLL_PRECISION), 12);
    expect(HyperLogLog.relativeError).toBeCloseTo(0.008125, 6);
  });

  it.each([1e3, 1e4, 1e5])('estimates %d distinct strings within 3 standard errors', (n) => {
    // Prepare
    const h = sketchOf(range(n, (i) => `customer-${i}@example.com`));

    // Act
    const estimate = h.estimate();

    // Assess
    expect(Math.abs(estimate - n) / n).toBeLessThanOrEqual(3 * HyperLogLog.relativeError);
  });

  it.each([1e3, 1e4, 1e5])('estimates %d distinct numbers within 3 standard errors', (n) => {
    // Prepare
    const h = sketchOf(range(n, (i) => i * 0.25 - 1000));

    // Act
    const estimate = h.estimate();

    // Assess
    expect(Math.abs(estimate - n) / n).toBeLessThanOrEqual(3 * HyperLogLog.relativeError);
  });

  it('does not count repeats', () => {
    // Prepare
    const once = sketchOf(range(5000, (i) => `k${i}`));
    const thrice = sketchOf(range(15000, (i) => `k${i % 5000}`));

    // Act
    const estimates = [once.estimate(), thrice.estimate()];

    // Assess
    expect(estimates[1]).toBe(estimates[0]);
    expect(thrice.registers).toEqual(once.registers);
  });

  it('estimates 0 when empty and small counts exactly', () => {
    // Act
    const estimates = [
      new HyperLogLog().estimate(),
      sketchOf(['a']).estimate(),
      sketchOf(['a', 'b', 'c']).estimate(),
    ];

    // Assess
    expect(estimates).toEqual([0, 1, 3]);
  });

  it('merges partitions into exactly the registers of one pass', () => {
    // Prepare
    const values = [...range(30_000, (i) => (i % 3 === 0 ? i : `v${i}`))];
    const whole = sketchOf(values);
    const parts = [values.slice(0, 7000), values.slice(7000, 22_000), values.slice(22_000)].map(sketchOf);

    // Act
    const merged = new HyperLogLog();
    for (const p of parts) merged.merge(p);

    // Assess
    expect(merged.registers).toEqual(whole.registers);
    expect(merged.estimate()).toBe(whole.estimate());
  });

  it('merges any split of any values, in any order, into the one-pass registers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.double({ noNaN: true }), fc.integer()), { maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (values, cutsRaw) => {
          // Prepare
          const cuts = [...new Set(cutsRaw.map((c) => (values.length === 0 ? 0 : c % values.length)))].sort(
            (a, b) => a - b,
          );
          const bounds = [0, ...cuts, values.length];
          const parts = bounds.slice(1).map((end, i) => sketchOf(values.slice(bounds[i], end)));

          // Act: merge in reverse order
          const merged = new HyperLogLog();
          for (const p of parts.reverse()) merged.merge(p);

          // Assess
          // (registers compared through their base64 form: a 16 KiB deep-equal per run is slow)
          expect(merged.toJSON()).toBe(sketchOf(values).toJSON());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('survives a JSON round trip register for register', () => {
    // Prepare
    const h = sketchOf(range(2000, (i) => `x${i}`));

    // Act
    const back = HyperLogLog.fromJSON(JSON.parse(JSON.stringify(h.toJSON())) as string);

    // Assess
    expect(back.registers).toEqual(h.registers);
    expect(back.estimate()).toBe(h.estimate());
  });

  it('hashes 0 and -0 alike, and numbers apart from their text', () => {
    // Assess
    expect(hashNumber(-0)).toBe(hashNumber(0));
    expect(hashValue(1)).not.toBe(hashValue('1'));
    expect(hashValue(true)).not.toBe(hashValue('true'));
    expect(hashValue(5n)).not.toBe(hashValue('5'));
  });

  it('adds a number through addNumber into the registers addValue gives it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, NaN)), { maxLength: 300 }),
        (values) => {
          // Prepare
          const viaValue = new HyperLogLog();
          const viaNumber = new HyperLogLog();

          // Act
          for (const v of values) {
            viaValue.addValue(v);
            viaNumber.addNumber(v);
          }

          // Assess
          expect(viaNumber.toJSON()).toBe(viaValue.toJSON());
        },
      ),
      { seed: 20261207, numRuns: 200 },
    );
  });

  describe('safe integers hash as the text of their bigint', () => {
    /** Safe integers at every digit count and at the 10^4 / 10^8 splits, both signs. */
    function edgeIntegers(): number[] {
      const out = [0, -0, 1, -1, 9, 10, 99, 100, 101, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
      for (let p = 1; p <= 15; p++) {
        const ten = 10 ** p;
        out.push(ten - 1, ten, ten + 1, 2 * ten - 1, 5 * ten + 7);
      }
      for (const base of [1e4, 1e8, 1e12]) for (let d = -3; d <= 3; d++) out.push(base * 37 + d);
      out.push(100_000_000 * 12_345 + 6_789, 1_780_000_000_000_000, 1_000_000_000_000_005);
      // 16 digits (hashed in four groups of four): zeros inside and at the ends of each group
      out.push(1_000_000_100_000_001, 1_000_100_010_001_000, 1_234_000_056_780_090, 9_007_000_000_000_099);
      out.push(1_999_999_999_999_999, 1_000_009_999_000_009, 1_767_225_600_000_000, 3_000_000_000_009_900);
      return [...out, ...out.map((n) => -n)];
    }

    it('hashes an edge safe integer as the string bigint:<digits>, through the HLL too', () => {
      // Arrange
      const values = edgeIntegers();
      const viaText = new HyperLogLog();
      const viaNumber = new HyperLogLog();

      // Act
      for (const n of values) {
        viaText.add(`bigint:${BigInt(n)}`);
        viaNumber.addSafeBigint(n);
      }

      // Assert
      for (const n of values) expect(hashValue(BigInt(n))).toBe(hash53(`bigint:${BigInt(n)}`));
      expect(viaNumber.toJSON()).toBe(viaText.toJSON());
    });

    it('hashes seeded random safe integers (timestamps in micro- and milliseconds) as their text', () => {
      // Arrange: magnitudes from 1 to 2^53, like timestamp counts of any unit
      fc.assert(
        fc.property(
          fc.oneof(
            fc.maxSafeInteger(),
            fc.integer({ min: -1e8, max: 1e8 }),
            fc.integer({ min: 1_700_000_000_000_000, max: 1_800_000_000_000_000 }),
            fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
          ),
          (n) => {
            // Act
            const viaText = new HyperLogLog();
            viaText.add(`bigint:${BigInt(n)}`);
            const viaNumber = new HyperLogLog();
            viaNumber.addSafeBigint(n);

            // Assert
            expect(hashValue(BigInt(n))).toBe(hash53(`bigint:${BigInt(n)}`));
            expect(viaNumber.toJSON()).toBe(viaText.toJSON());
          },
        ),
        { seed: 20261207, numRuns: 5_000 },
      );
    });
  });
});
