/**
 * ColumnMetrics, the mergeable state of one column: counts, moments, min/max, distinct values
 * exact up to a bound and then a HyperLogLog estimate, top values and string lengths, and a JSON
 * form that restores the same state (partition states travel through S3 as JSON).
 */
import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { columnCodec, NOT_CONFORMING } from '../../../../lambdas/core/contracts/typed-values';
import {
  ColumnMetrics,
  DEFAULT_EXACT_DISTINCT_BOUND,
  type ColumnMetricsJson,
} from '../../../../lambdas/core/metrics/column-metrics';
import { hash53, HyperLogLog } from '../../../../lambdas/core/metrics/hyperloglog';
import { seededRandom } from '../../../fixtures/seeded-random';

/** Seeded uniform integers in [0, n). */
function random(seed: number): (n: number) => number {
  const next = seededRandom(seed);
  return (n) => Math.floor(next() * n);
}

/** Metrics of text cells as the engine feeds them: null, non-conforming, or a typed value. */
function metricsOf(
  column: ColumnSpec,
  cells: readonly (string | null)[],
  bound = DEFAULT_EXACT_DISTINCT_BOUND,
): ColumnMetrics {
  const codec = columnCodec(column);
  const m = new ColumnMetrics(column, bound);
  for (const cell of cells) {
    if (cell === null) {
      m.addNull();
      continue;
    }
    const v = codec.parse(cell);
    if (v === NOT_CONFORMING) m.addNonConforming();
    else m.add(v);
  }
  return m;
}

function roundTrip(
  column: ColumnSpec,
  m: ColumnMetrics,
  bound = DEFAULT_EXACT_DISTINCT_BOUND,
): ColumnMetrics {
  return ColumnMetrics.fromJSON(column, JSON.parse(JSON.stringify(m.toJSON())) as ColumnMetricsJson, bound);
}

const FLOAT: ColumnSpec = { name: 'amount', type: 'float64', nullable: true };
const TEXT: ColumnSpec = { name: 'city', type: 'string', nullable: true };
const DECIMAL: ColumnSpec = { name: 'price', type: 'decimal', nullable: true, precision: 8, scale: 2 };
const TIMESTAMP: ColumnSpec = { name: 'at', type: 'timestamp', nullable: true, unit: 'us', zone: 'UTC' };
const INT64: ColumnSpec = { name: 'id', type: 'int64', nullable: false };

describe('ColumnMetrics', () => {
  it('adds a value repeated as many single adds would, before and past the exact bound', () => {
    // Prepare: runs of values, some repeated, some not ASCII, crossing a bound of 3 distinct values
    const column: ColumnSpec = { name: 's', type: 'string', nullable: true };
    const runs: [string, number][] = [
      ['b', 3],
      ['😀 é', 2],
      ['a', 1],
      ['b', 4],
      ['日本語', 5],
      ['', 2],
      ['a', 7],
    ];
    for (const bound of [3, DEFAULT_EXACT_DISTINCT_BOUND]) {
      const one = new ColumnMetrics(column, bound);
      const repeated = new ColumnMetrics(column, bound);

      // Act
      for (const [v, times] of runs) {
        for (let k = 0; k < times; k++) one.addString(v);
        repeated.addStringRepeated(v, times);
      }

      // Assess
      expect(repeated.toJSON()).toEqual(one.toJSON());
      expect(repeated.profile()).toEqual(one.profile());
      expect(repeated.distinct().exact).toBe(bound === DEFAULT_EXACT_DISTINCT_BOUND);
    }
  });

  it('counts values, nulls and non-conforming values, and profiles numbers', () => {
    // Act
    const p = metricsOf(FLOAT, ['1', '2', null, '3', 'abc', '4']).profile();

    // Assess
    expect(p).toMatchObject({
      name: 'amount',
      type: 'float64',
      count: 6,
      nulls: 1,
      nullRate: 1 / 6,
      nonConforming: 1,
      min: '1',
      max: '4',
      mean: 2.5,
    });
    expect(p.stddev).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(p.quantiles?.p50).toBeCloseTo(2, 1);
    expect(p.histogram?.reduce((n, b) => n + b.count, 0)).toBe(4);
  });

  it('reads decimals at their scale and keeps their canonical text', () => {
    // Act
    const p = metricsOf(DECIMAL, ['1.50', '2.5', '10']).profile();

    // Assess
    expect(p).toMatchObject({ min: '1.50', max: '10.00' });
    expect(p.mean).toBeCloseTo(14 / 3, 12);
    expect(p.top?.map((t) => t.value).sort()).toEqual(['1.50', '10.00', '2.50']);
  });

  it('orders timestamps by instant, not by text', () => {
    // Act
    const p = metricsOf(TIMESTAMP, [
      '2024-01-01T01:00:00+02:00',
      '2024-01-01T00:00:00Z',
      '2023-12-31T23:30:00Z',
    ]).profile();

    // Assess
    expect(p.min).toBe('2023-12-31T23:00:00Z');
    expect(p.max).toBe('2024-01-01T00:00:00Z');
    expect(p.mean).toBeUndefined();
  });

  it('orders int64 values beyond 2^53 exactly', () => {
    // Act
    const p = metricsOf(INT64, ['9007199254740993', '9007199254740992', '-9223372036854775808']).profile();

    // Assess
    expect(p.min).toBe('-9223372036854775808');
    expect(p.max).toBe('9007199254740993');
  });

  it('keeps NaN out of the moments and the quantiles but counts it as a distinct value', () => {
    // Act
    const p = metricsOf(FLOAT, ['1', 'NaN', '3', 'NaN']).profile();

    // Assess
    expect(p.mean).toBe(2);
    expect(p.distinct).toEqual({ value: 3, exact: true, relativeError: 0 });
    expect(p.top).toContainEqual({ value: 'NaN', count: 2 });
  });

  describe('distinct values', () => {
    it('counts exactly up to the bound', () => {
      // Prepare
      const cells = Array.from({ length: 200 }, (_, i) => `c${i % 100}`);

      // Act
      const distinct = metricsOf(TEXT, cells, 100).distinct();

      // Assess
      expect(distinct).toEqual({ value: 100, exact: true, relativeError: 0 });
    });

    it('estimates with HyperLogLog one value past the bound, stating the error', () => {
      // Prepare
      const cells = Array.from({ length: 101 }, (_, i) => `c${i}`);

      // Act
      const m = metricsOf(TEXT, cells, 100);

      // Assess
      expect(m.distinct()).toEqual({ value: 101, exact: false, relativeError: HyperLogLog.relativeError });
      expect(m.profile().top).toBeUndefined();
    });

    it('estimates within 3 standard errors far past the bound', () => {
      // Prepare
      const cells = Array.from({ length: 50_000 }, (_, i) => String(i));

      // Act
      const { value, exact } = metricsOf(INT64, cells, 1000).distinct();

      // Assess
      expect(exact).toBe(false);
      expect(Math.abs(value - 50_000) / 50_000).toBeLessThanOrEqual(3 * HyperLogLog.relativeError);
    });

    it('merges exact partitions exactly and crosses the bound when the union does', () => {
      // Prepare
      const a = metricsOf(TEXT, ['x', 'y', 'z'], 4);
      const b = metricsOf(TEXT, ['z', 'w'], 4);
      const c = metricsOf(TEXT, ['v'], 4);

      // Act
      a.merge(b);
      const afterB = a.distinct();
      a.merge(c);

      // Assess
      expect(afterB).toEqual({ value: 4, exact: true, relativeError: 0 });
      expect(a.distinct()).toMatchObject({ value: 5, exact: false });
    });

    it('merges partitions into the one-pass state, JSON included', () => {
      // Prepare
      const cells = Array.from({ length: 3000 }, (_, i) => (i % 17 === 0 ? null : String((i * 7919) % 1500)));
      const whole = metricsOf(INT64, cells, 1000);
      const parts = [cells.slice(0, 500), cells.slice(500, 2100), cells.slice(2100)].map((p) =>
        metricsOf(INT64, p, 1000),
      );

      // Act
      const merged = roundTrip(INT64, parts[0]!, 1000);
      for (const p of parts.slice(1)) merged.merge(roundTrip(INT64, p, 1000));

      // Assess
      const { mean, m2, ...exactPart } = merged.toJSON();
      const { mean: wholeMean, m2: wholeM2, ...wholeExact } = whole.toJSON();
      expect(exactPart).toEqual(wholeExact);
      expect(Number(mean)).toBeCloseTo(Number(wholeMean), 9);
      expect(Number(m2) / Number(wholeM2)).toBeCloseTo(1, 9);
    });
  });

  describe('top values', () => {
    it('lists the most frequent values first, ties by value, at most 10', () => {
      // Prepare
      const cells = [
        'b',
        'a',
        'c',
        'a',
        'b',
        'a',
        ...Array.from({ length: 12 }, (_, i) => `z${String(i).padStart(2, '0')}`),
      ];

      // Act
      const top = metricsOf(TEXT, cells).profile().top;

      // Assess
      expect(top).toHaveLength(10);
      expect(top?.slice(0, 4)).toEqual([
        { value: 'a', count: 3 },
        { value: 'b', count: 2 },
        { value: 'c', count: 1 },
        { value: 'z00', count: 1 },
      ]);
    });

    it('counts equal typed values together whatever their text', () => {
      // Act
      const top = metricsOf({ name: 'flag', type: 'boolean', nullable: true }, [
        'true',
        'TRUE',
        '1',
        'false',
      ]).profile().top;

      // Assess
      expect(top).toEqual([
        { value: 'true', count: 3 },
        { value: 'false', count: 1 },
      ]);
    });

    it('leaves top values out of a column with only nulls', () => {
      // Act
      const p = metricsOf(TEXT, [null, null]).profile();

      // Assess
      expect(p.top).toBeUndefined();
      expect(p.nullRate).toBe(1);
    });
  });

  describe('string lengths', () => {
    it('records the shortest and longest string', () => {
      // Act
      const p = metricsOf(TEXT, ['Oslo', 'Rio', null, 'Amsterdam', '']).profile();

      // Assess
      expect(p.length).toEqual({ min: 0, max: 9 });
    });

    it('has no length for non-string columns', () => {
      // Act
      const p = metricsOf(FLOAT, ['1']).profile();

      // Assess
      expect(p.length).toBeUndefined();
    });
  });

  describe('JSON round trip', () => {
    it.each([
      ['float64', FLOAT, ['1.5', '-2', null, 'abc', '0', '1e100', 'inf']],
      ['string', TEXT, ['a', 'bb', null, 'a', 'ccc']],
      ['decimal', DECIMAL, ['1.50', '-0.01', '999999.99', null]],
      ['timestamp', TIMESTAMP, ['2024-01-01T00:00:00.000001Z', '1969-12-31T23:59:59Z', null]],
      ['int64', INT64, ['9223372036854775807', '-1', '0']],
      ['empty', TEXT, []],
    ] as const)('restores the same %s state', (_name, column, cells) => {
      // Prepare
      const m = metricsOf(column, cells);

      // Act
      const back = roundTrip(column, m);

      // Assess
      expect(back.toJSON()).toEqual(m.toJSON());
      expect(back.profile()).toEqual(m.profile());
    });

    it('restores an estimated state, registers and all', () => {
      // Prepare
      const m = metricsOf(
        TEXT,
        Array.from({ length: 500 }, (_, i) => `v${i}`),
        50,
      );

      // Act
      const back = roundTrip(TEXT, m, 50);

      // Assess
      expect(back.toJSON()).toEqual(m.toJSON());
      expect(back.distinct()).toEqual(m.distinct());
      expect(back.distinct().exact).toBe(false);
    });
  });

  describe('ASCII text from bytes (addAsciiText)', () => {
    /** The values' states through addString (the reference) and addAsciiText over their bytes. */
    function bothStates(values: readonly string[], bound = DEFAULT_EXACT_DISTINCT_BOUND): [string, string] {
      const bytes = Buffer.from(values.join(''), 'latin1');
      const viaString = new ColumnMetrics(TEXT, bound);
      const viaBytes = new ColumnMetrics(TEXT, bound);
      let s = 0;
      for (const v of values) {
        viaString.addString(v);
        viaBytes.addAsciiText(bytes, s, s + v.length);
        s += v.length;
      }
      return [JSON.stringify(viaString.toJSON()), JSON.stringify(viaBytes.toJSON())];
    }

    it('leaves the state of addString for a few values repeated many times', () => {
      // Arrange: 8 categories, the empty string among them, in a seeded order
      const categories = ['home', 'sports', 'fashion', 'toys', 'garden', 'books', '', 'electronics'];
      const next = random(7);
      const values = Array.from({ length: 20_000 }, () => categories[next(categories.length)]!);

      // Act
      const [viaString, viaBytes] = bothStates(values);

      // Assert
      expect(viaBytes).toBe(viaString);
    });

    it('leaves the state of addString for values whose hashes share the cache slot', () => {
      // Arrange: strings whose hash53 agree in the low 8 bits (one slot of 256), interleaved
      const sameSlot: string[] = [];
      for (let i = 0; sameSlot.length < 12; i++) if ((hash53(`v${i}`) & 255) === 17) sameSlot.push(`v${i}`);
      const next = random(11);
      const values = Array.from({ length: 5_000 }, () => sameSlot[next(sameSlot.length)]!);

      // Act
      const [viaString, viaBytes] = bothStates(values);

      // Assert
      expect(viaBytes).toBe(viaString);
    });

    it('leaves the state of addString across the exact bound into the HyperLogLog', () => {
      // Arrange: repeats of a few values, then more distinct values than the bound, then repeats
      const next = random(13);
      const values: string[] = [];
      for (let i = 0; i < 3_000; i++) values.push(`c${next(300)}`);
      for (let i = 0; i < 1_500; i++) values.push(`user${next(5_000)}@example.com`, `c${next(300)}`);

      // Act
      const [viaString, viaBytes] = bothStates(values, 1_000);
      const [exactString, exactBytes] = bothStates(values.slice(0, 3_000), 1_000);

      // Assert
      expect(JSON.parse(viaBytes)).toMatchObject({ counts: null });
      expect(viaBytes).toBe(viaString);
      expect(JSON.parse(exactBytes)).toMatchObject({ hll: null });
      expect(exactBytes).toBe(exactString);
    });

    it('leaves the state of addString for seeded random ASCII text (property)', () => {
      // Arrange: runs of random printable ASCII from small alphabets, so values repeat
      for (let seed = 1; seed <= 40; seed++) {
        const next = random(seed);
        const alphabet = next(4) + 2;
        const values = Array.from({ length: 500 + next(1_500) }, () =>
          String.fromCharCode(...Array.from({ length: next(4) }, () => 32 + next(alphabet) * 19)),
        );

        // Act
        const [viaString, viaBytes] = bothStates(values, 50 + next(200));

        // Assert
        expect(viaBytes).toBe(viaString);
      }
    });

    /**
     * One cell for a ColumnMetrics the way the engine may feed it: an ASCII value through
     * addAsciiText (over its bytes) or addString, any other value through addString.
     */
    function feed(m: ColumnMetrics, v: string, viaBytes: boolean): void {
      // Only ASCII text has one UTF-8 byte per UTF-16 unit.
      if (viaBytes && Buffer.byteLength(v) === v.length) {
        const bytes = Buffer.from(`<${v}>`, 'latin1');
        m.addAsciiText(bytes, 1, 1 + v.length);
      } else m.addString(v);
    }

    it('leaves the state of addString for values sharing a cache slot (same length, first, middle and last byte)', () => {
      // Arrange: 5-character values alike at the bytes that choose the slot, interleaved
      const alike = ['aXcYe', 'aYcXe', 'aZcZe', 'a0c1e', 'a1c0e', 'a-c-e'];
      const next = random(19);
      const values = Array.from({ length: 5_000 }, () => alike[next(alike.length)]!);

      // Act
      const [viaString, viaBytes] = bothStates(values);

      // Assert
      expect(viaBytes).toBe(viaString);
    });

    it('profiles and merges as addString when repeats are still held in the cache', () => {
      // Arrange: two partitions of categories (one with non-ASCII values through addString)
      const categories = ['home', 'sports', 'toys', 'café', 'books', '', 'garden'];
      const next = random(23);
      const first = Array.from({ length: 3_000 }, () => categories[next(categories.length)]!);
      const second = Array.from({ length: 2_000 }, () => categories[next(4)]!);
      const reference = [new ColumnMetrics(TEXT), new ColumnMetrics(TEXT)];
      const bytes = [new ColumnMetrics(TEXT), new ColumnMetrics(TEXT)];
      for (const v of first) {
        feed(reference[0]!, v, false);
        feed(bytes[0]!, v, true);
      }
      for (const v of second) {
        feed(reference[1]!, v, false);
        feed(bytes[1]!, v, true);
      }

      // Act: profile first (its top values read the counts), then merge a held state into another
      const profiled = [bytes[0]!.profile(), reference[0]!.profile()];
      for (const v of second) {
        feed(reference[0]!, v, false);
        feed(bytes[0]!, v, true);
      }
      const intoString = roundTrip(TEXT, reference[0]!);
      intoString.merge(bytes[1]!);
      bytes[0]!.merge(bytes[1]!);
      reference[0]!.merge(reference[1]!);

      // Assert
      expect(profiled[0]).toEqual(profiled[1]);
      expect(bytes[0]!.profile()).toEqual(reference[0]!.profile());
      expect(JSON.stringify(bytes[0]!.toJSON())).toBe(JSON.stringify(reference[0]!.toJSON()));
      expect(JSON.stringify(intoString.toJSON())).toBe(JSON.stringify(reference[0]!.toJSON()));
    });

    it('leaves the state of addString at the exact bound and one value past it, repeats held', () => {
      // Arrange: 100 distinct values repeated, then the 101st (bound 100)
      const next = random(29);
      const atBound = Array.from({ length: 4_000 }, (_, i) => `k${i < 100 ? i : next(100)}`);
      const pastBound = [...atBound, 'k100', ...atBound.slice(0, 50)];

      // Act
      const [atString, atBytes] = bothStates(atBound, 100);
      const [pastString, pastBytes] = bothStates(pastBound, 100);

      // Assert
      expect(JSON.parse(atBytes)).toMatchObject({ hll: null });
      expect(atBytes).toBe(atString);
      expect(JSON.parse(pastBytes)).toMatchObject({ counts: null });
      expect(pastBytes).toBe(pastString);
    });

    it('leaves addString’s state for seeded mixes of bytes, strings, snapshots and merges (property)', () => {
      for (let seed = 1; seed <= 30; seed++) {
        // Arrange: values from a small pool (ASCII and not), fed through either entry point
        const next = random(1_000 + seed);
        const pool = Array.from({ length: 2 + next(40) }, (_, i) =>
          next(8) === 0
            ? `é${i}`
            : String.fromCharCode(...Array.from({ length: next(6) }, () => 97 + next(3))),
        );
        const bound = 5 + next(60);
        const reference = new ColumnMetrics(TEXT, bound);
        const mixed = new ColumnMetrics(TEXT, bound);
        const snapshots: [string, string][] = [];

        // Act: a JSON snapshot now and then, and a partition merged in now and then
        for (let i = 0; i < 1_500; i++) {
          const v = pool[next(pool.length)]!;
          feed(reference, v, false);
          feed(mixed, v, next(5) !== 0);
          const r = next(200);
          if (r === 0) snapshots.push([JSON.stringify(mixed.toJSON()), JSON.stringify(reference.toJSON())]);
          else if (r === 1) {
            const part = Array.from({ length: next(300) }, () => pool[next(pool.length)]!);
            const refPart = new ColumnMetrics(TEXT, bound);
            const bytesPart = new ColumnMetrics(TEXT, bound);
            for (const p of part) {
              feed(refPart, p, false);
              feed(bytesPart, p, true);
            }
            reference.merge(refPart);
            mixed.merge(bytesPart);
          }
        }
        snapshots.push([JSON.stringify(mixed.toJSON()), JSON.stringify(reference.toJSON())]);

        // Assert
        for (const [got, want] of snapshots) expect(got).toBe(want);
      }
    });
  });

  describe('batches of values (addNumbers, addTimestampCounts)', () => {
    /**
     * The states of the values added one by one (the reference) and in batches cut at `cuts`
     * (ascending indices; repeats give empty batches), the batches read from the middle of a larger
     * array. `before` runs on both first (e.g. a bigint minimum, nulls).
     */
    function bothStates(
      column: ColumnSpec,
      values: readonly number[],
      cuts: readonly number[],
      batch: (m: ColumnMetrics, a: Float64Array, from: number, to: number) => void,
      single: (m: ColumnMetrics, v: number) => void,
      bound = DEFAULT_EXACT_DISTINCT_BOUND,
      before: (m: ColumnMetrics) => void = () => {},
    ): [string, string] {
      const one = new ColumnMetrics(column, bound);
      const many = new ColumnMetrics(column, bound);
      before(one);
      before(many);
      for (const v of values) single(one, v);
      const array = new Float64Array(values.length + 6).fill(123.5);
      array.set(values, 3);
      let from = 0;
      for (const cut of [...cuts, values.length]) {
        batch(many, array, 3 + from, 3 + cut);
        from = cut;
      }
      return [JSON.stringify(one.toJSON()), JSON.stringify(many.toJSON())];
    }

    const numbers = (m: ColumnMetrics, a: Float64Array, from: number, to: number): void =>
      m.addNumbers(a, from, to);
    const number = (m: ColumnMetrics, v: number): void => m.addNumber(v);
    const counts = (m: ColumnMetrics, a: Float64Array, from: number, to: number): void =>
      m.addTimestampCounts(a, from, to);
    const count = (m: ColumnMetrics, v: number): void => m.addTimestampCount(v);

    const EDGES = [
      NaN,
      0,
      -0,
      Infinity,
      -Infinity,
      1e-10,
      -1e-10,
      1e-9,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      2 ** 53 + 2,
      -42.5,
      0.1,
      7,
      NaN,
      7,
      -0,
    ];

    it('leaves addNumber’s state for edge values, whole, cut and in empty batches', () => {
      // Arrange
      const cuts = [0, 0, 3, 3, 4, 11, 19];

      // Act
      const whole = bothStates(FLOAT, EDGES, [], numbers, number);
      const cut = bothStates(FLOAT, EDGES, cuts, numbers, number);
      const integers = EDGES.filter(Number.isSafeInteger);
      const int64 = bothStates(INT64, integers, [0, 2, 2, integers.length], numbers, number);

      // Assert
      expect(whole[1]).toBe(whole[0]);
      expect(cut[1]).toBe(cut[0]);
      expect(int64[1]).toBe(int64[0]);
      expect(JSON.parse(whole[1])).toMatchObject({ count: EDGES.length, hll: null });
    });

    it('compares with a bigint minimum and maximum already held (int64 past 2^53) as addNumber does', () => {
      // Arrange: an int64 column that has seen values beyond 2^53 either side, and nulls
      const before = (m: ColumnMetrics): void => {
        m.add(-(2n ** 63n));
        m.add(2n ** 62n + 1n);
        m.addNull();
        m.addNonConforming();
      };
      const values = [5, -(2 ** 53 - 1), 2 ** 53 - 1, 0, 12];

      // Act
      const [one, many] = bothStates(INT64, values, [2], numbers, number, 100, before);

      // Assert
      expect(many).toBe(one);
      expect(JSON.parse(many)).toMatchObject({ min: '-9223372036854775808', max: '4611686018427387905' });
    });

    it('crosses the exact bound into the HyperLogLog mid-batch as addNumber does', () => {
      // Arrange: repeats, then more distinct values than the bound, NaN and ±0 among them
      const next = random(3);
      const values: number[] = [];
      for (let i = 0; i < 500; i++) values.push(next(40));
      for (let i = 0; i < 3_000; i++)
        values.push(next(10) === 0 ? EDGES[next(EDGES.length)]! : next(1e9) / 8);

      // Act
      const [one, many] = bothStates(FLOAT, values, [100, 700, 700, 2_900], numbers, number, 1_000);
      const [exactOne, exactMany] = bothStates(FLOAT, values.slice(0, 500), [250], numbers, number, 1_000);

      // Assert
      expect(JSON.parse(many)).toMatchObject({ counts: null });
      expect(many).toBe(one);
      expect(JSON.parse(exactMany)).toMatchObject({ hll: null });
      expect(exactMany).toBe(exactOne);
    });

    it('leaves addTimestampCount’s state, before and past the exact bound', () => {
      // Arrange: counts either side of the epoch, the safe extremes, years 1 and 9999 in ms, repeats
      const next = random(5);
      const edges = [0, -1, 1, -(2 ** 53 - 1), 2 ** 53 - 1, -62_135_596_800_000, 253_402_300_799_999];
      const values: number[] = [];
      for (let i = 0; i < 4_000; i++)
        values.push(next(5) === 0 ? edges[next(edges.length)]! : 1_767_225_600_000_000 + next(2 ** 30) * 1e6);

      // Act
      const [one, many] = bothStates(TIMESTAMP, values, [0, 1, 1_000, 1_000, 3_999], counts, count, 1_000);
      const [exactOne, exactMany] = bothStates(TIMESTAMP, edges, [2], counts, count);

      // Assert
      expect(JSON.parse(many)).toMatchObject({ counts: null });
      expect(many).toBe(one);
      expect(JSON.parse(exactMany)).toMatchObject({ hll: null, count: edges.length });
      expect(exactMany).toBe(exactOne);
    });

    it('leaves addNumber’s state for seeded random values cut at random points (property)', () => {
      for (let seed = 1; seed <= 40; seed++) {
        // Arrange: integers or floats from a small or a large range, edges mixed in
        const next = random(seed);
        const range = [10, 1_000, 2 ** 40][next(3)]!;
        const floats = next(2) === 0;
        const values = Array.from({ length: next(3_000) }, () =>
          next(20) === 0 ? EDGES[next(EDGES.length)]! : (next(range) - range / 2) / (floats ? 100 : 1),
        );
        const cuts = Array.from({ length: next(6) }, () => next(values.length + 1)).sort((a, b) => a - b);
        const bound = 20 + next(1_000);

        // Act
        const [one, many] = bothStates(FLOAT, values, cuts, numbers, number, bound);

        // Assert
        expect(many).toBe(one);
      }
    });
  });
});
