/**
 * HyperLogLog distinct-count sketch (Flajolet et al. 2007, with the small-range correction of
 * Heule et al. 2013). 2^14 registers: standard error 1.04/√16384 ≈ 0.81%. Merging takes the
 * register-wise maximum, so sketches of partitions merge into exactly the sketch one pass over
 * all the data would have built.
 */
export const HLL_PRECISION = 14;
const M = 1 << HLL_PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / M);

// The hashes below leave their result in two parts, the low 32 bits in LO and the high 21 bits in
// HI, so HyperLogLog.addValue can pick the register and rank with 32-bit integer operations; the
// exported functions combine them into the 53-bit number.
let LO = 0;
let HI = 0;

/** cyrb53's final mix of its two lanes into LO/HI. */
function finish(h1: number, h2: number): void {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  LO = h1 >>> 0;
  HI = 2097151 & h2;
}

function hashText(text: string, seed: number): void {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  finish(h1, h2);
}

/** hashText of the ASCII text in bytes[s, e), from its bytes. */
function hashAsciiBytes(bytes: Uint8Array, s: number, e: number): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = s; i < e; i++) {
    const ch = bytes[i]!;
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  finish(h1, h2);
}

/** hash53 of the ASCII text in bytes[s, e), from its bytes (equal to hash53 of its string). */
export function hash53AsciiBytes(bytes: Uint8Array, s: number, e: number): number {
  hashAsciiBytes(bytes, s, e);
  return 4294967296 * HI + LO;
}

/** 53-bit string hash (cyrb53): fast, well mixed, deterministic across processes. */
export function hash53(text: string, seed = 0): number {
  hashText(text, seed);
  return 4294967296 * HI + LO;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function hashNumberParts(n: number): void {
  F64[0] = n === 0 ? 0 : n; // -0 and 0 hash alike
  let h1 = Math.imul(U32[0]! ^ 0x9e3779b9, 0x85ebca6b);
  let h2 = Math.imul(U32[1]! ^ 0xc2b2ae35, 0x27d4eb2f);
  h1 ^= h1 >>> 15;
  h2 ^= h2 >>> 13;
  h1 = Math.imul(h1 ^ h2, 0x165667b1);
  h2 = Math.imul(h2 ^ (h1 >>> 16), 0x85ebca6b);
  h1 ^= h1 >>> 16;
  LO = h1 >>> 0;
  HI = 2097151 & h2;
}

/** 53-bit hash of a number's IEEE-754 bits (no string conversion). */
export function hashNumber(n: number): number {
  hashNumberParts(n);
  return 4294967296 * HI + LO;
}

// cyrb53's state after the text 'bigint:', so hashBigint can go on from there with the digits.
let BIGINT_H1 = 0xdeadbeef;
let BIGINT_H2 = 0x41c6ce57;
for (let i = 0; i < 'bigint:'.length; i++) {
  const ch = 'bigint:'.charCodeAt(i);
  BIGINT_H1 = Math.imul(BIGINT_H1 ^ ch, 2654435761);
  BIGINT_H2 = Math.imul(BIGINT_H2 ^ ch, 1597334677);
}
/** The decimal digits' character codes of a safe integer, most significant first. */
const DIGITS = new Int32Array(16);
/** Character codes of the tens and units digits of 0..99, so digits come out two per division. */
const TENS = new Int32Array(100);
const UNITS = new Int32Array(100);
for (let i = 0; i < 100; i++) {
  TENS[i] = 48 + Math.floor(i / 10);
  UNITS[i] = 48 + (i % 10);
}

/** Writes the 4 digits of 0 <= x < 10^4, zero-padded, at DIGITS[k]; returns k + 4. */
function put4(x: number, k: number): number {
  const p = (x / 100) | 0;
  const q = x - p * 100;
  DIGITS[k] = TENS[p]!;
  DIGITS[k + 1] = UNITS[p]!;
  DIGITS[k + 2] = TENS[q]!;
  DIGITS[k + 3] = UNITS[q]!;
  return k + 4;
}

/** Writes the digits of 0 <= x < 10^4 without leading zeros (one for 0) at DIGITS[k]; returns the end. */
function putShort(x: number, k: number): number {
  const p = (x / 100) | 0;
  const q = x - p * 100;
  if (p > 0) {
    if (p >= 10) DIGITS[k++] = TENS[p]!;
    DIGITS[k++] = UNITS[p]!;
    DIGITS[k++] = TENS[q]!;
  } else if (q >= 10) DIGITS[k++] = TENS[q]!;
  DIGITS[k++] = UNITS[q]!;
  return k;
}

/** Writes the digits of 0 <= x < 10^8 without leading zeros at DIGITS[k]; returns the end. */
function putDigits(x: number, k: number): number {
  const u = (x / 10000) | 0;
  const v = x - u * 10000;
  return u > 0 ? put4(v, putShort(u, k)) : putShort(v, k);
}

/**
 * hash53(`bigint:${v}`) into LO/HI without building the string: timestamps and decimals are
 * bigints, and a column past its exact distinct bound hashes every value. The hash must stay the
 * string's hash, because HyperLogLog registers stored by earlier runs merge with new ones.
 */
function hashBigintParts(v: bigint): void {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    hashText(`bigint:${String(v)}`, 0);
    return;
  }
  hashSafeBigintParts(n);
}

/**
 * hashBigintParts of BigInt(n), for a safe integer n, without the BigInt or its string: the same
 * characters hashed in the same order. The digits come from 32-bit integer divisions by 10^4 and
 * 100 and two 100-entry tables (a safe integer has at most 16 digits: a high half below 10^8,
 * then the low half's 8 digits zero-padded), not a chain of 16 divisions by 10.
 */
function hashSafeBigintParts(n: number): void {
  let h1 = BIGINT_H1;
  let h2 = BIGINT_H2;
  if (n < 0) {
    h1 = Math.imul(h1 ^ 45, 2654435761); // '-'
    h2 = Math.imul(h2 ^ 45, 1597334677);
  }
  const a = n < 0 ? -n : n;
  const high = Math.floor(a / 1e8);
  // Exact: high * 1e8 <= a < 2^53, so the difference is an integer below 10^8.
  const low = (a - high * 1e8) | 0;
  if (high >= 10_000_000) {
    // 16 digits (timestamps in microseconds since 2001, ids past 10^15): four groups of four with
    // no leading zero to skip, hashed as they are taken, without going through DIGITS.
    const hh = (high / 10000) | 0;
    const lh = (low / 10000) | 0;
    for (let g = 0; g < 4; g++) {
      const x = g === 0 ? hh : g === 1 ? high - hh * 10000 : g === 2 ? lh : low - lh * 10000;
      const p = (x / 100) | 0;
      const q = x - p * 100;
      let ch = TENS[p]!;
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
      ch = UNITS[p]!;
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
      ch = TENS[q]!;
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
      ch = UNITS[q]!;
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    finish(h1, h2);
    return;
  }
  let k: number;
  if (high > 0) {
    const u = (low / 10000) | 0;
    k = put4(low - u * 10000, put4(u, putDigits(high, 0)));
  } else k = putDigits(low, 0);
  for (let i = 0; i < k; i++) {
    const ch = DIGITS[i]!;
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  finish(h1, h2);
}

function hashValueParts(v: string | number | bigint | boolean): void {
  if (typeof v === 'number') hashNumberParts(v);
  else if (typeof v === 'string') hashText(v, 0);
  else if (typeof v === 'bigint') hashBigintParts(v);
  else hashText(`${typeof v}:${String(v)}`, 0);
}

/** Hash of a typed value: numbers by their bits, everything else by its text. */
export function hashValue(v: string | number | bigint | boolean): number {
  hashValueParts(v);
  return 4294967296 * HI + LO;
}

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(M);
  }

  /** Standard error of the estimate (relative). */
  static readonly relativeError = 1.04 / Math.sqrt(M);

  add(text: string): void {
    this.addHash(hash53(text));
  }

  addValue(v: string | number | bigint | boolean): void {
    hashValueParts(v);
    this.addParts(LO, HI);
  }

  /**
   * addValue(text) for text whose UTF-8 bytes `bytes[s, e)` are all ASCII: an ASCII byte is its
   * character's UTF-16 unit, so the hash is the string's, with no string made.
   */
  addAsciiBytes(bytes: Uint8Array, s: number, e: number): void {
    hashAsciiBytes(bytes, s, e);
    this.addParts(LO, HI);
  }

  /** addValue(n) for a number (its bits' hash), without the type dispatch. */
  addNumber(n: number): void {
    hashNumberParts(n);
    this.addParts(LO, HI);
  }

  /** addValue(BigInt(n)) for a safe integer n, without allocating the BigInt. */
  addSafeBigint(n: number): void {
    hashSafeBigintParts(n);
    this.addParts(LO, HI);
  }

  addHash(h: number): void {
    this.addParts(h % 4294967296, Math.floor(h / 4294967296));
  }

  /** Adds the 53-bit hash HI·2^32 + LO (LO: 32 bits, HI: 21 bits). */
  private addParts(lo: number, hi: number): void {
    const index = lo & (M - 1); // low 14 bits
    // Rank: position of the first 1-bit in the other 39 bits (1-based), 40 when all zero; those
    // bits are `low` (the next 32) and `high` (the top 7), ranked with clz32, not bit by bit.
    const low = (lo >>> HLL_PRECISION) | (hi << (32 - HLL_PRECISION));
    let rank: number;
    if (low !== 0) rank = 32 - Math.clz32(low & -low);
    else {
      const high = hi >>> HLL_PRECISION;
      rank = high !== 0 ? 64 - Math.clz32(high & -high) : 40;
    }
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < M; i++) if (o[i]! > r[i]!) r[i] = o[i]!;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const v = this.registers[i]!;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros)); // linear counting
    return Math.round(raw);
  }

  toJSON(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  static fromJSON(text: string): HyperLogLog {
    return new HyperLogLog(new Uint8Array(Buffer.from(text, 'base64')));
  }
}
