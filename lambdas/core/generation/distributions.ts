/**
 * Numeric distributions drawn from a cell's random stream. Each returns a real number; callers
 * round it to their type and redraw values that fall outside the column's domain (distributions
 * are truncated to the domain, never clamped, so no spike forms at a bound).
 */
import type { CellRandom } from './cell-random';
import { GenerationError } from './generation-error';
import type { GenerateHints } from '../contracts/contract-schema';

export type Sampler = (rand: CellRandom) => number;

/** Poisson: Knuth's product method for small means, a normal approximation above 30. */
function poisson(mean: number): Sampler {
  if (mean > 30) return (rand) => Math.round(mean + Math.sqrt(mean) * rand.normal());
  const limit = Math.exp(-mean);
  return (rand) => {
    let k = 0;
    let p = rand.next();
    while (p > limit && k < 1000) {
      k++;
      p *= rand.next();
    }
    return k;
  };
}

/** Inverse CDF of ascending quantiles equally spaced in probability (learned distributions). */
export function empirical(quantiles: readonly number[]): Sampler {
  const q = [...quantiles];
  const last = q.length - 1;
  return (rand) => {
    const x = rand.next() * last;
    const i = Math.floor(x);
    const a = q[i]!;
    const b = q[Math.min(last, i + 1)]!;
    return a + (b - a) * (x - i);
  };
}

/**
 * The sampler a column's hints ask for, or undefined for uniform over the domain (the default).
 * `lo`/`hi` are the domain's finite bounds, used for defaults (normal centred on the domain).
 */
export function samplerOf(
  hints: GenerateHints,
  lo: number,
  hi: number,
  subject: string,
): Sampler | undefined {
  const d = hints.distribution;
  if (d === undefined || d === 'uniform' || d === 'categorical') return undefined;
  const mid = (lo + hi) / 2;
  const spread = Number.isFinite(hi - lo) ? (hi - lo) / 6 : 1;
  switch (d) {
    case 'normal': {
      const mean = hints.mean ?? mid;
      const std = hints.std ?? spread;
      return (rand) => mean + std * rand.normal();
    }
    case 'lognormal': {
      const mu = hints.mu ?? Math.log(Math.max(1, mid));
      const sigma = hints.sigma ?? 0.5;
      return (rand) => Math.exp(mu + sigma * rand.normal());
    }
    case 'exponential': {
      const mean = hints.mean ?? Math.max(1, spread);
      if (!(mean > 0)) throw new GenerationError(`exponential needs mean > 0 (got ${mean})`, subject);
      return (rand) => -mean * Math.log(1 - rand.next());
    }
    case 'poisson': {
      const mean = hints.mean ?? Math.max(1, spread);
      if (!(mean > 0)) throw new GenerationError(`poisson needs mean > 0 (got ${mean})`, subject);
      return poisson(mean);
    }
    case 'empirical':
      if (!hints.quantiles) throw new GenerationError('empirical needs quantiles', subject);
      return empirical(hints.quantiles);
    default:
      throw new GenerationError(
        `distribution '${d}' is not one of uniform, normal, lognormal, exponential, poisson, categorical, empirical`,
        subject,
      );
  }
}

/** Cumulative weights for categorical draws; binary search per draw. */
export class Categorical<T> {
  private readonly cumulative: Float64Array;
  constructor(
    readonly values: readonly T[],
    weights?: readonly number[],
  ) {
    this.cumulative = new Float64Array(values.length);
    let total = 0;
    values.forEach((_, i) => {
      total += weights?.[i] ?? 1;
      this.cumulative[i] = total;
    });
    for (let i = 0; i < values.length; i++) this.cumulative[i]! /= total;
  }

  pick(rand: CellRandom): T {
    return this.values[this.pickIndex(rand)]!;
  }

  /** The index in `values` of the value `pick` draws. */
  pickIndex(rand: CellRandom): number {
    const u = rand.next();
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
