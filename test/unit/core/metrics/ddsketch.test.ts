/**
 * DDSketch: every quantile within 1% relative error of the exact quantile (the value at rank
 * ⌊q·(n−1)⌋ of the sorted data), and merges that equal one pass bucket for bucket.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSKETCH_RELATIVE_ACCURACY, DDSketch } from '../../../../lambdas/core/metrics/ddsketch';

/** Relative accuracy plus floating-point slack at the bucket edges. */
const TOLERANCE = DDSKETCH_RELATIVE_ACCURACY * (1 + 1e-9);

function sketchOf(values: readonly number[]): DDSketch {
  const s = new DDSketch();
  for (const v of values) s.add(v);
  return s;
}

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1))))]!;
}

function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

/** Seeded uniform numbers in (0, 1) (mulberry32). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

/** Magnitudes the sketch indexes (|v| ≥ 1e-9), either sign, or exactly zero. */
const indexable = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), fc.boolean())
      .map(([v, negative]) => (negative ? -v : v)),
  },
  { weight: 1, arbitrary: fc.constant(0) },
);

describe('DDSketch', () => {
  it('returns every quantile within 1% of the exact one, for any data', () => {
    fc.assert(
      fc.property(
        fc.array(indexable, { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          // Prepare
          const sorted = [...values].sort((a, b) => a - b);

          // Act
          const estimate = sketchOf(values).quantile(q)!;

          // Assess
          expect(relativeError(estimate, exactQuantile(sorted, q))).toBeLessThanOrEqual(TOLERANCE);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['normal', (r: () => number) => 100 + 15 * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r())],
    [
      'log-normal',
      (r: () => number) => Math.exp(3 + 2 * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r())),
    ],
    ['uniform around zero', (r: () => number) => 2000 * r() - 1000],
  ])('returns p0..p100 of 20,000 seeded %s values within 1%', (_name, draw) => {
    // Prepare
    const r = random(20240101);
    const values = Array.from({ length: 20_000 }, () => draw(r));
    const sorted = [...values].sort((a, b) => a - b);
    const s = sketchOf(values);

    // Act
    const errors = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1].map((q) =>
      relativeError(s.quantile(q)!, exactQuantile(sorted, q)),
    );

    // Assess
    expect(Math.max(...errors)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('merges any split into exactly the buckets of one pass', () => {
    fc.assert(
      fc.property(
        fc.array(indexable, { maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (values, cutsRaw) => {
          // Prepare
          const cuts = [...new Set(cutsRaw.map((c) => (values.length === 0 ? 0 : c % values.length)))].sort(
            (a, b) => a - b,
          );
          const bounds = [0, ...cuts, values.length];
          const parts = bounds.slice(1).map((end, i) => sketchOf(values.slice(bounds[i], end)));

          // Act
          const merged = new DDSketch();
          for (const p of parts)
            merged.merge(
              DDSketch.fromJSON(JSON.parse(JSON.stringify(p.toJSON())) as ReturnType<DDSketch['toJSON']>),
            );

          // Assess
          expect(merged.toJSON()).toEqual(sketchOf(values).toJSON());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is empty (no quantile) until a finite value is added', () => {
    // Prepare
    const s = sketchOf([NaN, Infinity, -Infinity]);

    // Act
    const before = s.quantile(0.5);
    s.add(42);

    // Assess
    expect(before).toBeUndefined();
    expect(s.count).toBe(1);
    expect(relativeError(s.quantile(0.5)!, 42)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('counts values closer to zero than 1e-9 as zero', () => {
    // Prepare
    const s = sketchOf([1e-12, -1e-10, 0, 5]);

    // Act
    const median = s.quantile(0.5);

    // Assess
    expect(s.zeros).toBe(3);
    expect(median).toBe(0);
  });

  it('orders negative values before zero and positive values', () => {
    // Prepare
    const s = sketchOf([-100, -1, 0, 1, 100]);

    // Act
    const quantiles = [0, 0.25, 0.5, 0.75, 1].map((q) => s.quantile(q)!);

    // Assess
    [-100, -1, 0, 1, 100].forEach((exact, i) =>
      expect(relativeError(quantiles[i]!, exact)).toBeLessThanOrEqual(TOLERANCE),
    );
  });
});
