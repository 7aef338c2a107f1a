/**
 * How a producer's columns land on a step that reads them, graded by the design notes' rules,
 * column by column. In a diff the reader reads the producer's whole old contract: the new contract
 * is the producer, the old one the reader's expectation; a step that declared what it reads is
 * graded on those columns (edge-grade.ts), by the same rules.
 *
 * - a column added → compatible (a reader of the old columns ignores it);
 * - a column removed → convertible when it was nullable (the reader fills nulls), else incompatible;
 * - a type the reader can hold every value of (int32 → int64, float32 → float64, int → float64,
 *   decimal(p,s) into decimal(p',s') with room) → compatible;
 * - the other way (int64 → int32, a float into a decimal, a decimal losing digits, a timestamp
 *   finer than the reader's) → convertible, with a cast plan: values that do not fit fail the cast;
 * - any type into a string → convertible (formatted as text); other changes → incompatible;
 * - nullable where the reader needs non-null → convertible (rows with nulls fail or are dropped).
 */
import { COMPATIBILITY_LEVELS } from './contract-vocabulary';
import {
  NUMERIC_TYPES,
  type ColumnSpec,
  type CompatibilityLevel,
  type OutputContract,
} from './output-contract';
import { columnCodec, NOT_CONFORMING, type Parsed } from './typed-values';

export interface ColumnChange {
  readonly column: string;
  /** What changed, in words ("int32 → int64", "removed (was nullable)"). */
  readonly change: string;
  readonly level: CompatibilityLevel;
  /** For a convertible change: what a reader must do. */
  readonly castPlan?: string;
}

export interface ContractDiff {
  /** The worst level of any change; strict when nothing a reader sees changed. */
  readonly level: CompatibilityLevel;
  readonly changes: readonly ColumnChange[];
}

export function levelRank(level: CompatibilityLevel): number {
  return COMPATIBILITY_LEVELS.indexOf(level);
}

function worst(levels: readonly CompatibilityLevel[]): CompatibilityLevel {
  return levels.reduce<CompatibilityLevel>((a, b) => (levelRank(b) > levelRank(a) ? b : a), 'strict');
}

export function typeText(c: ColumnSpec): string {
  if (c.type === 'decimal') return `decimal(${c.precision ?? 38},${c.scale ?? 0})`;
  if (c.type === 'timestamp') return `timestamp(${c.unit ?? 'us'})`;
  return c.type;
}

const UNIT_DIGITS = { ms: 3, us: 6, ns: 9 } as const;
/** Digits before the point that each integer type can need. */
const INTEGER_DIGITS = { int32: 10, int64: 19 } as const;

/** Grades values of the producer's column read as the consumer's column (types only). */
export function gradeType(
  producer: ColumnSpec,
  consumer: ColumnSpec,
): { level: CompatibilityLevel; castPlan?: string } {
  const from = typeText(producer);
  const to = typeText(consumer);
  if (from === to) return { level: 'strict' };
  const narrowing = {
    level: 'convertible' as const,
    castPlan: `cast ${from} to ${to}; values that do not fit fail`,
  };
  const p = producer.type;
  const c = consumer.type;
  if (c === 'string') return { level: 'convertible', castPlan: `format ${from} values as text` };
  if (p === 'int32' && c === 'int64') return { level: 'compatible' };
  if (p === 'int64' && c === 'int32') return narrowing;
  if (p === 'float32' && c === 'float64') return { level: 'compatible' };
  if (p === 'float64' && c === 'float32') return narrowing;
  // Every int32 is exact in a float64; an int64 past 2^53 is not.
  if (p === 'int32' && c === 'float64') return { level: 'compatible' };
  if ((p === 'int64' || p === 'int32') && (c === 'float32' || c === 'float64')) return narrowing;
  if ((p === 'float32' || p === 'float64') && (c === 'int32' || c === 'int64' || c === 'decimal'))
    return narrowing;
  if ((p === 'int32' || p === 'int64') && c === 'decimal') {
    const room = (consumer.precision ?? 38) - (consumer.scale ?? 0);
    return room >= INTEGER_DIGITS[p] ? { level: 'compatible' } : narrowing;
  }
  if (p === 'decimal' && c === 'decimal') {
    const [pp, ps] = [producer.precision ?? 38, producer.scale ?? 0];
    const [cp, cs] = [consumer.precision ?? 38, consumer.scale ?? 0];
    return cs >= ps && cp - cs >= pp - ps ? { level: 'compatible' } : narrowing;
  }
  if (p === 'decimal' && (c === 'int32' || c === 'int64' || c === 'float32' || c === 'float64'))
    return narrowing;
  if (p === 'timestamp' && c === 'timestamp') {
    const finer = UNIT_DIGITS[producer.unit ?? 'us'] > UNIT_DIGITS[consumer.unit ?? 'us'];
    return finer
      ? { level: 'convertible', castPlan: `truncate ${from} to ${to}; sub-unit digits are lost` }
      : { level: 'compatible' };
  }
  if (p === 'date' && c === 'timestamp') return { level: 'compatible' };
  if (p === 'timestamp' && c === 'date')
    return { level: 'convertible', castPlan: `cast ${from} to date; the time of day is lost` };
  return { level: 'incompatible' };
}

/**
 * What a typed file's values showed when read as a narrower type: how many non-null values were
 * cast and how many did not fit exactly (out of range, a float not exact in float32, digits a
 * decimal or a timestamp unit would drop).
 */
export interface ValueFit {
  /** The narrower type the values were cast to (typeText). */
  readonly to: string;
  readonly checked: number;
  readonly misfits: number;
  /** The first value that did not fit. */
  readonly example?: string;
}

/**
 * Whether a stored type read as `target` is a narrowing whose verdict the values decide: a cast
 * that can fail or lose digits (int64 → int32, float64 → float32, a decimal or a timestamp unit
 * with less room). Formatting as text and a timestamp cut to a date are cast plans whatever the
 * values hold.
 */
export function narrowingNeedsValues(stored: ColumnSpec, target: ColumnSpec): boolean {
  if (target.type === 'string' || (stored.type === 'timestamp' && target.type === 'date')) return false;
  return gradeType(stored, target).level === 'convertible';
}

/**
 * The grade of a typed file's declared (stored) type read as `target`: the type rules first
 * (int32 stored for an int64 column is compatible), then, for a narrowing, the values: convertible
 * with a cast plan when every value fits, incompatible when one does not. Without a measured fit a
 * narrowing stays convertible with the plan's warning that values that do not fit fail.
 */
export function gradeStoredType(
  stored: ColumnSpec,
  target: ColumnSpec,
  fit: ValueFit | undefined,
): { level: CompatibilityLevel; castPlan?: string; misfit?: string } {
  const grade = gradeType(stored, target);
  if (!fit || !narrowingNeedsValues(stored, target)) return grade;
  const from = typeText(stored);
  const to = typeText(target);
  if (fit.misfits === 0)
    return {
      level: 'convertible',
      castPlan: `cast ${from} to ${to}: all ${fit.checked} values fit`,
    };
  return {
    level: 'incompatible',
    misfit: `${fit.misfits} of ${fit.checked} ${from} values do not fit ${to}${fit.example !== undefined ? ` (e.g. ${fit.example})` : ''}`,
  };
}

/** How columns a reader expects but the producer lacks, and constraints, are graded. */
export interface GradeOptions {
  /**
   * A reader of a whole contract fills a missing nullable column with nulls (convertible); a step
   * that declared it reads the column cannot do without it (incompatible).
   */
  readonly missingNullable: 'convertible' | 'incompatible';
  /** Grade the reader's declared range and allowed values against the producer's (declared readers). */
  readonly constraints: boolean;
  /** What a reader is called in cast plans ("readers", "features/order_features"). */
  readonly reader: string;
  /** Columns the producer has but did not type (seen in data, not in its contract). */
  readonly untyped?: ReadonlySet<string>;
  /**
   * A landed typed file: how its values fit a narrower type a reader expects (by column), so a
   * narrowing is graded by the values (gradeStoredType) rather than by the types alone.
   */
  readonly fits?: ReadonlyMap<string, readonly ValueFit[]>;
}

const DIFF_OPTIONS: GradeOptions = { missingNullable: 'convertible', constraints: false, reader: 'readers' };

function boundsText(range: readonly [number | string, number | string]): string {
  return `[${String(range[0])}, ${String(range[1])}]`;
}

/** Whether every value the producer's declared range or set allows is inside the reader's. */
function constraintChange(producer: ColumnSpec, reader: ColumnSpec, who: string): ColumnChange | undefined {
  const codec = columnCodec(reader);
  const parse = (v: number | string | boolean): Parsed =>
    codec.parse(typeof v === 'number' && !NUMERIC_TYPES.includes(reader.type) ? String(v) : v);
  if (reader.range) {
    const [lo, hi] = reader.range.map(parse);
    // A bound that does not parse was rejected when the contract loaded; nothing is within it here.
    const within = (v: Parsed): boolean =>
      v !== NOT_CONFORMING &&
      lo !== undefined &&
      lo !== NOT_CONFORMING &&
      hi !== undefined &&
      hi !== NOT_CONFORMING &&
      codec.compare(v, lo) >= 0 &&
      codec.compare(v, hi) <= 0;
    const held = producer.allowed
      ? producer.allowed.every((v) => within(parse(v)))
      : producer.range !== undefined && producer.range.every((v) => within(parse(v)));
    if (!held)
      return {
        column: reader.name,
        change: `${who} needs values in ${boundsText(reader.range)}; the producer ${producer.allowed ? 'allows other values' : producer.range ? `declares ${boundsText(producer.range)}` : 'declares no range'}`,
        level: 'convertible',
        castPlan: `rows outside ${boundsText(reader.range)} fail ${who}'s expectation, or are dropped`,
      };
  }
  if (reader.allowed) {
    const allowed = new Set(
      reader.allowed.flatMap((v) => {
        const parsed = parse(v);
        return parsed === NOT_CONFORMING ? [] : [codec.canonical(parsed)];
      }),
    );
    const held =
      producer.allowed !== undefined &&
      producer.allowed.every((v) => {
        const parsed = parse(v);
        return parsed !== NOT_CONFORMING && allowed.has(codec.canonical(parsed));
      });
    if (!held)
      return {
        column: reader.name,
        change: `${who} reads only ${reader.allowed.map(String).join(', ')}; the producer ${producer.allowed ? `allows ${producer.allowed.map(String).join(', ')}` : 'declares no allowed set'}`,
        level: 'convertible',
        castPlan: `rows with another value fail ${who}'s expectation, or are dropped`,
      };
  }
  return undefined;
}

/**
 * Grades the producer's columns read as a reader expects them: each expected column present,
 * missing, retyped or newly nullable, then the producer's columns the reader does not read.
 * The one grading behind `contract diff`, `contract check` and the runtime edge check.
 */
export function gradeColumns(
  producer: readonly ColumnSpec[],
  expected: readonly ColumnSpec[],
  options: GradeOptions = DIFF_OPTIONS,
): ContractDiff {
  const changes: ColumnChange[] = [];
  const byName = new Map(producer.map((c) => [c.name, c]));
  const expectedNames = new Set(expected.map((c) => c.name));
  const who = options.reader;
  for (const want of expected) {
    const have = byName.get(want.name);
    if (!have && options.untyped?.has(want.name)) {
      changes.push({
        column: want.name,
        change: `untyped (not in the producer's contract), read as ${typeText(want)}`,
        level: 'convertible',
        castPlan: `cast the values to ${typeText(want)}; values that do not fit fail`,
      });
      continue;
    }
    if (!have) {
      changes.push(
        want.nullable && options.missingNullable === 'convertible'
          ? {
              column: want.name,
              change: 'removed (was nullable)',
              level: 'convertible',
              castPlan: `${who} fill the column with nulls`,
            }
          : {
              column: want.name,
              change:
                options.missingNullable === 'convertible'
                  ? 'removed (was required)'
                  : `missing (${who} reads it)`,
              level: 'incompatible',
            },
      );
      continue;
    }
    const fit = options.fits?.get(want.name)?.find((f) => f.to === typeText(want));
    const type = gradeStoredType(have, want, fit);
    if (type.level !== 'strict') {
      // A diff reads old → new; an edge reads the producer's type as the consumer's.
      const change =
        options.missingNullable === 'convertible'
          ? `${typeText(want)} → ${typeText(have)}`
          : `${typeText(have)} read as ${typeText(want)}`;
      changes.push({
        column: want.name,
        change: type.misfit ? `${change}: ${type.misfit}` : change,
        level: type.level,
        ...(type.castPlan ? { castPlan: type.castPlan } : {}),
      });
    }
    if (have.nullable && !want.nullable)
      changes.push({
        column: want.name,
        change: `now nullable (${who} need${who === 'readers' ? '' : 's'} non-null)`,
        level: 'convertible',
        castPlan:
          who === 'readers'
            ? 'rows with a null here fail the readers’ not-null expectation, or are dropped'
            : `rows with a null here fail ${who}'s not-null expectation, or are dropped`,
      });
    if (options.constraints) {
      const constraint = constraintChange(have, want, who);
      if (constraint) changes.push(constraint);
    }
  }
  for (const extra of producer)
    if (!expectedNames.has(extra.name))
      changes.push({
        column: extra.name,
        change:
          options.missingNullable === 'convertible'
            ? `added (${typeText(extra)})`
            : `not read (${typeText(extra)})`,
        level: 'compatible',
      });
  return { level: worst(changes.map((c) => c.level)), changes };
}

/** Grades the new contract of an output against readers of its old one. */
export function diffContracts(old: OutputContract, next: OutputContract): ContractDiff {
  return gradeColumns(next.schema, old.schema, DIFF_OPTIONS);
}
