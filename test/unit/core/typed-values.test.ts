import { describe, expect, it } from 'vitest';

import { NOT_CONFORMING, parseCell, toNumber } from '../../../lambdas/core/formats/typed-values';

describe('parseCell', () => {
  describe('string', () => {
    it.each(['', ' ', 'hello', '1', 'Zoë 🌍', '"quoted"'])('returns %j unchanged', (raw) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('string', raw);

      // Assess
      expect(value).toBe(raw);
    });
  });

  describe('int32', () => {
    it.each([
      ['0', 0],
      ['42', 42],
      ['-42', -42],
      ['+7', 7],
      ['007', 7],
      ['2147483647', 2147483647],
      ['-2147483648', -2147483648],
    ])('accepts %s as %d', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('int32', raw);

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
      ' 1',
      '1 ',
      '0x10',
      '--1',
      'one',
      '١٢',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parseCell('int32', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('int64', () => {
    it('keeps integers up to 2^53 - 1 as numbers', () => {
      // Prepare
      const raw = String(Number.MAX_SAFE_INTEGER);

      // Act
      const value = parseCell('int64', raw);

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
    ])('returns %s, beyond 2^53, as an exact bigint', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('int64', raw);

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
      expect(parseCell('int64', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('float32 and float64', () => {
    it.each([
      ['1.5', 1.5],
      ['-0.25', -0.25],
      ['+3', 3],
      ['1.', 1],
      ['.5', 0.5],
      ['1e3', 1000],
      ['1E-3', 0.001],
      ['-2.5e+2', -250],
      ['007.50', 7.5],
    ])('float64 accepts %s as %d', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('float64', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each(['NaN', 'nan', 'NAN', '+nan', '-nan'])('reads %s as NaN', (raw) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('float64', raw);

      // Assess
      expect(value).toBeNaN();
    });

    it.each([
      ['inf', Infinity],
      ['Inf', Infinity],
      ['+inf', Infinity],
      ['Infinity', Infinity],
      ['INFINITY', Infinity],
      ['-inf', -Infinity],
      ['-Infinity', -Infinity],
    ])('reads %s as %d in both float types', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const as64 = parseCell('float64', raw);
      const as32 = parseCell('float32', raw);

      // Assess
      expect(as64).toBe(expected);
      expect(as32).toBe(expected);
    });

    it.each(['', '.', 'e5', '1e', '1.2.3', '1,5', '0x1p3', 'infinite', 'NaN1', ' 1', '1_000', '∞'])(
      'rejects %j',
      (raw) => {
        // Prepare: the raw text

        // Act + Assess
        expect(parseCell('float64', raw)).toBe(NOT_CONFORMING);
        expect(parseCell('float32', raw)).toBe(NOT_CONFORMING);
      },
    );

    it('accepts the largest float32 value written out in full', () => {
      // Prepare
      const raw = '3.4028234663852886e38';

      // Act
      const value = parseCell('float32', raw);

      // Assess
      expect(value).toBe(3.4028234663852886e38);
    });

    it.each(['3.5e38', '-3.5e38', '1e39'])('rejects %s as beyond the float32 range', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parseCell('float32', raw)).toBe(NOT_CONFORMING);
    });

    it('accepts in float64 what overflows float32', () => {
      // Prepare
      const raw = '1e39';

      // Act
      const value = parseCell('float64', raw);

      // Assess
      expect(value).toBe(1e39);
    });

    it('keeps subnormal float64 values', () => {
      // Prepare
      const raw = '5e-324';

      // Act
      const value = parseCell('float64', raw);

      // Assess
      expect(value).toBe(Number.MIN_VALUE);
    });
  });

  describe('boolean', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['True', true],
      ['1', true],
      ['false', false],
      ['FALSE', false],
      ['0', false],
    ])('accepts %s as %s', (raw, expected) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('boolean', raw);

      // Assess
      expect(value).toBe(expected);
    });

    it.each(['yes', 'no', 't', 'f', 'y', '2', '-1', '', ' true', '01'])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parseCell('boolean', raw)).toBe(NOT_CONFORMING);
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
      const value = parseCell('date', raw);

      // Assess
      expect(value).toBe(raw);
    });

    it.each([
      '2023-02-29',
      '1900-02-29',
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
      expect(parseCell('date', raw)).toBe(NOT_CONFORMING);
    });
  });

  describe('timestamp', () => {
    it.each([
      ['2024-06-01T10:20:30Z', '2024-06-01T10:20:30.000Z'],
      ['2024-06-01 10:20:30Z', '2024-06-01T10:20:30.000Z'],
      ['2024-06-01T10:20Z', '2024-06-01T10:20:00.000Z'],
      ['2024-06-01T10:20:30.5Z', '2024-06-01T10:20:30.500Z'],
      ['2024-06-01T10:20:30.123Z', '2024-06-01T10:20:30.123Z'],
      ['2024-06-01T10:20:30.123456789Z', '2024-06-01T10:20:30.123Z'],
      ['2024-06-01T12:20:30+02:00', '2024-06-01T10:20:30.000Z'],
      ['2024-06-01T05:20:30-05:00', '2024-06-01T10:20:30.000Z'],
      ['2024-06-01T12:20:30+0200', '2024-06-01T10:20:30.000Z'],
      ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
      ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z'],
    ])('accepts %s as the instant %s', (raw, iso) => {
      // Prepare: the raw text

      // Act
      const value = parseCell('timestamp', raw);

      // Assess
      expect(value).toBeInstanceOf(Date);
      expect((value as Date).toISOString()).toBe(iso);
    });

    it.each([
      '2024-06-01',
      '2024-06-01T10',
      '2024-06-01T10:20:30.1234567890Z',
      '2024-06-01T10:20:30+2',
      '2024-06-01T10:20:30 UTC',
      '2024-06-01T25:00:00Z',
      '2024-06-01T10:61:00Z',
      '2024-13-01T00:00:00Z',
      '1717237230',
      'June 1 2024',
      '',
    ])('rejects %j', (raw) => {
      // Prepare: the raw text

      // Act + Assess
      expect(parseCell('timestamp', raw)).toBe(NOT_CONFORMING);
    });
  });
});

describe('toNumber', () => {
  it('gives numbers as they are, bigints as numbers and NaN for everything else', () => {
    // Prepare
    const values = [1.5, 9007199254740993n, 'x', true, null, new Date(0)] as const;

    // Act
    const numbers = values.map((v) => toNumber(v));

    // Assess
    expect(numbers).toEqual([1.5, 9007199254740992, NaN, NaN, NaN, NaN]);
  });
});
