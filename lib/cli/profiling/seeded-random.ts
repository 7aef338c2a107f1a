/**
 * A small seeded pseudo-random generator (mulberry32), so a sample drawn from a file is the same on
 * every run: the same file drafts the same contract, and a test can name the rows it expects.
 * Not for anything secret.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 random bits as an unsigned integer. */
  private next32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * A whole number in [0, bound), uniform for any bound up to 2^53 (53 random bits, so a file of
   * billions of rows is sampled as evenly at its end as at its start).
   */
  below(bound: number): number {
    const high = this.next32() >>> 11; // 21 bits
    const low = this.next32(); // 32 bits
    const unit = (high * 2 ** 32 + low) / 2 ** 53;
    return Math.floor(unit * bound);
  }
}
