/**
 * Value domains of numeric-like columns, intersected from every bound that applies: the type's
 * limits, the schema `range`, and the bounds of quality rules (greater_than, between ...). Integer
 * types, decimals (unscaled), dates (days) and timestamps (units) are integer domains; floats are
 * real intervals with open or closed ends. Bounds are converted exactly (decimal text, never a
 * float multiply), because a value one unit past a bound fails the validator.
 */
import type { ColumnSpec, QualityRule } from '../contracts/output-contract';
import { columnCodec, daysFromCivil, NOT_CONFORMING } from '../contracts/typed-values';
import { GenerationError } from './generation-error';

export interface IntDomain {
  readonly kind: 'int';
  readonly lo: bigint;
  readonly hi: bigint;
}

export interface RealDomain {
  readonly kind: 'real';
  readonly lo: number;
  readonly hi: number;
  readonly loOpen: boolean;
  readonly hiOpen: boolean;
}

export type Domain = IntDomain | RealDomain;

const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Exact decimal m × 10^e of a number's shortest text (what the validator compares with). */
function exactOf(n: number): { m: bigint; e: number } {
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/i.exec(String(n));
  if (!m) throw new GenerationError(`bound ${n} is not a finite number`);
  const frac = m[3] ?? '';
  const mant = BigInt(`${m[2]}${frac}`);
  return { m: m[1] ? -mant : mant, e: Number(m[4] ?? '0') - frac.length };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** floor(n × 10^scale) or its ceiling, exactly. */
export function scaledBound(n: number, scale: number, mode: 'floor' | 'ceil'): bigint {
  const { m, e } = exactOf(n);
  const shift = e + scale;
  if (shift >= 0) return m * 10n ** BigInt(shift);
  const d = 10n ** BigInt(-shift);
  const f = floorDiv(m, d);
  return mode === 'floor' || f * d === m ? f : f + 1n;
}

/** Whether a type's values form an integer domain (and the unit of its rule bounds). */
export function isIntegerType(column: ColumnSpec): boolean {
  return ['int32', 'int64', 'decimal', 'date', 'timestamp'].includes(column.type);
}

export function typeLimits(column: ColumnSpec): Domain {
  switch (column.type) {
    case 'int32':
      return { kind: 'int', lo: INT32[0], hi: INT32[1] };
    case 'int64':
    case 'timestamp':
      return { kind: 'int', lo: INT64[0], hi: INT64[1] };
    case 'decimal': {
      const max = 10n ** BigInt(column.precision ?? 38) - 1n;
      return { kind: 'int', lo: -max, hi: max };
    }
    case 'date':
      return { kind: 'int', lo: BigInt(daysFromCivil(1, 1, 1)), hi: BigInt(daysFromCivil(9999, 12, 31)) };
    case 'float32':
      return { kind: 'real', lo: -FLOAT32_MAX, hi: FLOAT32_MAX, loOpen: false, hiOpen: false };
    default:
      return { kind: 'real', lo: -Number.MAX_VALUE, hi: Number.MAX_VALUE, loOpen: false, hiOpen: false };
  }
}

/** The integer (unscaled, days, units) behind a typed value of an integer-domain column. */
export function ordinalOf(column: ColumnSpec, typed: unknown): bigint {
  if (column.type === 'date') {
    const m = /^(-?\d+)-(\d{2})-(\d{2})$/.exec(typed as string)!;
    return BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
  }
  return BigInt(typed as number | bigint);
}

function intersect(a: Domain, b: Domain): Domain {
  if (a.kind === 'int' && b.kind === 'int')
    return { kind: 'int', lo: a.lo > b.lo ? a.lo : b.lo, hi: a.hi < b.hi ? a.hi : b.hi };
  const x = a as RealDomain;
  const y = b as RealDomain;
  const lo =
    x.lo > y.lo
      ? { v: x.lo, open: x.loOpen }
      : x.lo < y.lo
        ? { v: y.lo, open: y.loOpen }
        : { v: x.lo, open: x.loOpen || y.loOpen };
  const hi =
    x.hi < y.hi
      ? { v: x.hi, open: x.hiOpen }
      : x.hi > y.hi
        ? { v: y.hi, open: y.hiOpen }
        : { v: x.hi, open: x.hiOpen || y.hiOpen };
  return { kind: 'real', lo: lo.v, hi: hi.v, loOpen: lo.open, hiOpen: hi.open };
}

export function isEmpty(d: Domain): boolean {
  if (d.kind === 'int') return d.lo > d.hi;
  return d.lo > d.hi || (d.lo === d.hi && (d.loOpen || d.hiOpen));
}

/** The schema range as a domain (undefined when absent). */
export function rangeDomain(column: ColumnSpec): Domain | undefined {
  if (!column.range) return undefined;
  const codec = columnCodec(column);
  const [lo, hi] = column.range.map((b) => codec.parse(b));
  if (lo === NOT_CONFORMING || hi === NOT_CONFORMING || lo === undefined || hi === undefined)
    return undefined;
  if (isIntegerType(column)) return { kind: 'int', lo: ordinalOf(column, lo), hi: ordinalOf(column, hi) };
  return { kind: 'real', lo: lo as number, hi: hi as number, loOpen: false, hiOpen: false };
}

/** A rule's numeric bound as a domain (undefined for rules that are not numeric bounds). */
export function ruleDomain(column: ColumnSpec, rule: QualityRule): Domain | undefined {
  const c = rule.condition;
  const int = isIntegerType(column);
  if (
    column.type === 'date' ||
    column.type === 'timestamp' ||
    column.type === 'string' ||
    column.type === 'boolean'
  )
    return undefined;
  const scale = column.type === 'decimal' ? (column.scale ?? 0) : 0;
  const all = typeLimits(column);
  const intBound = (n: number, mode: 'floor' | 'ceil'): bigint => scaledBound(n, scale, mode);
  switch (c.kind) {
    case 'greater_than':
      return int
        ? { kind: 'int', lo: intBound(c.value, 'floor') + 1n, hi: (all as IntDomain).hi }
        : { ...(all as RealDomain), lo: c.value, loOpen: true };
    case 'greater_or_equal':
      return int
        ? { kind: 'int', lo: intBound(c.value, 'ceil'), hi: (all as IntDomain).hi }
        : { ...(all as RealDomain), lo: c.value, loOpen: false };
    case 'less_than':
      return int
        ? { kind: 'int', lo: (all as IntDomain).lo, hi: intBound(c.value, 'ceil') - 1n }
        : { ...(all as RealDomain), hi: c.value, hiOpen: true };
    case 'less_or_equal':
      return int
        ? { kind: 'int', lo: (all as IntDomain).lo, hi: intBound(c.value, 'floor') }
        : { ...(all as RealDomain), hi: c.value, hiOpen: false };
    case 'between':
      return int
        ? { kind: 'int', lo: intBound(c.min, 'ceil'), hi: intBound(c.max, 'floor') }
        : { kind: 'real', lo: c.min, hi: c.max, loOpen: false, hiOpen: false };
    default:
      return undefined;
  }
}

/**
 * The domain values must come from: type limits ∩ range ∩ every numeric rule bound, leaving out
 * the named checks (a violation relaxes the check it breaks). Empty means no value can satisfy
 * the contract: a GenerationError naming the bounds that conflict.
 */
export function columnDomain(
  column: ColumnSpec,
  rules: readonly QualityRule[],
  leaveOut: ReadonlySet<string> = new Set(),
): Domain {
  let d = typeLimits(column);
  const sources: string[] = [];
  const range = leaveOut.has(`${column.name}.range`) ? undefined : rangeDomain(column);
  if (range) {
    d = intersect(d, range);
    sources.push(`range [${String(column.range![0])}, ${String(column.range![1])}]`);
  }
  for (const rule of rules) {
    if (leaveOut.has(rule.name)) continue;
    const r = ruleDomain(column, rule);
    if (!r) continue;
    d = intersect(d, r);
    sources.push(`rule ${rule.name}`);
  }
  if (isEmpty(d)) {
    throw new GenerationError(`no value satisfies ${sources.join(' and ')} (min > max)`, column.name);
  }
  return d;
}

/** Real domain helpers. */
export function contains(d: RealDomain, v: number): boolean {
  return (d.loOpen ? v > d.lo : v >= d.lo) && (d.hiOpen ? v < d.hi : v <= d.hi);
}
