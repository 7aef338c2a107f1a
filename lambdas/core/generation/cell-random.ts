/**
 * Counter-based randomness: every cell's random numbers are a pure function of (seed, column,
 * row), never of what was drawn before. That is what makes generation deterministic whatever the
 * batch size, lets a downstream output compute an upstream key at any row without storing it
 * (consistency across steps), and lets a violation pick its rows without a second pass.
 *
 * The mixer is MurmurHash3's 32-bit finalizer and the per-cell stream a SplitMix-style Weyl
 * sequence through it: a handful of integer multiplies per draw (`Math.imul`), fast enough for
 * millions of cells per second, and statistically plenty for test data (not for cryptography).
 */

/** MurmurHash3 fmix32: a bijective avalanche of a 32-bit integer. */
export function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit hash of a text (FNV-1a, then mixed): turns seeds and column names into stream keys. */
export function hashText(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

const TWO_32 = 4294967296;

/**
 * The random numbers of one cell. `at(row)` positions the stream on a row; `next()` and friends
 * then draw that cell's numbers in order. One instance per column is reused for every row.
 */
export class CellRandom {
  private state = 0;

  constructor(readonly key: number) {}

  /** Positions the stream on `row` (any non-negative integer below 2^53). */
  at(row: number): this {
    // Rows below 2^32 (all but the largest tables) skip the division and the % of a double,
    // a library call per cell; both give low = row and high = 0 there.
    let low = row;
    let high = 0;
    if (row >= TWO_32) {
      low = row % TWO_32;
      high = (row - low) / TWO_32;
    }
    this.state = mix32(this.key ^ mix32(low ^ mix32(high + 0x632be5ab)));
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / TWO_32;
  }

  /** Uniform in [0, 1) with 53 bits of resolution (for wide integer ranges). */
  next53(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n) for n up to 2^53. */
  below(n: number): number {
    if (n <= TWO_32) return Math.floor(this.next() * n);
    return Math.min(n - 1, Math.floor(this.next53() * n));
  }

  /** Standard normal (Box–Muller, one of the pair). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * A pseudo-random bijection of [0, n): a balanced Feistel network over the smallest even number of
 * bits covering n, with cycle walking back into range (fewer than 4 rounds on average, because the
 * covering domain is under 4n). Unique values are `value(permutation.apply(row))`, so they need
 * neither a Set nor a second pass, and the inverse finds the row holding a given index.
 */
export class Permutation {
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly keys: readonly number[];

  constructor(
    readonly size: number,
    key: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 1 || size > 2 ** 52)
      throw new RangeError(`permutation size ${size} out of range`);
    let bits = 2;
    while (2 ** bits < size) bits += 2;
    this.halfBits = bits / 2;
    this.mask = 2 ** this.halfBits - 1;
    this.keys = [1, 2, 3, 4].map((i) => mix32(key ^ mix32(i * 0x27d4eb2d)));
  }

  private round(value: number, k: number): number {
    return (mix32(value ^ k) >>> 0) % (this.mask + 1);
  }

  private forward(x: number): number {
    const base = this.mask + 1;
    let left = Math.floor(x / base);
    let right = x % base;
    for (const k of this.keys) {
      const next = (left + this.round(right, k)) % base;
      left = right;
      right = next;
    }
    return left * base + right;
  }

  private backward(y: number): number {
    const base = this.mask + 1;
    let left = Math.floor(y / base);
    let right = y % base;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const prev = (right - this.round(left, this.keys[i]!) + base * 2) % base;
      right = left;
      left = prev;
    }
    return left * base + right;
  }

  apply(index: number): number {
    if (this.size === 1) return 0;
    let y = this.forward(index);
    while (y >= this.size) y = this.forward(y);
    return y;
  }

  invert(value: number): number {
    if (this.size === 1) return 0;
    let x = this.backward(value);
    while (x >= this.size) x = this.backward(x);
    return x;
  }
}
