/**
 * HyperLogLog distinct-count sketch (Flajolet et al. 2007, with the small-range correction of
 * Heule et al. 2013). 2^14 registers: standard error 1.04/√16384 ≈ 0.81%. Merging takes the
 * register-wise maximum, so sketches of partitions merge into exactly the sketch one pass over
 * all the data would have built.
 */
export const HLL_PRECISION = 14;
const M = 1 << HLL_PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** 53-bit string hash (cyrb53): fast, well mixed, deterministic across processes. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** 53-bit hash of a number's IEEE-754 bits (no string conversion). */
export function hashNumber(n: number): number {
  F64[0] = n === 0 ? 0 : n; // -0 and 0 hash alike
  let h1 = Math.imul(U32[0]! ^ 0x9e3779b9, 0x85ebca6b);
  let h2 = Math.imul(U32[1]! ^ 0xc2b2ae35, 0x27d4eb2f);
  h1 ^= h1 >>> 15;
  h2 ^= h2 >>> 13;
  h1 = Math.imul(h1 ^ h2, 0x165667b1);
  h2 = Math.imul(h2 ^ (h1 >>> 16), 0x85ebca6b);
  h1 ^= h1 >>> 16;
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Hash of a typed value: numbers by their bits, everything else by its text. */
export function hashValue(v: string | number | bigint | boolean): number {
  if (typeof v === 'number') return hashNumber(v);
  return hash53(typeof v === 'string' ? v : `${typeof v}:${String(v)}`);
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
    this.addHash(hashValue(v));
  }

  addHash(h: number): void {
    const index = h % M; // low 14 bits
    const rest = Math.floor(h / M); // the other 39 bits
    // Rank: position of the first 1-bit in the 39 remaining bits (1-based), 40 when all zero.
    let rank = 1;
    let w = rest;
    while (rank <= 39 && (w & 1) === 0) {
      w = Math.floor(w / 2);
      rank++;
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
