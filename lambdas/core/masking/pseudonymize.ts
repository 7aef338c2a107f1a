/**
 * Keyed pseudonyms that keep a value's format: HMAC-SHA256 of the value under a secret key drives
 * a character-by-character replacement, so
 * - the same value under the same key always gives the same pseudonym (joins across outputs and
 *   stagings made with one key still match; the column name is not mixed in, so a customer id
 *   masked in two outputs under two column names still joins);
 * - another key gives other pseudonyms (without the key a pseudonym cannot be recomputed from a
 *   guessed value, which a plain hash would allow);
 * - the format class is kept: digits stay digits, upper-case letters upper-case ASCII letters,
 *   lower-case (and other) letters lower-case ASCII letters, everything else (separators, `@`, `.`,
 *   `-`, spaces) stays where it was; so a phone number stays a phone number of the same length, an
 *   e-mail stays an e-mail (its top-level domain kept), a UUID stays a UUID (hex for hex);
 * - a pseudonym never equals its value: the rare draw that reproduces it (one in ten for a
 *   one-digit value) is drawn again with the next counter, deterministically.
 *
 * Pseudonyms are not guaranteed unique: two values may share one (as likely as a collision among
 * random strings of that shape: for short values, often). A masked column stays joinable, not
 * reversible, and a `unique` rule on it may fail on a staged copy.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { ColumnSpec } from '../contracts/output-contract';
import type { TypedValue } from '../contracts/typed-values';
import { checkMaskingKey, MaskingError } from './masking-key';

/** Draws tried before giving up on a pseudonym different from its value. */
const MAX_DRAWS = 32;
const EMAIL = /^([^@\s]+)@([^@\s]+)\.([A-Za-z]{2,63})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT32_MAX_DIGITS = 10;
const INT64_MAX_DIGITS = 19;
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

/** The column types whose values masking can replace by values of the same type. */
export const MASKABLE_TYPES: readonly string[] = ['string', 'int32', 'int64'];

export class Pseudonymizer {
  // A KeyObject: built once, so each HMAC does not import the key again.
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    this.key = createSecretKey(checkMaskingKey(key));
  }

  /** The pseudonym of a column's value; null stays null. */
  mask(column: ColumnSpec, value: TypedValue): TypedValue {
    if (value === null) return null;
    if (column.type === 'string') return this.text(String(value));
    if (column.type === 'int32' || column.type === 'int64') return this.integer(column.type, value);
    throw new MaskingError(
      `column '${column.name}' is ${column.type}; masking keeps ${MASKABLE_TYPES.join(', ')} values only`,
    );
  }

  /** The pseudonym of a text value (the empty string, which holds nothing, stays empty). */
  text(value: string): string {
    if (value === '') return value;
    return this.draw(value, (bytes) => {
      const email = EMAIL.exec(value);
      if (email) {
        // The top-level domain says little about a person and keeps the value an e-mail address.
        const [, local, domain, tld] = email;
        return `${shape(local!, bytes, 0)}@${shape(domain!, bytes, local!.length)}.${tld!}`;
      }
      if (UUID.test(value)) return hex(value, bytes);
      return shape(value, bytes, 0);
    });
  }

  /** Same sign and number of digits; never past the type's range. */
  integer(type: 'int32' | 'int64', value: TypedValue): number | bigint {
    const text = String(value);
    const negative = text.startsWith('-');
    const digits = negative ? text.slice(1) : text;
    const maxDigits = type === 'int32' ? INT32_MAX_DIGITS : INT64_MAX_DIGITS;
    const masked = this.draw(text, (bytes) => {
      let out = '';
      for (let i = 0; i < digits.length; i++) {
        const b = bytes[i % bytes.length]!;
        // No leading zero (the number would lose a digit); a number as long as the type's largest
        // starts with 1, which keeps it below that largest value whatever follows.
        if (i === 0 && digits.length > 1) out += digits.length === maxDigits ? '1' : String(1 + (b % 9));
        else out += String(b % 10);
      }
      return `${negative ? '-' : ''}${out}`;
    });
    if (type === 'int64' && typeof value === 'bigint') return BigInt(masked);
    const n = Number(masked);
    return Number.isSafeInteger(n) ? n : BigInt(masked);
  }

  /** Draws until the pseudonym differs from the value; deterministic, as each draw is keyed. */
  private draw(value: string, make: (bytes: Uint8Array) => string): string {
    for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
      const out = make(this.bytes(value, attempt, value.length));
      if (out !== value) return out;
    }
    // Only a value with nothing to replace (punctuation only) gets here: masking it is impossible.
    throw new MaskingError(`a value of ${value.length} characters has no letters or digits to mask`);
  }

  /** At least `n` keyed bytes for (value, attempt): HMAC blocks chained by a counter. */
  private bytes(value: string, attempt: number, n: number): Uint8Array {
    const blocks: Buffer[] = [];
    for (let block = 0, have = 0; have < Math.max(n, 1); block++) {
      const mac = createHmac('sha256', this.key)
        .update(`prt-mask-v1\u0000${attempt}\u0000${block}\u0000`)
        .update(value, 'utf8')
        .digest();
      blocks.push(mac);
      have += mac.length;
    }
    return Buffer.concat(blocks);
  }
}

/** Each letter or digit replaced by one of its class; anything else kept. */
function shape(text: string, bytes: Uint8Array, offset: number): string {
  let out = '';
  let i = offset;
  for (const char of text) {
    const kind = classOf(char);
    if (kind === 'other') {
      out += char;
      continue;
    }
    const b = bytes[i++ % bytes.length]!;
    out += kind === 'digit' ? DIGITS[b % 10]! : kind === 'upper' ? UPPER[b % 26]! : LOWER[b % 26]!;
  }
  return out;
}

/** A character's class; ASCII by its code (the common case, and the hot loop), the rest by Unicode property. */
function classOf(char: string): 'digit' | 'upper' | 'lower' | 'other' {
  const c = char.charCodeAt(0);
  if (char.length === 1 && c < 128) {
    if (c >= 48 && c <= 57) return 'digit';
    if (c >= 65 && c <= 90) return 'upper';
    if (c >= 97 && c <= 122) return 'lower';
    return 'other';
  }
  if (/\p{N}/u.test(char)) return 'digit';
  if (/\p{Lu}/u.test(char)) return 'upper';
  return /\p{L}/u.test(char) ? 'lower' : 'other';
}

/** A UUID's hex digits replaced by hex digits, in the value's case; dashes kept. */
function hex(text: string, bytes: Uint8Array): string {
  const upper = text !== text.toLowerCase();
  let i = 0;
  let out = '';
  for (const char of text) {
    if (char === '-') out += char;
    else out += HEX[bytes[i++ % bytes.length]! % 16]!;
  }
  return upper ? out.toUpperCase() : out;
}
