/**
 * Turns what a ColumnObserver saw into a drafted contract column: its type (declared by a typed
 * file, or inferred from text), nullability, and suggested constraints and quality rules, each
 * with the reason a person needs to judge it.
 *
 * What is enforced in the draft is what the sample shows with little risk of being an accident of
 * the sample: types, nullability, categories of a repeated few values, the shape of codes, fixed
 * lengths, keys. Observed ranges are left as commented suggestions (the next file will have a new
 * maximum) plus a `warn` rule, so a fresh draft does not fail the next output on a new extreme.
 */
import {
  type ColumnSpec,
  type ColumnType,
  type TimestampUnit,
  columnCodec,
  formatTimestamp,
  NOT_CONFORMING,
  type ColumnCodec,
} from '../../../lambdas/core/contracts';
import type { InferredColumn } from '../../../lambdas/core/formats';
import type { ColumnObserver, Extremes } from './column-observer';
import type { DeclaredEncoding } from './declared-encodings';

/** A column as the contract file spells it (snake_case keys, decimal as `decimal(p,s)`). */
export interface DraftColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly unit?: TimestampUnit;
  readonly zone?: string;
  readonly allowed?: readonly (string | number)[];
  readonly pattern?: string;
  readonly length?: number | readonly [number, number];
  readonly unique?: boolean;
}

/** A quality rule as the contract file spells it. */
export interface DraftRule {
  readonly name: string;
  readonly type: 'completeness' | 'accuracy';
  readonly field: string;
  readonly condition: 'not_null' | 'between';
  readonly value?: readonly [number, number];
  readonly threshold: number;
  readonly severity: 'error' | 'warn';
  /** Why the rule is suggested (a comment in the draft). */
  readonly reason: string;
}

/** A key not enforced yet, written as a commented line the user can uncomment. */
export interface Suggestion {
  readonly key: 'range' | 'length' | 'unique';
  readonly value: unknown;
  readonly reason: string;
}

export interface ColumnDraft {
  readonly column: DraftColumn;
  /** Comment lines above the column: what was seen and why each choice was made. */
  readonly notes: readonly string[];
  readonly suggestions: readonly Suggestion[];
  readonly rules: readonly DraftRule[];
}

export interface InferColumnOptions {
  /** Most distinct values that make a column categorical (`allowed`). */
  readonly maxCategories: number;
  /** Fewest non-null values before `unique` is proposed (a handful of rows is unique by chance). */
  readonly minValuesForUnique: number;
  /** Rows in the sample (a column absent from some JSON rows has fewer cells). */
  readonly rows: number;
  /**
   * The whole input, when the observer saw a sample of it: its rows and this column's nulls
   * among them (counted in every row), which decide nullability and completeness exactly.
   */
  readonly whole?: { readonly rows: number; readonly nulls: number };
  /** Rule names already taken (rules are named after columns, which may collide once cleaned). */
  readonly ruleNames: Set<string>;
  /** The distinct-tracking bound the observer used, for the notes. */
  readonly maxDistinct: number;
  /** How a typed file's TIME or binary column is carried (declared-encodings.ts). */
  readonly encoding?: DeclaredEncoding;
}

/** Every base64 text the readers make of bytes matches it, whatever the bytes. */
export const BASE64_PATTERN = '[A-Za-z0-9+/]*={0,2}';

const TIME_UNIT_WORDS = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' } as const;

interface Typed {
  readonly spec: ColumnSpec;
  readonly type: string;
  readonly why: string[];
}

const count = (n: number): string => n.toLocaleString('en-US');
const percent = (part: number, whole: number): string =>
  `${((part / whole) * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

/** Contract rule names: letters, digits, _ . - (column names can hold anything). */
function ruleName(column: string, suffix: string, taken: Set<string>): string {
  const base = `${column.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.-]+/, '') || 'column'}_${suffix}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Rounds a fraction down to two decimals, exactly (0.973 → 0.97; never above the observed rate). */
export function floorRate(part: number, whole: number): number {
  const scaled = part * 100;
  return (scaled - (scaled % whole)) / whole / 100;
}

// ---- numbers that bound exact values from outside (rule bounds are JSON numbers) ----

const scratch = new DataView(new ArrayBuffer(8));

function nextFloat(n: number, up: boolean): number {
  if (n === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  scratch.setFloat64(0, n);
  const bits = scratch.getBigInt64(0);
  scratch.setBigInt64(0, n > 0 === up ? bits + 1n : bits - 1n);
  return scratch.getFloat64(0);
}

/** The nearest number at or below (or above) an exact value of the column. */
function outwardNumber(
  codec: ColumnCodec,
  value: Exclude<ReturnType<ColumnCodec['parse']>, typeof NOT_CONFORMING>,
  text: string,
  up: boolean,
): number {
  let n = Number(text);
  for (let i = 0; i < 4 && codec.compareToNumber(value, n) * (up ? 1 : -1) > 0; i++) n = nextFloat(n, up);
  return n;
}

function decideType(o: ColumnObserver, declared: InferredColumn | undefined): Typed {
  if (declared) {
    const type =
      declared.type === 'decimal'
        ? `decimal(${declared.precision ?? 38},${declared.scale ?? 0})`
        : declared.type;
    const spec: ColumnSpec = {
      name: declared.name,
      type: declared.type,
      nullable: true,
      ...(declared.unit ? { unit: declared.unit, zone: 'UTC' } : {}),
      ...(declared.type === 'decimal'
        ? { precision: declared.precision ?? 38, scale: declared.scale ?? 0 }
        : {}),
    };
    return { spec, type, why: [`type ${type} as the file declares it`] };
  }
  const name = 'x';
  const simple = (type: ColumnType, why: string): Typed => ({
    spec: { name, type, nullable: true },
    type,
    why: [why],
  });
  if (o.values === 0) {
    return simple(
      'string',
      `${o.nulls === 0 ? 'no rows' : 'every value null'} in the sample: type unknown, drafted as string`,
    );
  }
  if (o.boolean) return simple('boolean', 'every value is true or false');
  if (o.integer) {
    if (o.int32)
      return simple(
        'int32',
        'every value is an integer within int32 (use int64 if they may grow past 2,147,483,647)',
      );
    if (o.int64) return simple('int64', 'every value is an integer; some are beyond int32');
    if (o.integerDigits <= 38) {
      const precision = o.integerDigits;
      return {
        spec: { name, type: 'decimal', nullable: true, precision, scale: 0 },
        type: `decimal(${precision},0)`,
        why: [`integers beyond int64 (up to ${precision} digits): an exact decimal`],
      };
    }
    return simple('string', `integers of more than 38 digits: no exact numeric type, kept as text`);
  }
  if (o.decimal && o.decimalScale !== undefined && !(o.decimalZeroFractions && o.decimalScale === 1)) {
    const scale = o.decimalScale;
    // Headroom: decimal(10,2) for money-like values; the largest value sets it when bigger.
    const precision = Math.min(38, Math.max(o.decimalDigits, scale + 1, 10));
    if (o.decimalDigits <= 38) {
      return {
        spec: { name, type: 'decimal', nullable: true, precision, scale },
        type: `decimal(${precision},${scale})`,
        why: [
          `${scale} digit${scale === 1 ? '' : 's'} after the point in every value: an exact decimal (largest has ${o.decimalDigits} digits; use float64 if the scale is not fixed)`,
        ],
      };
    }
  }
  if (o.float) {
    return simple(
      'float64',
      o.decimal && o.decimalZeroFractions
        ? 'numbers written with .0: float64'
        : 'numbers with fractions or exponents: float64',
    );
  }
  if (o.date) return simple('date', 'every value is a date (YYYY-MM-DD)');
  if (o.timestamp && o.timestampWithTime) {
    const digits = o.timestampFractionDigits;
    const unit: TimestampUnit = digits === 0 || digits <= 3 ? 'ms' : digits <= 6 ? 'us' : 'ns';
    const why = [
      `timestamps with ${digits === 0 ? 'no' : `up to ${digits}`} fraction digit${digits === 1 ? '' : 's'}: unit ${unit}`,
    ];
    if (o.timestampZoneless)
      why.push(
        `${o.timestampZoned ? 'some values carry' : 'no value carries'} a zone: zone-less ones read as UTC (set zone: '+05:30' if they are local time)`,
      );
    return { spec: { name, type: 'timestamp', nullable: true, unit, zone: 'UTC' }, type: 'timestamp', why };
  }
  if (o.text) {
    const why =
      o.leadingZeroExample !== undefined
        ? [`numbers with leading zeros (e.g. '${o.leadingZeroExample}') stay strings so the zeros survive`]
        : [];
    return { spec: { name, type: 'string', nullable: true }, type: 'string', why };
  }
  return simple(
    'string',
    'mixed JSON value types (text and numbers or booleans): no single type accepts them all, drafted as string; fix the writer or the type',
  );
}

function extremesOf(o: ColumnObserver, spec: ColumnSpec): Extremes<string> | undefined {
  switch (spec.type) {
    case 'int32':
    case 'int64':
      return o.integers ? { min: String(o.integers.min), max: String(o.integers.max) } : undefined;
    case 'decimal': {
      const scale = spec.scale ?? 0;
      if (o.integers && scale === 0 && o.integer)
        return { min: String(o.integers.min), max: String(o.integers.max) };
      if (!o.decimals || o.decimalScale === undefined) return undefined;
      const text = (v: bigint): string => {
        const s = o.decimalScale!;
        const neg = v < 0n;
        const digits = (neg ? -v : v).toString().padStart(s + 1, '0');
        return `${neg ? '-' : ''}${digits.slice(0, -s)}.${digits.slice(-s)}`;
      };
      return { min: text(o.decimals.min), max: text(o.decimals.max) };
    }
    case 'float32':
    case 'float64':
      if (o.floats) return { min: String(o.floats.min), max: String(o.floats.max) };
      if (o.integers) return { min: String(o.integers.min), max: String(o.integers.max) };
      return undefined;
    case 'date':
      return o.dates;
    case 'timestamp': {
      if (!o.timestamps) return undefined;
      const unit = spec.unit ?? 'us';
      const per = 10n ** BigInt(9 - (unit === 'ms' ? 3 : unit === 'us' ? 6 : 9));
      // Exact: the unit keeps every fraction digit of the sample (floor for the declared-type case).
      const at = (ns: bigint): string =>
        formatTimestamp(ns >= 0n || ns % per === 0n ? ns / per : ns / per - 1n, unit);
      return { min: at(o.timestamps.min), max: at(o.timestamps.max) };
    }
    default:
      return undefined;
  }
}

/** Drafts one column from its observations and, for typed files, its declared type. */
export function inferColumn(
  name: string,
  o: ColumnObserver,
  declared: InferredColumn | undefined,
  options: InferColumnOptions,
): ColumnDraft {
  const declaredType = decideType(o, declared);
  const encoding = declared ? options.encoding : undefined;
  const typed: Typed =
    encoding?.kind === 'time'
      ? {
          ...declaredType,
          why: [
            `the file declares a time of day (TIME, ${encoding.unit}); the readers give whole ${TIME_UNIT_WORDS[encoding.unit]} since midnight: ${declaredType.type}`,
          ],
        }
      : encoding?.kind === 'binary' && declaredType.spec.type === 'string'
        ? {
            ...declaredType,
            why: [
              'the file declares bytes; the readers give them as base64 text: string with a base64 pattern (no categories, lengths or keys drafted: they would describe the encoding, not the data)',
            ],
          }
        : declaredType;
  const binary = encoding?.kind === 'binary' && declaredType.spec.type === 'string';
  const spec: ColumnSpec = { ...typed.spec, name };
  const codec = columnCodec(spec);
  const whole = options.whole;
  /** The observer saw a sample, not every row: what the sample shows is not known of the rest. */
  const sampledFrom = whole !== undefined && whole.rows > options.rows ? whole : undefined;
  const sampled = sampledFrom !== undefined;
  const nullable = (whole ? whole.nulls > 0 : o.nulls > 0) || o.values === 0;
  const notes: string[] = [];
  const suggestions: Suggestion[] = [];
  const rules: DraftRule[] = [];
  const isText = spec.type === 'string';
  const isInteger =
    spec.type === 'int32' || spec.type === 'int64' || (spec.type === 'decimal' && spec.scale === 0);
  const numeric = isInteger || spec.type === 'decimal' || spec.type === 'float32' || spec.type === 'float64';

  const rows = Math.max(options.rows, o.values + o.nulls);
  const distinctKnown = o.distinct !== undefined;
  // Canonical values (through the chosen type): '+1' and '1' are one int64 value.
  let categories: { value: string | number; count: number }[] | undefined;
  let distinctCount: number | undefined;
  if (o.distinct) {
    const merged = new Map<string, { value: string | number; count: number }>();
    for (const [raw, n] of o.distinct) {
      const v = codec.parse(raw);
      if (v === NOT_CONFORMING) continue; // only mixed JSON columns: the type note says so
      const key = codec.canonical(v);
      const entry = merged.get(key);
      if (entry) entry.count += n;
      else merged.set(key, { value: typeof v === 'number' ? v : isText ? (v as string) : key, count: n });
    }
    distinctCount = merged.size;
    categories = [...merged.values()].sort(
      (a, b) => b.count - a.count || (String(a.value) < String(b.value) ? -1 : 1),
    );
  }

  // ---- what was seen ----
  const seen = [`${count(o.values)} value${o.values === 1 ? '' : 's'}${sampled ? ' sampled' : ''}`];
  if (sampledFrom) {
    const { nulls, rows: all } = sampledFrom;
    seen.push(
      nulls === 0
        ? `no nulls in all ${count(all)} rows`
        : `${count(nulls)} null${nulls === 1 ? '' : 's'} in all ${count(all)} rows (${percent(nulls, all)})`,
    );
  } else {
    seen.push(
      o.nulls === 0
        ? 'no nulls'
        : `${count(o.nulls)} null${o.nulls === 1 ? '' : 's'} (${percent(o.nulls, rows)})`,
    );
  }
  if (distinctCount !== undefined && o.values > 0) seen.push(`${count(distinctCount)} distinct`);
  else if (o.distinctStopped === 'too_many') seen.push(`more than ${count(options.maxDistinct)} distinct`);
  const extremes = o.values > 0 ? extremesOf(o, spec) : undefined;
  if (extremes && !isText) seen.push(`min ${extremes.min}, max ${extremes.max}`);
  if (isText && o.lengths)
    seen.push(
      `length ${o.lengths.min === o.lengths.max ? o.lengths.min : `${o.lengths.min}–${o.lengths.max}`}`,
    );
  notes.push(seen.join(', '));
  notes.push(...typed.why);
  if (declared && !declared.nullable && o.nulls === 0) notes.push('required in the file schema');
  else if (declared?.nullable && o.nulls === 0 && o.values > 0)
    notes.push('optional in the file schema, but no nulls in the sample: nullable false');

  const column: {
    -readonly [K in keyof DraftColumn]: DraftColumn[K];
  } = { name, type: typed.type, nullable };
  if (spec.type === 'timestamp') {
    column.unit = spec.unit ?? 'us';
    if (!declared && o.timestampZoneless) column.zone = 'UTC';
  }

  // ---- categories ----
  const categorical =
    !binary &&
    categories !== undefined &&
    (isText || isInteger) &&
    categories.length > 0 &&
    categories.length <= options.maxCategories &&
    o.values >= 2 * categories.length;
  if (categorical) {
    column.allowed = categories!.map((c) => c.value);
    notes.push(
      `${categories!.length} value${categories!.length === 1 ? '' : 's'} repeated across ${count(o.values)} rows: allowed (${categories!
        .slice(0, 5)
        .map((c) => `${String(c.value)} ${count(c.count)}`)
        .join(', ')}${categories!.length > 5 ? ', …' : ''})`,
    );
  }

  // ---- shape and length of text ----
  if (binary) column.pattern = BASE64_PATTERN;
  if (isText && !binary && !categorical && o.values > 0) {
    const inferred = o.shape.pattern();
    if (inferred) {
      column.pattern = inferred.pattern;
      notes.push(`pattern: ${inferred.reason}`);
    }
    if (o.lengths) {
      if (o.lengths.min === o.lengths.max && !inferred) {
        column.length = o.lengths.min;
        notes.push(`length: every value has ${o.lengths.min} characters`);
      } else if (!inferred) {
        suggestions.push({
          key: 'length',
          value: [o.lengths.min, o.lengths.max],
          reason: 'observed; uncomment to enforce',
        });
      }
    }
  }

  // ---- keys ----
  if ((isText || isInteger) && !binary && !categorical && o.values > 0) {
    const unique = distinctCount !== undefined && distinctCount === o.values && !o.repeated;
    if (unique && o.values >= options.minValuesForUnique && sampled) {
      // Repeats among the rows not sampled would fail the file its draft came from.
      suggestions.push({
        key: 'unique',
        value: true,
        reason: `no repeat among ${count(o.values)} sampled values; the rows not sampled were not checked`,
      });
    } else if (unique && o.values >= options.minValuesForUnique) {
      column.unique = true;
      notes.push(`unique: all ${count(o.values)} values distinct, a key candidate`);
    } else if (!distinctKnown && !o.repeated && o.distinctStopped === 'too_many') {
      suggestions.push({
        key: 'unique',
        value: true,
        reason: `no repeat in the first ${count(options.maxDistinct)} values; not checked beyond`,
      });
    }
  }

  // ---- ranges ----
  if (extremes && spec.type !== 'boolean' && !isText) {
    const bound = (v: string): string | number => {
      if (spec.type === 'date' || spec.type === 'timestamp' || spec.type === 'decimal') return v;
      const n = Number(v);
      return Number.isSafeInteger(n) || !isInteger ? n : v;
    };
    suggestions.push({
      key: 'range',
      value: [bound(extremes.min), bound(extremes.max)],
      reason: 'observed in the sample; widen to the real limits and uncomment to enforce',
    });
    if (numeric && !o.nonFinite) {
      const lo = codec.parse(extremes.min);
      const hi = codec.parse(extremes.max);
      if (lo !== NOT_CONFORMING && hi !== NOT_CONFORMING) {
        const value: [number, number] = [
          outwardNumber(codec, lo, extremes.min, false),
          outwardNumber(codec, hi, extremes.max, true),
        ];
        if (Number.isFinite(value[0]) && Number.isFinite(value[1])) {
          rules.push({
            name: ruleName(name, 'range', options.ruleNames),
            type: 'accuracy',
            field: name,
            condition: 'between',
            value,
            threshold: 0.99,
            severity: 'warn',
            reason: `${name}: values stayed within [${extremes.min}, ${extremes.max}] in the sample; warns when more than 1% fall outside`,
          });
        }
      }
    } else if (numeric && o.nonFinite) {
      notes.push('NaN or infinite values present: no range rule');
    }
  }

  // ---- completeness ----
  const present = sampledFrom ? sampledFrom.rows - sampledFrom.nulls : o.values;
  const presentOf = sampledFrom ? sampledFrom.rows : rows;
  if (nullable && present > 0) {
    const threshold = floorRate(present, presentOf);
    if (threshold > 0) {
      rules.push({
        name: ruleName(name, 'completeness', options.ruleNames),
        type: 'completeness',
        field: name,
        condition: 'not_null',
        threshold,
        severity: 'warn',
        reason: `${name}: present in ${percent(present, presentOf)} of ${sampled ? 'all ' : ''}rows; threshold rounded down`,
      });
    }
  }
  notes.push(enforcedNote(column, options.rows, whole?.rows));
  return { column, notes, suggestions, rules };
}

/** What the draft enforces for a column, and from how many rows each part was inferred. */
function enforcedNote(column: DraftColumn, sampleRows: number, wholeRows: number | undefined): string {
  const parts = [`type ${column.type}`, column.nullable ? 'nulls allowed' : 'no nulls'];
  if (column.allowed)
    parts.push(`allowed (${column.allowed.length} value${column.allowed.length === 1 ? '' : 's'})`);
  if (column.pattern !== undefined) parts.push('pattern');
  if (column.length !== undefined) parts.push('length');
  if (column.unique) parts.push('unique');
  const from =
    wholeRows === undefined || wholeRows <= sampleRows
      ? `from all ${count(sampleRows)} rows`
      : `from a sample of ${count(sampleRows)} of ${count(wholeRows)} rows (nulls from all of them)`;
  return `enforced: ${parts.join(', ')}; ${from}`;
}
