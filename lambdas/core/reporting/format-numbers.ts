/**
 * Number formatting shared by the HTML and console reports. Reports are read by people deciding
 * whether an output may pass, so a rate that is not exactly 100% never displays as "100.00%" and
 * one above zero never displays as "0.00%".
 */

/** A finite number, or undefined (reports read back from JSON carry `null` for NaN and infinities). */
export function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Text of any value a report carries (JSON-decoded data): strings as they are, objects as JSON. */
export function displayText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value) ?? '';
}

/** Integer counts with thousands separators: 1234567 → "1,234,567". */
export function formatCount(value: unknown): string {
  const n = finiteOrUndefined(value);
  if (n === undefined) return '–';
  if (!Number.isInteger(n)) return formatNumber(n);
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** A rate in [0, 1] as a percentage with two decimals, never rounded onto 0% or 100%. */
export function formatPercent(rate: unknown): string {
  const r = finiteOrUndefined(rate);
  if (r === undefined) return '–';
  if (r > 0 && r < 0.0001) return '<0.01%';
  if (r < 1 && r > 0.9999) return '>99.99%';
  return `${(r * 100).toFixed(2)}%`;
}

/**
 * Compact text for measured values (chart labels, means, quantiles): integers grouped, very large
 * or very small magnitudes in exponent form, everything else with up to six significant digits.
 */
export function formatNumber(value: unknown): string {
  const n = finiteOrUndefined(value);
  if (n === undefined)
    return typeof value === 'string' || typeof value === 'bigint' ? displayText(value) : '–';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return formatCount(n);
  const abs = Math.abs(n);
  if (abs >= 1e15 || (abs !== 0 && abs < 1e-4)) return n.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(n.toPrecision(6)));
}

/** Byte sizes in binary units: 1536 → "1.5 KiB". */
export function formatBytes(value: unknown): string {
  const n = finiteOrUndefined(value);
  if (n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${formatCount(v)} B` : `${Number(v.toFixed(1))} ${units[u]}`;
}
