/**
 * DDSketch quantile sketch (Masson, Rim & Lee, VLDB 2019): values fall into logarithmic buckets
 * of relative width 2α, so every quantile it returns is within α (here 1%) of the true value's
 * magnitude. Buckets are counts, so merging adds them: sketches of partitions merge into exactly
 * the sketch of one pass. Zero and negative values have their own stores.
 */
export const DDSKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + DDSKETCH_RELATIVE_ACCURACY) / (1 - DDSKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values closer to zero than this count as zero (keeps the bucket range bounded). */
const MIN_INDEXABLE = 1e-9;

/**
 * Counts by bucket index in one contiguous array (the index range of a store is bounded: about
 * -1040..35500 for doubles), instead of a Map lookup per value. Every index with a count is >= 1.
 */
class BucketStore {
  private counts = new Float64Array(0);
  /** Bucket index of counts[0]. */
  private offset = 0;

  add(index: number, count: number): void {
    let i = index - this.offset;
    if (i < 0 || i >= this.counts.length) {
      this.grow(index);
      i = index - this.offset;
    }
    this.counts[i] = this.counts[i]! + count;
  }

  private grow(index: number): void {
    const old = this.counts;
    if (old.length === 0) {
      this.counts = new Float64Array(128);
      this.offset = index - 64;
      return;
    }
    const lo = Math.min(index, this.offset);
    const hi = Math.max(index, this.offset + old.length - 1);
    // At least double, with room on the side that grew, so a widening range costs O(log) copies.
    const length = Math.max(2 * old.length, hi - lo + 1 + 64);
    const offset = index < this.offset ? hi - length + 1 : lo;
    this.counts = new Float64Array(length);
    this.counts.set(old, this.offset - offset);
    this.offset = offset;
  }

  mergeFrom(other: BucketStore): void {
    const c = other.counts;
    for (let i = 0; i < c.length; i++) if (c[i]! > 0) this.add(other.offset + i, c[i]!);
  }

  /** [index, count] of every bucket with a count, by index ascending. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    const c = this.counts;
    for (let i = 0; i < c.length; i++) if (c[i]! > 0) out.push([this.offset + i, c[i]!]);
    return out;
  }
}

export class DDSketch {
  private readonly positive = new BucketStore();
  private readonly negative = new BucketStore();
  zeros = 0;
  count = 0;

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.count++;
    if (Math.abs(v) < MIN_INDEXABLE) {
      this.zeros++;
      return;
    }
    const store = v > 0 ? this.positive : this.negative;
    // `+ 0` turns a -0 index (ceil of a small negative log) into 0, as a Map key did.
    store.add(Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA) + 0, 1);
  }

  merge(other: DDSketch): void {
    this.positive.mergeFrom(other.positive);
    this.negative.mergeFrom(other.negative);
    this.zeros += other.zeros;
    this.count += other.count;
  }

  private static value(index: number): number {
    return (2 * GAMMA ** index) / (GAMMA + 1);
  }

  /** The q-quantile (0..1), within 1% relative error; undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(0, Math.min(this.count - 1, Math.floor(q * (this.count - 1))));
    let seen = 0;
    const neg = this.negative.entries();
    for (let i = neg.length - 1; i >= 0; i--) {
      // most negative first
      const [k, c] = neg[i]!;
      seen += c;
      if (seen > rank) return -DDSketch.value(k);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const pos = this.positive.entries();
    for (const [k, c] of pos) {
      seen += c;
      if (seen > rank) return DDSketch.value(k);
    }
    return DDSketch.value(pos[pos.length - 1]?.[0] ?? 0);
  }

  toJSON(): { positive: [number, number][]; negative: [number, number][]; zeros: number; count: number } {
    return {
      positive: this.positive.entries(),
      negative: this.negative.entries(),
      zeros: this.zeros,
      count: this.count,
    };
  }

  static fromJSON(json: ReturnType<DDSketch['toJSON']>): DDSketch {
    const s = new DDSketch();
    for (const [k, c] of json.positive) s.positive.add(k, c);
    for (const [k, c] of json.negative) s.negative.add(k, c);
    s.zeros = json.zeros;
    s.count = json.count;
    return s;
  }
}
