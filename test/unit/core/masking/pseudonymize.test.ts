import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { MaskingError, Pseudonymizer } from '../../../../lambdas/core/masking';

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(9);
const text: ColumnSpec = { name: 'email', type: 'string', nullable: true };
const id64: ColumnSpec = { name: 'customer_id', type: 'int64', nullable: false };
const id32: ColumnSpec = { name: 'store', type: 'int32', nullable: false };

describe('Pseudonymizer', () => {
  it('gives the same pseudonym for the same value and key', () => {
    // Arrange
    const a = new Pseudonymizer(KEY);
    const b = new Pseudonymizer(Uint8Array.from(KEY));

    // Act
    const first = a.mask(text, 'ada@example.com');
    const second = b.mask(text, 'ada@example.com');

    // Assess
    expect(first).toBe(second);
    expect(a.mask(id64, 123456)).toBe(b.mask(id64, 123456));
  });

  it('gives other pseudonyms under another key', () => {
    // Arrange
    const values = ['ada@example.com', '+44 20 7946 0958', 'Ada Lovelace', '4111111111111111'];

    // Act
    const one = values.map((v) => new Pseudonymizer(KEY).text(v));
    const other = values.map((v) => new Pseudonymizer(OTHER_KEY).text(v));

    // Assess
    one.forEach((v, i) => expect(v).not.toBe(other[i]));
  });

  it('keeps the format class: e-mail, digits, letters by case, separators, UUIDs', () => {
    // Arrange
    const p = new Pseudonymizer(KEY);

    // Act
    const email = p.text('ada.lovelace@example.co.uk');
    const phone = p.text('+44 20 7946 0958');
    const name = p.text('Ada Lovelace');
    const card = p.text('4111111111111111');
    const uuid = p.text('3f2504e0-4f89-11d3-9a0c-0305e82c3301');

    // Assess
    expect(email).toMatch(/^[a-z]{3}\.[a-z]{8}@[a-z]{7}\.[a-z]{2}\.uk$/);
    expect(phone).toMatch(/^\+\d{2} \d{2} \d{4} \d{4}$/);
    expect(name).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{7}$/);
    expect(card).toMatch(/^\d{16}$/);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('keeps integers integers of the same sign and digit count, inside the type range', () => {
    // Arrange
    const p = new Pseudonymizer(KEY);

    // Act
    const small = p.mask(id32, 42);
    const negative = p.mask(id32, -9071);
    const widest32 = p.mask(id32, 2147483647);
    const big = p.mask(id64, 9223372036854775807n);

    // Assess
    expect(String(small)).toMatch(/^[1-9]\d$/);
    expect(String(negative)).toMatch(/^-[1-9]\d{3}$/);
    expect(Number(widest32)).toBeLessThanOrEqual(2147483647);
    expect(String(widest32)).toHaveLength(10);
    expect(typeof big).toBe('bigint');
    expect(big as bigint).toBeLessThanOrEqual(9223372036854775807n);
    expect(String(big)).toHaveLength(19);
  });

  it('never returns a value that contains the original, even for one-character values', () => {
    // Arrange
    const p = new Pseudonymizer(KEY);
    const values = [...'0123456789', ...'abcXYZ', 'ab', 'ada@example.com', 'Jo', '7-1'];

    // Act
    const masked = values.map((v) => p.text(v));
    const digits = Array.from({ length: 10 }, (_, d) => p.mask(id32, d));

    // Assess
    masked.forEach((m, i) => expect(m.includes(values[i]!)).toBe(false));
    digits.forEach((m, d) => expect(m).not.toBe(d));
  });

  it('keeps nulls null and the empty string empty', () => {
    // Arrange
    const p = new Pseudonymizer(KEY);

    // Act
    const masked = [p.mask(text, null), p.mask(id64, null), p.mask(text, '')];

    // Assess
    expect(masked).toEqual([null, null, '']);
  });

  it('refuses a short key and a type it cannot keep, without showing the key', () => {
    // Arrange
    const short = new TextEncoder().encode('secret-but-short');
    const date: ColumnSpec = { name: 'birth_date', type: 'date', nullable: true };

    // Act
    const shortKey = () => new Pseudonymizer(short);
    const badType = () => new Pseudonymizer(KEY).mask(date, '1990-01-01');

    // Assess
    expect(shortKey).toThrow(MaskingError);
    expect(shortKey).toThrow(/16 bytes; it needs at least 32/);
    expect(shortKey).not.toThrow(/secret/);
    expect(badType).toThrow(/birth_date is date|'birth_date' is date/);
  });

  it('refuses a value with nothing to mask instead of passing it through', () => {
    // Arrange
    const p = new Pseudonymizer(KEY);

    // Act
    const act = () => p.text('--');

    // Assess
    expect(act).toThrow(MaskingError);
  });
});
