import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type {
  ColumnSpec,
  ColumnType,
  TimestampUnit,
} from '../../../../lambdas/core/contracts/output-contract';
import {
  civilFromDays,
  columnCodec,
  daysFromCivil,
  formatDate,
  formatTimestamp,
  NOT_CONFORMING,
  parseTimestamp,
  type TypedValue,
} from '../../../../lambdas/core/contracts/typed-values';

const TYPED_VALUES_MODULE = fileURLToPath(
  new URL('../../../../lambdas/core/contracts/typed-values.ts', import.meta.url),
);

function column(type: ColumnType, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name: 'c', type, nullable: true, ...extra };
}

function parse(type: ColumnType, raw: unknown, extra: Partial<ColumnSpec> = {}): unknown {
  return columnCodec(column(type, extra)).parse(raw);
}

/** Microseconds since the epoch of a UTC wall-clock time, from Date.UTC (a test oracle only). */
function utcMicros(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, micros = 0): bigint {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return BigInt(date.getTime()) * 1000n + BigInt(micros);
}

describe('columnCodec', () => {
  describe('string', () => {
    it.each(['', ' ', ' padded ', 'hello', '1', 'Zoë 🌍', '"quoted"', 'a,b\nc'])(
      'returns %j unchanged',
      (raw) => {
        // Prepare: the raw text

        // Act
        const value = parse('string', raw);

        // Assess
        expect(value).toBe(raw);
      },
    );

    it.each([1, 1n, true])('rejects the native value %s: a string column holds text only', (raw) => {
      // Prepare: a value from a typed format

      // Act + Assess
      expect(parse('string', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('int32', () => {
    it.each([
      ['0', 0],
      ['42', 42],
      ['-42', -42],
      ['+7', 7],
      ['007', 7],
      [' 12 ', 12],
      ['2147483647', 2147483647],
      ['-2147483648', -2147483648],
    ])('accepts %j as %d', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('int32', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([
      '2147483648',
      '-2147483649',
      '99999999999999999999',
      '1.0',
      '1e3',
      '',
      '+',
      '-',
      '0x10',
      '--1',
      '1 2',
      'one',
      '١٢',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('int32', raw)).toBe(NOT_CONFORMING);
    });

    it('reads -0 as zero, with the canonical text 0', () => {
      // Prepare: int32 keeps a native -0 (JSON.parse('-0')) and ' -0 ' as -0, int64 folds them into 0
      // (reported); the canonical text, which the checksums use, is '0' either way.
      const raws = ['-0', ' -0 ', -0];

      // Act
      const int32 = raws.map((raw) => parse('int32', raw) as number);
      const int64 = raws.map((raw) => parse('int64', raw));

      // Assess
      expect(int32.map((v) => columnCodec(column('int32')).canonical(v))).toEqual(['0', '0', '0']);
      expect(int32.every((v) => v === 0)).toBe(true);
      expect(int64.every((v) => Object.is(v, 0))).toBe(true);
    });

    it.each([
      [5, 5],
      [-2147483648, -2147483648],
      [7n, 7],
    ])('accepts the native value %s as %d', (raw, expected) => {
      // Prepare: a value from a typed format

      // Act
      const value = parse('int32', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([1.5, 2 ** 31, NaN, Infinity, 2n ** 31n, true])('rejects the native value %s', (raw) => {
      // Prepare: a value from a typed format

      // Act + Assess
      expect(parse('int32', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('int64', () => {
    it('keeps integers up to 2^53 - 1 as numbers', () => {
      // Prepare
      const raw = String(Number.MAX_SAFE_INTEGER);

      // Act
      const value = parse('int64', raw);

      // Assess
      expect(value).toBe(Number.MAX_SAFE_INTEGER);
    });

    it.each([
      ['9007199254740992', 9007199254740992n],
      ['9007199254740993', 9007199254740993n],
      ['-9007199254740993', -9007199254740993n],
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
      ['+9223372036854775807', 9223372036854775807n],
      ['0009007199254740993', 9007199254740993n],
    ])('returns %s, beyond 2^53, as an exact bigint', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('int64', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([
      '9223372036854775808',
      '-9223372036854775809',
      '18446744073709551615',
      '1.5',
      '1e20',
      '',
      'NaN',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('int64', raw)).toBe(NOT_CONFORMING);
    });

    it('rejects a native number beyond 2^53: it may already have lost digits', () => {
      // Prepare
      const raw = 2 ** 53;

      // Act + Assess
      expect(parse('int64', raw)).toBe(NOT_CONFORMING);
    });

    it.each([
      [2n ** 63n - 1n, 2n ** 63n - 1n],
      [-(2n ** 63n), -(2n ** 63n)],
      [42n, 42],
    ])('accepts the native bigint %s', (raw, expected) => {
      // Prepare: a value from a typed format

      // Act
      const value = parse('int64', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([2n ** 63n, -(2n ** 63n) - 1n])('rejects the native bigint %s as beyond int64', (raw) => {
      // Prepare: a value from a typed format

      // Act + Assess
      expect(parse('int64', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('float32 and float64', () => {
    it.each([
      ['1.5', 1.5],
      ['-0.25', -0.25],
      ['+3', 3],
      ['1.', 1],
      ['.5', 0.5],
      ['-.5', -0.5],
      ['1e3', 1000],
      ['1E-3', 0.001],
      ['-2.5e+2', -250],
      ['007.50', 7.5],
      [' 2.5 ', 2.5],
      ['1e308', 1e308],
      ['5e-324', Number.MIN_VALUE],
    ])('float64 accepts %j as %d', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('float64', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each(['NaN', 'nan', 'NAN', '+nan', ' NaN '])('reads %j as NaN', (raw) => {
      // Prepare: the raw text

      // Act
      const as64 = parse('float64', raw);
      const as32 = parse('float32', raw);

      // Assess
      expect(as64).toBeNaN();
      expect(as32).toBeNaN();
    });

    it.each([
      ['inf', Infinity],
      ['Inf', Infinity],
      ['+inf', Infinity],
      ['Infinity', Infinity],
      ['+Infinity', Infinity],
      ['INFINITY', Infinity],
      ['-inf', -Infinity],
      ['-Infinity', -Infinity],
      ['-INF', -Infinity],
    ])('reads %s as %d in both float types', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const as64 = parse('float64', raw);
      const as32 = parse('float32', raw);

      // Assess
      expect(as64).toBe(expected);
      expect(as32).toBe(expected);
    });

    it.each([
      '',
      '.',
      '-',
      'e5',
      '1e',
      '1.2.3',
      '1,5',
      '0x10',
      '0X10',
      '0b1',
      '0o7',
      '0x1p3',
      'infinite',
      'Infinity1',
      'NaN1',
      '1_000',
      '1 000',
      '∞',
      '١',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('float64', raw)).toBe(NOT_CONFORMING);
      expect(parse('float32', raw)).toBe(NOT_CONFORMING);
    });

    it.each(['1e400', '-1e400', '1' + '0'.repeat(400)])(
      'rejects %s, finite text beyond the float64 range, instead of reading Infinity',
      (raw) => {
        // Prepare: the raw text

        // Act + Assess
        expect(parse('float64', raw)).toBe(NOT_CONFORMING);
      },
    );

    it.each([
      ['3.4028235e38', 3.4028234663852886e38],
      ['-3.4028235e38', -3.4028234663852886e38],
      ['3.4028234663852886e38', 3.4028234663852886e38],
    ])('float32 accepts its largest value written as %s', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('float32', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each(['3.5e38', '-3.5e38', '1e39', '3.4028236e38'])(
      'float32 rejects %s as beyond its range',
      (raw) => {
        // Prepare: the raw text

        // Act + Assess
        expect(parse('float32', raw)).toBe(NOT_CONFORMING);
      },
    );

    it('accepts in float64 what overflows float32', () => {
      // Prepare
      const raw = '1e39';

      // Act
      const value = parse('float64', raw);

      // Assess
      expect(value).toBe(1e39);
    });

    it('rounds float32 values to single precision', () => {
      // Prepare
      const raw = '0.1';

      // Act
      const value = parse('float32', raw);

      // Assess
      expect(value).toBe(Math.fround(0.1));
      // Its text is the shortest that reads back to the same float32, not the double's digits.
      expect(columnCodec(column('float32')).canonical(value as number)).toBe('0.1');
    });

    it.each([
      [1.5, 1.5],
      [NaN, NaN],
      [-Infinity, -Infinity],
      [2n ** 53n, 2 ** 53],
      [-(2n ** 53n), -(2 ** 53)],
    ])('float64 accepts the native value %s', (raw, expected) => {
      // Prepare: a value from a typed format

      // Act
      const value = parse('float64', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([true, {}])('float64 rejects the native value %s', (raw) => {
      // Prepare: a value of another kind

      // Act + Assess
      expect(parse('float64', raw)).toBe(NOT_CONFORMING);
    });

    it('float64 takes a whole number read as a bigint (JSON past 2^53) at its nearest double', () => {
      // Act + Assess: what JSON.parse itself would have given for the same digits
      expect(parse('float64', 2n ** 53n + 1n)).toBe(2 ** 53);
      expect(parse('float64', 10n ** 20n)).toBe(1e20);
      expect(parse('float32', 10n ** 40n)).toBe(NOT_CONFORMING);
    });

    it('float32 rejects a native double beyond its range but keeps infinities', () => {
      // Prepare
      const raws = [1e39, Infinity];

      // Act
      const values = raws.map((raw) => parse('float32', raw));

      // Assess
      expect(values).toEqual([NOT_CONFORMING, Infinity]);
    });

    it('keeps the sign of zero in the canonical text', () => {
      // Prepare
      const codec = columnCodec(column('float64'));

      // Act
      const texts = [codec.parse('-0'), codec.parse('0')].map((v) => codec.canonical(v as number));

      // Assess
      expect(texts).toEqual(['-0', '0']);
    });
  });

  describe('boolean', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['True', true],
      [' true ', true],
      ['1', true],
      ['false', false],
      ['FALSE', false],
      ['0', false],
      [true, true],
      [false, false],
    ])('accepts %j as %s', (raw, expected) => {
      // Prepare: the raw text or native value

      // Act
      const value = parse('boolean', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each(['yes', 'no', 't', 'f', 'y', '2', '-1', '', '01', 1, 0, 1n])('rejects %s', (raw) => {
      // Prepare: the raw value

      // Act + Assess
      expect(parse('boolean', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('date', () => {
    it.each([
      '2024-02-29',
      '2000-02-29',
      '2023-12-31',
      '1970-01-01',
      '1969-12-31',
      '0001-01-01',
      '9999-12-31',
    ])('accepts %s as itself', (raw) => {
      // Prepare: the raw text

      // Act
      const value = parse('date', raw);

      // Assess
      expect(value).toBe(raw);
    });

    it('trims the text around a date', () => {
      // Prepare
      const raw = ' 2024-06-01 ';

      // Act
      const value = parse('date', raw);

      // Assess
      expect(value).toBe('2024-06-01');
    });

    it.each([
      '2023-02-29',
      '1900-02-29',
      '2100-02-29',
      '2024-02-30',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-1-5',
      '24-01-05',
      '2024/01/05',
      '2024-01-05T00:00:00Z',
      '',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('date', raw)).toBe(NOT_CONFORMING);
    });

    it('reads a native Date as its UTC day, and rejects an invalid Date and numbers', () => {
      // Prepare
      const raws = [new Date(Date.UTC(1969, 11, 31, 23, 59)), new Date(Number.NaN), 19000];

      // Act
      const values = raws.map((raw) => parse('date', raw));

      // Assess
      expect(values).toEqual(['1969-12-31', NOT_CONFORMING, NOT_CONFORMING]);
    });
  });

  describe('timestamp', () => {
    it.each([
      ['2024-06-01T10:20:30Z', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01 10:20:30Z', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T10:20:30z', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T10:20:30', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T10:20Z', utcMicros(2024, 6, 1, 10, 20)],
      ['2024-06-01', utcMicros(2024, 6, 1)],
      ['2024-06-01T10:20:30.5Z', utcMicros(2024, 6, 1, 10, 20, 30, 500_000)],
      ['2024-06-01T10:20:30,5Z', utcMicros(2024, 6, 1, 10, 20, 30, 500_000)],
      ['2024-06-01T10:20:30.123456Z', utcMicros(2024, 6, 1, 10, 20, 30, 123_456)],
      ['2024-06-01T10:20:30.123456000Z', utcMicros(2024, 6, 1, 10, 20, 30, 123_456)],
      ['2024-06-01T12:20:30+02:00', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T12:20:30+0200', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T12:20:30+02', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T05:20:30-05:00', utcMicros(2024, 6, 1, 10, 20, 30)],
      ['2024-06-01T10:20:30.25 +00:00', utcMicros(2024, 6, 1, 10, 20, 30, 250_000)],
      ['2024-06-01T15:50:30.000001+05:30', utcMicros(2024, 6, 1, 10, 20, 30, 1)],
      ['2024-02-29T23:59:59.999999Z', utcMicros(2024, 2, 29, 23, 59, 59, 999_999)],
      ['1970-01-01T00:00:00Z', 0n],
      ['1969-12-31T23:59:59.999999Z', -1n],
      ['1969-12-31T23:59:59Z', -1_000_000n],
      ['0001-01-01T00:00:00Z', -62135596800_000_000n],
      ['9999-12-31T23:59:59.999999Z', 253402300799_999_999n],
      [' 2024-06-01T10:20:30Z ', utcMicros(2024, 6, 1, 10, 20, 30)],
    ])('reads %j as %s µs (unit us, zone UTC)', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('timestamp', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([
      '2023-02-29T00:00:00Z',
      '2024-06-31T00:00:00Z',
      '2024-06-01T10',
      '2024-06-01T10:20:30.1234567890Z',
      '2024-06-01T10:20:30.Z',
      '2024-06-01T10:20:30+2',
      '2024-06-01T10:20:30+24:00',
      '2024-06-01T10:20:30+05:60',
      '2024-06-01T10:20:30 UTC',
      '2024-06-01T10:20:30Europe/Paris',
      '2024-06-01T24:00:00Z',
      '2024-06-01T10:61:00Z',
      '2024-06-01T10:20:60Z',
      '2024-13-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '1717237230',
      'June 1 2024',
      '',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('timestamp', raw)).toBe(NOT_CONFORMING);
    });

    it.each([
      ['ms', '2024-06-01T10:20:30.123Z', 1717237230123n],
      ['ms', '2024-06-01T10:20:30.123000Z', 1717237230123n],
      ['us', '2024-06-01T10:20:30.1234560Z', 1717237230123456n],
      ['ns', '2024-06-01T10:20:30.123456789Z', 1717237230123456789n],
      ['ns', '2024-06-01T10:20:30Z', 1717237230000000000n],
      ['ns', '1969-12-31T23:59:59.999999999Z', -1n],
    ] as const)('in unit %s reads %s exactly', (unit, raw, expected) => {
      // Prepare: the column's unit and the raw text

      // Act
      const value = parse('timestamp', raw, { unit });

      // Assess
      expect(value).toBe(expected);
    });

    it.each([
      ['ms', '2024-06-01T10:20:30.123456Z'],
      ['ms', '2024-06-01T10:20:30.1234+01:00'],
      ['us', '2024-06-01T10:20:30.1234567Z'],
      ['us', '2024-06-01 10:20:30.123456789'],
    ] as const)('in unit %s rejects %s: the fraction would lose digits', (unit, raw) => {
      // Prepare: the column's unit and the raw text

      // Act + Assess
      expect(parse('timestamp', raw, { unit })).toBe(NOT_CONFORMING);
    });

    it('reads zone-less text in the column zone and leaves explicit offsets alone', () => {
      // Prepare
      const codec = columnCodec(column('timestamp', { zone: '+05:30' }));

      // Act
      const values = [
        '2024-01-01T05:30:00',
        '2024-01-01 05:30:00.000001',
        '2024-01-01',
        '2024-01-01T00:00:00Z',
        '2024-01-01T05:30:00+05:30',
      ].map((raw) => codec.parse(raw));

      // Assess
      expect(values).toEqual([
        utcMicros(2024, 1, 1),
        utcMicros(2024, 1, 1, 0, 0, 0, 1),
        utcMicros(2023, 12, 31, 18, 30),
        utcMicros(2024, 1, 1),
        utcMicros(2024, 1, 1),
      ]);
    });

    it('reads a negative column zone', () => {
      // Prepare
      const codec = columnCodec(column('timestamp', { zone: '-03:00', unit: 'ms' }));

      // Act
      const value = codec.parse('1969-12-31T21:00:00');

      // Assess
      expect(value).toBe(0n);
    });

    it('does not depend on the time zone of the process (checked in child processes with TZ set)', () => {
      // Prepare: the same inputs evaluated in processes whose local zone is far from UTC. The
      // codec must give the same answers as here, whatever TZ says.
      const script = `
        const m = await import(${JSON.stringify(TYPED_VALUES_MODULE)});
        const ts = (zone, unit) => m.columnCodec({ name: 't', type: 'timestamp', nullable: true, zone, unit });
        const out = [
          ts('UTC', 'us').parse('2024-03-10T02:30:00'),
          ts('+05:30', 'us').parse('2024-10-27 01:30:00.5'),
          ts('-08:00', 'ns').parse('1969-12-31T16:00:00'),
          ts('UTC', 'ms').parse('0001-01-01'),
          ts('UTC', 'us').format(253402300799999999n),
          m.columnCodec({ name: 'd', type: 'date', nullable: true }).parse(new Date(Date.UTC(2024, 0, 1))),
          m.formatDate(-1),
        ].map(String);
        console.log(JSON.stringify(out));`;
      const run = (tz: string): unknown =>
        JSON.parse(
          execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            env: { ...process.env, TZ: tz },
            encoding: 'utf8',
          }),
        );

      // Act
      const results = ['Asia/Kolkata', 'America/Los_Angeles', 'Pacific/Kiritimati'].map(run);

      // Assess
      const expected = [
        String(utcMicros(2024, 3, 10, 2, 30)),
        String(utcMicros(2024, 10, 26, 20, 0, 0, 500_000)),
        '0',
        '-62135596800000',
        '9999-12-31T23:59:59.999999Z',
        '2024-01-01',
        '1969-12-31',
      ];
      for (const result of results) expect(result).toEqual(expected);
    });

    it('reads a native Date in the column unit, takes a bigint as a count of that unit, and rejects numbers', () => {
      // Prepare
      const codec = columnCodec(column('timestamp', { unit: 'ns' }));

      // Act
      const values = [new Date(1), 5n, 1717237230, new Date(Number.NaN)].map((raw) => codec.parse(raw));

      // Assess
      expect(values).toEqual([1_000_000n, 5n, NOT_CONFORMING, NOT_CONFORMING]);
    });

    it.each([
      ['us', 0n, '1970-01-01T00:00:00Z'],
      ['us', -1n, '1969-12-31T23:59:59.999999Z'],
      ['us', 500_000n, '1970-01-01T00:00:00.500Z'],
      ['us', 1_000n, '1970-01-01T00:00:00.001Z'],
      ['ms', 1717237230123n, '2024-06-01T10:20:30.123Z'],
      ['ns', 1717237230123456789n, '2024-06-01T10:20:30.123456789Z'],
      ['ns', 1717237230000001000n, '2024-06-01T10:20:30.000001Z'],
      ['us', -62135596800_000_000n, '0001-01-01T00:00:00Z'],
      ['us', 253402300799_999_999n, '9999-12-31T23:59:59.999999Z'],
    ] as const)('formats %s %s as %s', (unit, value, text) => {
      // Prepare
      const codec = columnCodec(column('timestamp', { unit }));

      // Act
      const formatted = codec.format(value);

      // Assess
      expect(formatted).toBe(text);
      expect(codec.canonical(value)).toBe(text);
      expect(codec.toJson(value)).toBe(text);
    });
  });

  describe('decimal', () => {
    const money = { precision: 10, scale: 2 };

    it.each([
      ['123.45', 12345n],
      ['123.4', 12340n],
      ['123.450', 12345n],
      ['-0.01', -1n],
      ['+5', 500n],
      ['.5', 50n],
      ['5.', 500n],
      ['0', 0n],
      ['-0', 0n],
      ['12345678.90', 1234567890n],
      ['99999999.99', 9999999999n],
      ['1.5e2', 15000n],
      ['15E-1', 150n],
      ['1234e-2', 1234n],
      ['0.0001e2', 1n],
      [' 7.25 ', 725n],
    ])('decimal(10,2) reads %j as the unscaled %s', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parse('decimal', raw, money);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([
      ['123456789.00', 'eleven digits'],
      ['100000000', 'eleven digits at scale 2'],
      ['1.234', 'a third fraction digit'],
      ['1.001', 'a third fraction digit'],
      ['1e-3', 'a third fraction digit, by exponent'],
      ['1e8', 'eleven digits, by exponent'],
      ['1e400', 'a huge exponent'],
      ['1e-400', 'a tiny exponent'],
      ['', 'nothing'],
      ['.', 'no digits'],
      ['e5', 'no digits'],
      ['1,5', 'a comma'],
      ['NaN', 'not a number'],
      ['Infinity', 'not finite'],
      ['0x10', 'hex'],
      ['abc', 'letters'],
    ])('decimal(10,2) rejects %j (%s)', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parse('decimal', raw, money)).toBe(NOT_CONFORMING);
    });

    it.each([
      [1.5, 150n],
      [0.1, 10n],
      [-42, -4200n],
      [5n, 500n],
    ])('decimal(10,2) reads the native value %s exactly', (raw, expected) => {
      // Prepare: a value from a typed format

      // Act
      const value = parse('decimal', raw, money);

      // Assess
      expect(value).toBe(expected);
    });

    it.each([1e-7, 0.125, NaN, Infinity, true])('decimal(10,2) rejects the native value %s', (raw) => {
      // Prepare: a value from a typed format

      // Act + Assess
      expect(parse('decimal', raw, money)).toBe(NOT_CONFORMING);
    });

    it('holds 38 digits at precision 38, not 39', () => {
      // Prepare
      const spec = { precision: 38, scale: 0 };

      // Act
      const values = ['9'.repeat(38), `-${'9'.repeat(38)}`, '1' + '0'.repeat(38)].map((raw) =>
        parse('decimal', raw, spec),
      );

      // Assess
      expect(values).toEqual([10n ** 38n - 1n, -(10n ** 38n - 1n), NOT_CONFORMING]);
    });

    it('holds 38 fraction digits at scale 38', () => {
      // Prepare
      const codec = columnCodec(column('decimal', { precision: 38, scale: 38 }));
      const text = `0.${'12345678901234567890123456789012345678'}`;

      // Act
      const value = codec.parse(text);

      // Assess
      expect(value).toBe(12345678901234567890123456789012345678n);
      expect(codec.format(value as bigint)).toBe(text);
      expect(codec.parse('1')).toBe(NOT_CONFORMING);
    });

    it.each([
      [12345n, '123.45'],
      [-1n, '-0.01'],
      [0n, '0.00'],
      [500n, '5.00'],
      [-123456n, '-1234.56'],
    ])('formats the unscaled %s as %s, which reads back to it', (unscaled, text) => {
      // Prepare
      const codec = columnCodec(column('decimal', money));

      // Act
      const formatted = codec.format(unscaled);

      // Assess
      expect(formatted).toBe(text);
      expect(codec.toJson(unscaled)).toBe(text);
      expect(codec.parse(formatted)).toBe(unscaled);
    });

    it('gives equal values equal canonical text however they were written', () => {
      // Prepare
      const codec = columnCodec(column('decimal', money));

      // Act
      const texts = ['1.5', '1.50', '15e-1', '+1.500', 1.5].map((raw) =>
        codec.canonical(codec.parse(raw) as bigint),
      );

      // Assess
      expect(new Set(texts)).toEqual(new Set(['1.50']));
    });
  });

  describe('compare and compareToNumber', () => {
    it('orders int64 values across the number/bigint boundary', () => {
      // Prepare
      const codec = columnCodec(column('int64'));
      const values = ['9007199254740993', '-5', '9007199254740991', '-9007199254740993', '0'].map(
        (raw) => codec.parse(raw) as number | bigint,
      );

      // Act
      const sorted = [...values].sort((a, b) => codec.compare(a, b)).map(String);

      // Assess
      expect(sorted).toEqual(['-9007199254740993', '-5', '0', '9007199254740991', '9007199254740993']);
    });

    it.each([
      ['9007199254740993', 9007199254740992, 1],
      ['9007199254740992', 9007199254740992, 0],
      ['-9007199254740993', -9007199254740992, -1],
      ['9223372036854775807', 2 ** 63, -1],
      ['9223372036854775807', Infinity, -1],
      ['-9223372036854775808', -Infinity, 1],
      ['10', 9.5, 1],
      ['10', 10, 0],
    ])('compares the int64 %s with the bound %d exactly: %d', (raw, bound, expected) => {
      // Prepare: a number can not tell 2^53 + 1 from 2^53; the codec must
      const codec = columnCodec(column('int64'));
      const value = codec.parse(raw) as number | bigint;

      // Act
      const order = codec.compareToNumber(value, bound);

      // Assess
      expect(Math.sign(order)).toBe(expected);
    });

    it.each([
      ['123.45', 123.45, 0],
      ['123.45', 123.44, 1],
      ['123.45', 123.46, -1],
      ['0.10', 0.1, 0],
      ['-0.01', 0, -1],
      ['99999999.99', Infinity, -1],
      ['-99999999.99', -Infinity, 1],
    ])('compares decimal(10,2) %s with the bound %d exactly: %d', (raw, bound, expected) => {
      // Prepare
      const codec = columnCodec(column('decimal', { precision: 10, scale: 2 }));
      const value = codec.parse(raw) as bigint;

      // Act
      const order = codec.compareToNumber(value, bound);

      // Assess
      expect(Math.sign(order)).toBe(expected);
    });

    it('compares a 38-digit decimal beyond 2^53 with a bound exactly', () => {
      // Prepare
      const codec = columnCodec(column('decimal', { precision: 38, scale: 0 }));
      const value = codec.parse('9007199254740993') as bigint;

      // Act
      const orders = [9007199254740992, 9007199254740994].map((bound) => codec.compareToNumber(value, bound));

      // Assess
      expect(orders.map(Math.sign)).toEqual([1, -1]);
    });

    it('compares a decimal with fraction digits against a bound with more of them', () => {
      // Prepare
      const codec = columnCodec(column('decimal', { precision: 20, scale: 4 }));
      const value = codec.parse('0.1000') as bigint;

      // Act
      const orders = [0.1, 0.09999, 0.10001, 1e-300, 1e300].map((bound) =>
        Math.sign(codec.compareToNumber(value, bound)),
      );

      // Assess
      expect(orders).toEqual([0, 1, -1, 1, -1]);
    });

    it('gives NaN when a float NaN meets a bound, and for columns without an order on numbers', () => {
      // Prepare
      const float = columnCodec(column('float64'));
      const others = (['string', 'boolean', 'date', 'timestamp'] as const).map((t) => columnCodec(column(t)));

      // Act
      const fromNaN = float.compareToNumber(NaN, 1);
      const fromOthers = others.map((c) =>
        c.compareToNumber(c.parse(c.column.type === 'boolean' ? 'true' : '2024-01-01') as never, 1),
      );

      // Assess
      expect(fromNaN).toBeNaN();
      expect(fromOthers.every(Number.isNaN)).toBe(true);
    });

    it('orders dates, timestamps, booleans and strings', () => {
      // Prepare
      const date = columnCodec(column('date'));
      const ts = columnCodec(column('timestamp'));
      const bool = columnCodec(column('boolean'));
      const str = columnCodec(column('string'));

      // Act
      const orders = [
        date.compare('0001-01-01', '9999-12-31'),
        ts.compare(
          ts.parse('2024-01-01T00:00:00.000001Z') as bigint,
          ts.parse('2024-01-01T00:00:00Z') as bigint,
        ),
        bool.compare(false, true),
        str.compare('b', 'a'),
        str.compare('a', 'a'),
      ].map(Math.sign);

      // Assess
      expect(orders).toEqual([-1, 1, -1, 1, 0]);
    });
  });

  describe('canonical and toJson', () => {
    it('spells null the same way for every type, distinct from any value', () => {
      // Prepare
      const types: ColumnType[] = [
        'string',
        'int32',
        'int64',
        'float32',
        'float64',
        'boolean',
        'date',
        'timestamp',
        'decimal',
      ];

      // Act
      const nulls = types.map((t) =>
        columnCodec(column(t, t === 'decimal' ? { precision: 5, scale: 1 } : {})).canonical(null),
      );

      // Assess
      expect(new Set(nulls).size).toBe(1);
      expect(nulls[0]).not.toBe('');
      expect(nulls[0]).not.toBe('null');
    });

    it.each([
      ['int64', '9007199254740993', '9007199254740993', '9007199254740993'],
      ['int64', '+0042', '42', 42],
      ['int32', '-7', '-7', -7],
      ['float64', 'NaN', 'NaN', 'NaN'],
      ['float64', '-inf', '-Infinity', '-Infinity'],
      ['float64', '1e21', '1e+21', 1e21],
      ['boolean', '1', 'true', true],
      ['date', '2024-02-29', '2024-02-29', '2024-02-29'],
    ] as const)('gives %s %j the canonical %j and the JSON value %j', (type, raw, canonical, json) => {
      // Prepare
      const codec = columnCodec(column(type));
      const value = codec.parse(raw) as Exclude<TypedValue, null>;

      // Act
      const text = codec.canonical(value);
      const jsonValue = codec.toJson(value);

      // Assess
      expect(text).toBe(canonical);
      expect(jsonValue).toBe(json);
    });

    it('keeps JSON numbers only where JSON numbers are exact', () => {
      // Prepare
      const int64 = columnCodec(column('int64'));

      // Act
      const json = [int64.parse(String(Number.MAX_SAFE_INTEGER)), int64.parse('9007199254740992')].map((v) =>
        int64.toJson(v as number | bigint),
      );

      // Assess
      expect(json).toEqual([Number.MAX_SAFE_INTEGER, '9007199254740992']);
    });
  });
});

describe('calendar arithmetic', () => {
  it.each([
    [1970, 1, 1, 0],
    [1969, 12, 31, -1],
    [2000, 3, 1, 11017],
    [2024, 2, 29, 19782],
    [1, 1, 1, -719162],
    [9999, 12, 31, 2932896],
    [0, 3, 1, -719468],
  ])('daysFromCivil(%d, %d, %d) is %d', (y, m, d, days) => {
    // Prepare: the civil date

    // Act
    const value = daysFromCivil(y, m, d);

    // Assess
    expect(value).toBe(days);
    expect(civilFromDays(days)).toEqual([y, m, d]);
  });

  it('agrees with Date.UTC on every day from 0001-01-01 to 9999-12-31 it is asked about', () => {
    // Prepare
    const days = fc.integer({ min: -719162, max: 2932896 });

    // Act + Assess
    fc.assert(
      fc.property(days, (n) => {
        const [y, m, d] = civilFromDays(n);
        const date = new Date(n * 86_400_000);
        expect([y, m, d]).toEqual([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
        expect(daysFromCivil(y, m, d)).toBe(n);
        expect(formatDate(n)).toBe(
          `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('properties', () => {
  const units: readonly TimestampUnit[] = ['ms', 'us', 'ns'];
  const PER_SECOND: Record<TimestampUnit, bigint> = { ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n };
  const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
  const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

  it('formats every timestamp of years 0001 to 9999 to text that parses back to it, in every unit', () => {
    // Prepare
    const cases = fc.constantFrom(...units).chain((unit) =>
      fc.record({
        unit: fc.constant(unit),
        value: fc.bigInt({
          min: MIN_SECONDS * PER_SECOND[unit],
          max: (MAX_SECONDS + 1n) * PER_SECOND[unit] - 1n,
        }),
      }),
    );

    // Act + Assess
    fc.assert(
      fc.property(cases, ({ unit, value }) => {
        const text = formatTimestamp(value, unit);
        expect(parseTimestamp(text, unit, 'UTC')).toBe(value);
        expect(columnCodec(column('timestamp', { unit })).parse(text)).toBe(value);
      }),
      { numRuns: 600 },
    );
  });

  it('reads text the same through the fast path (Z or no zone) and the general parser (explicit offset)', () => {
    // Prepare: 'Z' and zone-less text take the character-code fast path; '+00:00' or a column
    // zone spelled as an offset take the regular-expression parser. Both must agree.
    const cases = fc.record({
      unit: fc.constantFrom(...units),
      seconds: fc.bigInt({ min: MIN_SECONDS + 86400n, max: MAX_SECONDS - 86400n }),
      fraction: fc.stringMatching(/^\d{0,9}$/),
      separator: fc.constantFrom('T', ' '),
      zone: fc.constantFrom('UTC', '+05:30', '-08:00', '+14:00'),
    });

    // Act + Assess
    fc.assert(
      fc.property(cases, ({ unit, seconds, fraction, separator, zone }) => {
        const base = formatTimestamp(seconds * 1000n, 'ms')
          .replace(/Z$/, '')
          .replace('T', separator);
        const text = `${base}${fraction ? `.${fraction}` : ''}`;
        const offset = zone === 'UTC' ? '+00:00' : zone;
        const viaFastPath = parseTimestamp(text, unit, zone);
        const viaGeneral = parseTimestamp(`${text} ${offset}`, unit, 'UTC');
        expect(viaFastPath).toBe(viaGeneral);
        expect(parseTimestamp(`${text}Z`, unit, zone)).toBe(parseTimestamp(`${text}+00:00`, unit, 'UTC'));
      }),
      { numRuns: 600 },
    );
  });

  it('accepts exactly the documented float grammar, whichever path reads it', () => {
    // Prepare: text over the characters that matter to number parsing. The reference is the
    // documented grammar: optional sign, digits with an optional point, optional exponent, NaN
    // and infinities; finite values only.
    const GRAMMAR = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    const reference = (raw: string, float32: boolean): number | typeof NOT_CONFORMING => {
      const t = raw.trim();
      const lower = t.toLowerCase().replace(/^\+/, '');
      if (lower === 'nan') return NaN;
      if (lower === 'inf' || lower === 'infinity') return Infinity;
      if (lower === '-inf' || lower === '-infinity') return -Infinity;
      if (!GRAMMAR.test(t)) return NOT_CONFORMING;
      const n = Number(t);
      if (!Number.isFinite(n) || (float32 && Math.abs(n) >= 3.4028235677973366e38)) return NOT_CONFORMING;
      return float32 ? Math.fround(n) : n;
    };
    const text = fc
      .array(
        fc.constantFrom(
          '0',
          '1',
          '5',
          '9',
          '.',
          '-',
          '+',
          'e',
          'E',
          'x',
          'b',
          'o',
          ' ',
          '_',
          'n',
          'a',
          'i',
          'f',
          '3',
        ),
        {
          maxLength: 8,
        },
      )
      .map((chars) => chars.join(''));

    // Act + Assess
    fc.assert(
      fc.property(text, fc.boolean(), (raw, float32) => {
        const value = parse(float32 ? 'float32' : 'float64', raw);
        expect(value).toStrictEqual(reference(raw, float32));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts exactly the documented integer grammar, whichever path reads it', () => {
    // Prepare
    const reference = (raw: string, is32: boolean): number | bigint | typeof NOT_CONFORMING => {
      const t = raw.trim();
      if (!/^[+-]?\d+$/.test(t)) return NOT_CONFORMING;
      const n = BigInt(t);
      const [min, max] = is32 ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < min || n > max) return NOT_CONFORMING;
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    };
    const text = fc.oneof(
      fc
        .array(fc.constantFrom('0', '1', '2', '9', '-', '+', ' ', '.', 'e'), { maxLength: 6 })
        .map((c) => c.join('')),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
      fc.integer({ min: -(2 ** 32), max: 2 ** 32 }).map(String),
    );

    // Act + Assess
    fc.assert(
      fc.property(text, fc.boolean(), (raw, is32) => {
        const value = parse(is32 ? 'int32' : 'int64', raw);
        // int32 may give -0 where int64 gives 0 (reported; equal canonical text): compare as numbers.
        expect(is32 && value === 0 ? 0 : value).toStrictEqual(reference(raw, is32));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads back every decimal(p,s) it formats', () => {
    // Prepare
    const cases = fc.integer({ min: 1, max: 38 }).chain((precision) =>
      fc.record({
        precision: fc.constant(precision),
        scale: fc.integer({ min: 0, max: precision }),
        unscaled: fc.bigInt({ min: -(10n ** BigInt(precision) - 1n), max: 10n ** BigInt(precision) - 1n }),
      }),
    );

    // Act + Assess
    fc.assert(
      fc.property(cases, ({ precision, scale, unscaled }) => {
        const codec = columnCodec(column('decimal', { precision, scale }));
        const text = codec.format(unscaled);
        // A trailing zero after the point changes nothing.
        const padded = scale > 0 ? `${text}0` : text;
        expect(codec.parse(text)).toBe(unscaled);
        expect(codec.parse(padded)).toBe(unscaled);
      }),
      { numRuns: 600 },
    );
  });

  it('compares int64 and decimal values with number bounds as exact arithmetic does', () => {
    // Prepare
    const cases = fc.record({
      value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      bound: fc.oneof(
        fc.double({ noNaN: true }),
        fc.integer().map((n) => n * 2 ** 40),
      ),
    });
    const exactSign = (v: bigint, bound: number): number => {
      if (!Number.isFinite(bound)) return bound > 0 ? -1 : 1;
      // bound = m / 2^k exactly; compare v * 2^k with m
      let m = bound;
      let k = 0n;
      while (!Number.isInteger(m)) {
        m *= 2;
        k++;
      }
      const lhs = v * 2n ** k;
      const rhs = BigInt(m);
      return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
    };

    // Act + Assess
    fc.assert(
      fc.property(cases, ({ value, bound }) => {
        const int64 = columnCodec(column('int64'));
        const decimal = columnCodec(column('decimal', { precision: 38, scale: 0 }));
        const asInt = int64.parse(value) as number | bigint;
        expect(Math.sign(int64.compareToNumber(asInt, bound))).toBe(exactSign(value, bound));
        expect(Math.sign(decimal.compareToNumber(decimal.parse(value) as bigint, bound))).toBe(
          exactSign(value, bound),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
