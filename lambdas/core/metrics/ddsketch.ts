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

export class DDSketch {
  readonly positive = new Map<number, number>();
  readonly negative = new Map<number, number>();
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
    const index = Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA);
    store.set(index, (store.get(index) ?? 0) + 1);
  }

  merge(other: DDSketch): void {
    for (const [k, c] of other.positive) this.positive.set(k, (this.positive.get(k) ?? 0) + c);
    for (const [k, c] of other.negative) this.negative.set(k, (this.negative.get(k) ?? 0) + c);
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
    const neg = [...this.negative.keys()].sort((a, b) => b - a); // most negative first
    for (const k of neg) {
      seen += this.negative.get(k)!;
      if (seen > rank) return -DDSketch.value(k);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const pos = [...this.positive.keys()].sort((a, b) => a - b);
    for (const k of pos) {
      seen += this.positive.get(k)!;
      if (seen > rank) return DDSketch.value(k);
    }
    return DDSketch.value(pos[pos.length - 1] ?? 0);
  }

  toJSON(): { positive: [number, number][]; negative: [number, number][]; zeros: number; count: number } {
    const sorted = (m: Map<number, number>): [number, number][] => [...m].sort((a, b) => a[0] - b[0]);
    return {
      positive: sorted(this.positive),
      negative: sorted(this.negative),
      zeros: this.zeros,
      count: this.count,
    };
  }

  static fromJSON(json: ReturnType<DDSketch['toJSON']>): DDSketch {
    const s = new DDSketch();
    for (const [k, c] of json.positive) s.positive.set(k, c);
    for (const [k, c] of json.negative) s.negative.set(k, c);
    s.zeros = json.zeros;
    s.count = json.count;
    return s;
  }
}
