/**
 * Location and spread that a few wild values cannot move: the median and the median absolute
 * deviation (MAD). A history of 30 versions often holds a backfill, an empty run or a replay; the
 * mean and standard deviation of such a history are pulled towards the outlier and widen the band
 * until the next outlier passes, while the median and MAD ignore up to half the points.
 */

/** 1 / Φ⁻¹(3/4): scales a MAD to the standard deviation of normal data. */
export const MAD_TO_STDDEV = 1.4826;

/** √(π/2): scales a mean absolute deviation to the standard deviation of normal data. */
const MEAN_AD_TO_STDDEV = 1.2533;

/** The median of the values (undefined for none); the input is not reordered. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median absolute deviation from `centre` (undefined for no values). */
export function medianAbsoluteDeviation(values: readonly number[], centre: number): number | undefined {
  return median(values.map((v) => Math.abs(v - centre)));
}

/**
 * A robust standard deviation of the values around `centre`: 1.4826 × MAD. When more than half of
 * the values equal the centre the MAD is 0, and every other value would be infinitely far; the
 * mean absolute deviation (× 1.2533) is then used instead, as the modified z-score of Iglewicz and
 * Hoaglin does. 0 only when every value is the centre.
 */
export function robustScale(values: readonly number[], centre: number): number {
  const mad = medianAbsoluteDeviation(values, centre) ?? 0;
  if (mad > 0) return MAD_TO_STDDEV * mad;
  if (values.length === 0) return 0;
  const meanAd = values.reduce((sum, v) => sum + Math.abs(v - centre), 0) / values.length;
  return MEAN_AD_TO_STDDEV * meanAd;
}
