/**
 * How a change to a producer's contract lands on the steps that read it, graded by the design
 * notes' rules, column by column. A consumer is taken to read the producer's whole old contract
 * (until consumers can declare what they read): the new contract is the producer, the old one the
 * consumer's expectation.
 *
 * - a column added → compatible (a reader of the old columns ignores it);
 * - a column removed → convertible when it was nullable (the reader fills nulls), else incompatible;
 * - a type the reader can hold every value of (int32 → int64, float32 → float64, int → float64,
 *   decimal(p,s) into decimal(p',s') with room) → compatible;
 * - the other way (int64 → int32, a decimal losing digits, a timestamp finer than the reader's) →
 *   convertible, with a cast plan: values that do not fit fail the cast;
 * - any type into a string → convertible (formatted as text); other changes → incompatible;
 * - nullable where the reader needs non-null → convertible (rows with nulls fail or are dropped).
 */
import { COMPATIBILITY_LEVELS } from './contract-schema';
import type { ColumnSpec, CompatibilityLevel, OutputContract } from './output-contract';

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

function typeText(c: ColumnSpec): string {
  if (c.type === 'decimal') return `decimal(${c.precision ?? 38},${c.scale ?? 0})`;
  if (c.type === 'timestamp') return `timestamp(${c.unit ?? 'us'})`;
  return c.type;
}

const UNIT_DIGITS = { ms: 3, us: 6, ns: 9 } as const;
/** Digits before the point that each integer type can need. */
const INTEGER_DIGITS = { int32: 10, int64: 19 } as const;

/** Grades values of the producer's column read as the consumer's column (types only). */
function gradeType(
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
  if ((p === 'float32' || p === 'float64') && (c === 'int32' || c === 'int64')) return narrowing;
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

/** Grades the new contract of an output against readers of its old one. */
export function diffContracts(old: OutputContract, next: OutputContract): ContractDiff {
  const changes: ColumnChange[] = [];
  const nextByName = new Map(next.schema.map((c) => [c.name, c]));
  const oldNames = new Set(old.schema.map((c) => c.name));
  for (const was of old.schema) {
    const now = nextByName.get(was.name);
    if (!now) {
      changes.push(
        was.nullable
          ? {
              column: was.name,
              change: 'removed (was nullable)',
              level: 'convertible',
              castPlan: 'readers fill the column with nulls',
            }
          : { column: was.name, change: 'removed (was required)', level: 'incompatible' },
      );
      continue;
    }
    const type = gradeType(now, was);
    if (type.level !== 'strict')
      changes.push({
        column: was.name,
        change: `${typeText(was)} → ${typeText(now)}`,
        level: type.level,
        ...(type.castPlan ? { castPlan: type.castPlan } : {}),
      });
    if (now.nullable && !was.nullable)
      changes.push({
        column: was.name,
        change: 'now nullable (readers need non-null)',
        level: 'convertible',
        castPlan: 'rows with a null here fail the readers’ not-null expectation, or are dropped',
      });
  }
  for (const added of next.schema)
    if (!oldNames.has(added.name))
      changes.push({ column: added.name, change: `added (${typeText(added)})`, level: 'compatible' });
  return { level: worst(changes.map((c) => c.level)), changes };
}
