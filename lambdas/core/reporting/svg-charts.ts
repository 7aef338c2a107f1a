/**
 * Inline SVG charts for the HTML report: plain markup with fixed sizes, so the page needs no
 * script, no font and no external resource (its CSP forbids all three), and a report with
 * hundreds of columns is still a few string concatenations per chart. Every label and tooltip is
 * data and goes through escapeHtml.
 */
import { DDSKETCH_RELATIVE_ACCURACY } from '../metrics/ddsketch';
import { escapeHtml } from './escape-html';
import { finiteOrUndefined, formatCount, formatNumber, formatPercent } from './format-numbers';

export const CHART_WIDTH = 260;

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

export interface TopValue {
  readonly value: string;
  readonly count: number;
}

const QUANTILE_KEYS = ['p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;

/** Coordinates rounded to 0.1 px keep the markup short. */
function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function open(kind: string, height: number, label: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${kind}" width="${CHART_WIDTH}" height="${height}"` +
    ` viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-label="${escapeHtml(label)}">`
  );
}

/** Labels longer than `max` characters (code points) end in an ellipsis; the tooltip has the full text. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** A horizontal bar filled to the column's null rate. */
export function nullRateBar(column: string, nullRate: number): string {
  const rate = Math.min(1, Math.max(0, finiteOrUndefined(nullRate) ?? 0));
  const width = rate === 0 ? 0 : Math.max(1, rate * CHART_WIDTH);
  const tone = rate === 0 ? 'ok' : rate < 0.5 ? 'some' : 'many';
  return (
    `${open(`nullrate ${tone}`, 12, `null rate of ${column}: ${formatPercent(rate)}`)}` +
    `<rect class="track" x="0" y="0" width="${CHART_WIDTH}" height="12" rx="3"/>` +
    `<rect class="fill" x="0" y="0" width="${px(width)}" height="12" rx="3"><title>${escapeHtml(`${formatPercent(rate)} null`)}</title></rect>` +
    `</svg>`
  );
}

/**
 * Bars of the numeric histogram (equal-width bins), with the outer bounds underneath. The bins are
 * read off the DDSketch (bucket midpoints), so bounds and counts are estimates and carry ≈.
 */
export function histogramChart(column: string, bins: readonly HistogramBin[]): string {
  const usable = bins.filter((b) => finiteOrUndefined(b.count) !== undefined);
  if (usable.length === 0) return '';
  const height = 96;
  const top = 6;
  const plot = 68;
  const max = Math.max(1, ...usable.map((b) => b.count));
  const step = CHART_WIDTH / usable.length;
  const gap = step > 4 ? 1 : 0;
  const bars = usable.map((b, i) => {
    const h = b.count === 0 ? 0 : Math.max(1, (b.count / max) * plot);
    const tip = `≈${formatNumber(b.from)} – ≈${formatNumber(b.to)}: ≈${formatCount(b.count)}`;
    return `<rect class="bar" x="${px(i * step)}" y="${px(top + plot - h)}" width="${px(Math.max(0.5, step - gap))}" height="${px(h)}"><title>${escapeHtml(tip)}</title></rect>`;
  });
  const first = usable[0]!;
  const last = usable[usable.length - 1]!;
  return (
    `${open('histogram', height, `histogram of ${column} (estimated from the quantile sketch)`)}` +
    bars.join('') +
    `<line class="axis" x1="0" y1="${top + plot + 0.5}" x2="${CHART_WIDTH}" y2="${top + plot + 0.5}"/>` +
    `<text x="0" y="${height - 8}" text-anchor="start">${escapeHtml(`≈${formatNumber(first.from)}`)}</text>` +
    `<text x="${CHART_WIDTH}" y="${height - 8}" text-anchor="end">${escapeHtml(`≈${formatNumber(last.to)}`)}</text>` +
    `<text class="muted" x="${CHART_WIDTH / 2}" y="${height - 8}" text-anchor="middle">max ≈${escapeHtml(formatCount(max))} per bin</text>` +
    `</svg>`
  );
}

/**
 * Width budget of one character of a 10px chart label. The page loads no font (its CSP forbids
 * it), so labels are drawn in whatever sans-serif the reader has; 6.5px is above the average
 * advance of digits and lower-case letters at 10px in DejaVu Sans, the widest common default
 * (about 6.4px), so a label never takes more room than its estimate.
 */
export const LABEL_CHAR_WIDTH = 6.5;
/** Least space between two labels on one line of a chart. */
export const LABEL_MIN_GAP = 6;
/** Distance between label lines when the labels of a chart do not fit on one. */
export const LABEL_LINE_HEIGHT = 12;

export interface LabelRequest {
  /** Where the label wants its centre (usually the x of the value it names). */
  readonly x: number;
  readonly text: string;
}

export interface PlacedLabel {
  /** Centre of the label (drawn with text-anchor="middle"). */
  readonly x: number;
  readonly line: number;
  readonly width: number;
}

function estimatedWidth(text: string): number {
  return [...text].length * LABEL_CHAR_WIDTH;
}

/**
 * Places labels on lines so that none overlaps another or leaves [0, width]: each keeps its
 * order and moves as little as it must from its wanted centre. Labels go on one line when they
 * fit there with LABEL_MIN_GAP between them, else on 2, 3... lines (label i on line i mod k), up to
 * one label per line. A label wider than the chart is centred and overflows it on its own line.
 */
export function placeLabels(requests: readonly LabelRequest[], width = CHART_WIDTH): PlacedLabel[] {
  const widths = requests.map((r) => estimatedWidth(r.text));
  for (let lines = 1; lines <= Math.max(1, requests.length); lines++) {
    const placed: PlacedLabel[] = new Array<PlacedLabel>(requests.length);
    let fits = true;
    for (let line = 0; line < lines && fits; line++) {
      const members = requests.map((_, i) => i).filter((i) => i % lines === line);
      const centres = members.map((i) => {
        const half = widths[i]! / 2;
        return Math.min(width - half, Math.max(half, requests[i]!.x));
      });
      // Push right past each left neighbour, then left past each right neighbour and the edge.
      for (let k = 1; k < members.length; k++) {
        const least =
          centres[k - 1]! + widths[members[k - 1]!]! / 2 + LABEL_MIN_GAP + widths[members[k]!]! / 2;
        centres[k] = Math.max(centres[k]!, least);
      }
      for (let k = members.length - 1; k >= 0; k--) {
        const half = widths[members[k]!]! / 2;
        const most =
          k === members.length - 1
            ? width - half
            : centres[k + 1]! - widths[members[k + 1]!]! / 2 - LABEL_MIN_GAP - half;
        centres[k] = Math.min(centres[k]!, most);
      }
      const first = members[0];
      if (members.length > 1 && first !== undefined && centres[0]! - widths[first]! / 2 < -0.01) fits = false;
      members.forEach((i, k) => (placed[i] = { x: centres[k]!, line, width: widths[i]! }));
    }
    if (fits || lines === requests.length) {
      // A lone label wider than the chart: centred, so it overflows both sides evenly.
      return placed.map((p) => (p.width > width ? { ...p, x: width / 2 } : p));
    }
  }
  return [];
}

/** Quantiles come from a DDSketch: every one is an estimate within this relative accuracy. */
const QUANTILE_ACCURACY = `±${DDSKETCH_RELATIVE_ACCURACY * 100}% relative`;

/**
 * A box plot of the quantiles: whiskers from p1 to p99, ticks at p5 and p95, the box from p25 to
 * p75 and a line at the median. Quantiles missing from the report are left out. The values are
 * DDSketch estimates, so their labels and tooltip carry ≈; the labels are placed by placeLabels,
 * on a second line when the lowest, the median and the highest are too close to share one.
 */
export function quantileBox(column: string, quantiles: Readonly<Record<string, number>>): string {
  const q = new Map<string, number>();
  for (const key of QUANTILE_KEYS) {
    const v = finiteOrUndefined(quantiles[key]);
    if (v !== undefined) q.set(key, v);
  }
  if (q.size === 0) return '';
  const values = [...q.values()];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = 8;
  const x = (v: number): number =>
    hi === lo ? CHART_WIDTH / 2 : pad + ((v - lo) / (hi - lo)) * (CHART_WIDTH - 2 * pad);
  const mid = 17;
  const parts: string[] = [];
  const lowKey = (['p1', 'p5', 'p25'] as const).find((k) => q.has(k));
  const highKey = (['p99', 'p95', 'p75'] as const).find((k) => q.has(k));
  const low = lowKey !== undefined ? q.get(lowKey) : undefined;
  const high = highKey !== undefined ? q.get(highKey) : undefined;
  if (low !== undefined && high !== undefined) {
    parts.push(`<line class="whisker" x1="${px(x(low))}" y1="${mid}" x2="${px(x(high))}" y2="${mid}"/>`);
    for (const v of [low, high])
      parts.push(`<line class="whisker" x1="${px(x(v))}" y1="${mid - 6}" x2="${px(x(v))}" y2="${mid + 6}"/>`);
  }
  for (const key of ['p5', 'p95'] as const) {
    const v = q.get(key);
    if (v !== undefined)
      parts.push(`<line class="tick" x1="${px(x(v))}" y1="${mid - 4}" x2="${px(x(v))}" y2="${mid + 4}"/>`);
  }
  const p25 = q.get('p25');
  const p75 = q.get('p75');
  if (p25 !== undefined && p75 !== undefined) {
    parts.push(
      `<rect class="box" x="${px(x(p25))}" y="${mid - 9}" width="${px(Math.max(1, x(p75) - x(p25)))}" height="18"/>`,
    );
  }
  const p50 = q.get('p50');
  if (p50 !== undefined)
    parts.push(
      `<line class="median" x1="${px(x(p50))}" y1="${mid - 9}" x2="${px(x(p50))}" y2="${mid + 9}"/>`,
    );
  const tip = `estimates (DDSketch, ${QUANTILE_ACCURACY}): ${[...q].map(([k, v]) => `${k} ≈${formatNumber(v)}`).join(', ')}`;
  // Lowest, median, highest, left to right; a quantile shown twice (p1 = p50) is labelled once.
  const requests: LabelRequest[] = [];
  if (low !== undefined && lowKey !== undefined)
    requests.push({ x: x(low), text: `${lowKey} ≈${formatNumber(low)}` });
  if (p50 !== undefined) requests.push({ x: x(p50), text: `median ≈${formatNumber(p50)}` });
  if (high !== undefined && highKey !== undefined)
    requests.push({ x: x(high), text: `${highKey} ≈${formatNumber(high)}` });
  if (requests.length === 0) {
    const only = values[0]!;
    requests.push({ x: x(only), text: `≈${formatNumber(only)}` });
  }
  const placed = placeLabels(requests);
  const lines = Math.max(1, ...placed.map((p) => p.line + 1));
  const labels = placed
    .map(
      (p, i) =>
        `<text class="qlabel" x="${px(p.x)}" y="${46 + p.line * LABEL_LINE_HEIGHT}" text-anchor="middle">${escapeHtml(requests[i]!.text)}</text>`,
    )
    .join('');
  const height = 52 + (lines - 1) * LABEL_LINE_HEIGHT;
  return `${open('quantiles', height, `quantiles of ${column}, ${tip}`)}<title>${escapeHtml(tip)}</title>${parts.join('')}${labels}</svg>`;
}

/** Horizontal bars of the most frequent values, largest first, as a share of `total` values. */
export function topValuesChart(column: string, top: readonly TopValue[], total: number, limit = 10): string {
  const shown = top.filter((t) => finiteOrUndefined(t.count) !== undefined).slice(0, limit);
  if (shown.length === 0) return '';
  const row = 16;
  const height = shown.length * row + 2;
  const labelWidth = 104;
  const barSpace = CHART_WIDTH - labelWidth - 52;
  const max = Math.max(1, ...shown.map((t) => t.count));
  const rows = shown.map((t, i) => {
    const y = i * row + 1;
    const w = t.count === 0 ? 0 : Math.max(1, (t.count / max) * barSpace);
    const share = total > 0 ? ` (${formatPercent(t.count / total)})` : '';
    const value = String(t.value);
    return (
      `<g><title>${escapeHtml(`${value}: ${formatCount(t.count)}${share}`)}</title>` +
      `<text x="${labelWidth - 4}" y="${y + 11}" text-anchor="end">${escapeHtml(clip(value, 16))}</text>` +
      `<rect class="bar" x="${labelWidth}" y="${y + 2}" width="${px(w)}" height="${row - 4}"/>` +
      `<text class="muted" x="${px(labelWidth + w + 4)}" y="${y + 11}">${escapeHtml(formatCount(t.count))}</text></g>`
    );
  });
  return `${open('top-values', height, `most frequent values of ${column}`)}${rows.join('')}</svg>`;
}

/** One version on the row-count trend. */
export interface TrendPoint {
  readonly label: string;
  readonly value: number;
}

export const TREND_WIDTH = 2 * CHART_WIDTH;

/**
 * The row count of the earlier versions and of this one (the last point, drawn larger), over the
 * band the history expects: a shaded strip from its low to its high edge with a dashed median.
 * The point outside the band is drawn in the anomaly colour.
 */
export function rowCountTrend(
  points: readonly TrendPoint[],
  band: { readonly low: number; readonly high: number; readonly median: number } | undefined,
): string {
  const usable = points.filter((p) => finiteOrUndefined(p.value) !== undefined);
  if (usable.length < 2) return '';
  const width = TREND_WIDTH;
  const height = 120;
  const top = 8;
  const plot = 84;
  const left = 4;
  const right = 4;
  const values = usable.map((p) => p.value);
  const edges = band ? [band.low, band.high].filter((v) => Number.isFinite(v)) : [];
  let lo = Math.min(...values, ...edges);
  let hi = Math.max(...values, ...edges);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const y = (v: number): number => top + plot - ((v - lo) / (hi - lo)) * plot;
  const step = (width - left - right) / (usable.length - 1);
  const x = (i: number): number => left + i * step;
  const parts: string[] = [];
  if (band && edges.length === 2) {
    const yHigh = y(Math.min(hi, band.high));
    const yLow = y(Math.max(lo, band.low));
    parts.push(
      `<rect class="band" x="0" y="${px(yHigh)}" width="${width}" height="${px(Math.max(1, yLow - yHigh))}">` +
        `<title>${escapeHtml(`expected ${formatCount(Math.round(band.low))} – ${formatCount(Math.round(band.high))} (median ${formatCount(Math.round(band.median))})`)}</title></rect>`,
      `<line class="band-median" x1="0" y1="${px(y(band.median))}" x2="${width}" y2="${px(y(band.median))}"/>`,
    );
  }
  parts.push(
    `<polyline class="trend" fill="none" points="${usable.map((p, i) => `${px(x(i))},${px(y(p.value))}`).join(' ')}"/>`,
  );
  usable.forEach((p, i) => {
    const last = i === usable.length - 1;
    const outside = band !== undefined && (p.value < band.low || p.value > band.high);
    parts.push(
      `<circle class="${last ? 'current' : 'point'}${last && outside ? ' anomaly' : ''}" cx="${px(x(i))}" cy="${px(y(p.value))}" r="${last ? 4 : 2}">` +
        `<title>${escapeHtml(`${p.label}: ${formatCount(p.value)} rows`)}</title></circle>`,
    );
  });
  parts.push(
    `<text class="muted" x="0" y="${height - 6}" text-anchor="start">${escapeHtml(usable[0]!.label)}</text>`,
    `<text x="${width}" y="${height - 6}" text-anchor="end">${escapeHtml(`this version: ${formatCount(usable.at(-1)!.value)} rows`)}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart trend" width="${width}" height="${height}"` +
    ` viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`row count of the last ${usable.length} versions${band ? ' with the expected band' : ''}`)}">` +
    parts.join('') +
    `</svg>`
  );
}
