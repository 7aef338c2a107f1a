/**
 * Row-level checks compiled from a contract: the schema's column constraints and every quality
 * rule evaluated per row (completeness, accuracy, validity, uniqueness, consistency, referential).
 * Each keeps additive counters; uniqueness keeps its keys (exactly, up to a bound) so partition
 * states merge into the single-pass result.
 */
import { isIP } from 'node:net';
import type { ColumnSpec, OutputContract, QualityRule, RuleCondition } from '../contracts/output-contract';
import { NOT_CONFORMING, parseTimestamp, type ColumnCodec, type TypedValue } from '../contracts/typed-values';
import { HyperLogLog } from '../metrics/hyperloglog';
import { ContractError } from '../errors';
import { compileExpression } from '../expressions/expression';
import { compileContractRegex } from '../contracts/contract-regex';

export interface RowContext {
  readonly typed: readonly TypedValue[];
  /** Per contract column: present in the input and conforming to its type (false when not). */
  readonly conforms: readonly boolean[];
  readonly present: readonly boolean[];
}

export interface RowCheck {
  readonly name: string;
  readonly kind: 'constraint' | 'rule';
  readonly rule?: QualityRule;
  readonly column?: number;
  readonly constraint?: string;
  /** Contract columns whose typed value or conformance `test` reads (the engine fills only those). */
  readonly reads: readonly number[];
  evaluated: number;
  passed: number;
  note?: string;
  /** true / false, or undefined when the row does not count (nulls, absent column). */
  test(row: RowContext): boolean | undefined;
  /**
   * The same test for a check that reads one column, as the columnar engine runs it: over the
   * column's values without a row context. `value` is `test` on a non-null typed value (nulls do
   * not count); `not_null` and `type_conforms` judge the cell's presence and conformance.
   */
  readonly kernel?: CheckKernel;
  /** Uniqueness only: distinct keys, for merging. */
  readonly keys?: UniqueKeys;
}

export type CheckKernel =
  | {
      readonly kind: 'value';
      readonly column: number;
      readonly test: (v: Exclude<TypedValue, null>) => boolean;
      /** `test` on a number value of the column, as two comparisons (see numberBounds). */
      readonly bounds?: NumberBounds;
    }
  | { readonly kind: 'not_null' | 'type_conforms'; readonly column: number };

/** Keys of a uniqueness check: exact up to a bound, then a HyperLogLog estimate. */
export class UniqueKeys {
  set: Set<string> | null = new Set();
  hll: HyperLogLog | null = null;
  constructor(readonly bound: number) {}

  /** Adds a key; returns false when it was seen before (known only while exact). */
  add(key: string): boolean {
    if (this.set) {
      if (this.set.has(key)) return false;
      this.set.add(key);
      if (this.set.size > this.bound) {
        this.hll = new HyperLogLog();
        for (const k of this.set) this.hll.add(k);
        this.set = null;
      }
      return true;
    }
    this.hll!.add(key);
    return true;
  }

  merge(other: UniqueKeys): void {
    if (this.set && other.set) {
      for (const k of other.set) this.add(k);
      return;
    }
    if (this.set) {
      this.hll = new HyperLogLog();
      for (const k of this.set) this.hll.add(k);
      this.set = null;
    }
    if (other.set) for (const k of other.set) this.hll!.add(k);
    else this.hll!.merge(other.hll!);
  }

  get distinct(): number {
    return this.set ? this.set.size : this.hll!.estimate();
  }

  get exact(): boolean {
    return this.set !== null;
  }
}

const FORMAT_TESTS: Record<string, (v: string) => boolean> = {
  email: (v) =>
    /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(
      v,
    ),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && parseTimestamp(`${v}T00:00:00Z`, 'ms', 'UTC') !== undefined,
  timestamp: (v) => parseTimestamp(v, 'ns', 'UTC') !== undefined,
  url: (v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 's3:';
    } catch {
      return false;
    }
  },
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
};

/**
 * A comparison rule on an int32, int64, float32 or float64 column as bounds a number value lies
 * within: lo < v (loOpen) or lo <= v, and v < hi (hiOpen) or v <= hi. The columnar engine tests a
 * number against them in its loop instead of calling `test`, which boxes every double it is given.
 * Equal to `test` on every number: those codecs' compareToNumber compares a number with the bound
 * (float32 with the bound as float32 stores it) and gives 0 or NaN only where neither < nor >
 * holds, so each condition is the comparison itself; a NaN value fails every one, as here. A NaN
 * bound (which compareToNumber takes as equal to every integer) gets no bounds: `test` decides.
 */
export interface NumberBounds {
  readonly lo: number;
  readonly loOpen: boolean;
  readonly hi: number;
  readonly hiOpen: boolean;
}

export function numberBounds(condition: RuleCondition, column: ColumnSpec): NumberBounds | undefined {
  const type = column.type;
  if (type !== 'int32' && type !== 'int64' && type !== 'float32' && type !== 'float64') return undefined;
  const at = (b: number): number => (type === 'float32' ? Math.fround(b) : b);
  const bounds = (lo: number, loOpen: boolean, hi: number, hiOpen: boolean): NumberBounds | undefined =>
    Number.isNaN(lo) || Number.isNaN(hi) ? undefined : { lo: at(lo), loOpen, hi: at(hi), hiOpen };
  switch (condition.kind) {
    case 'greater_than':
      return bounds(condition.value, true, Infinity, false);
    case 'greater_or_equal':
      return bounds(condition.value, false, Infinity, false);
    case 'less_than':
      return bounds(-Infinity, false, condition.value, true);
    case 'less_or_equal':
      return bounds(-Infinity, false, condition.value, false);
    case 'between':
      return bounds(condition.min, false, condition.max, false);
    default:
      return undefined;
  }
}

function canonicalSet(codec: ColumnCodec, values: readonly (string | number | boolean)[]): Set<string> {
  const out = new Set<string>();
  for (const a of values) {
    const v = codec.parse(typeof a === 'string' || codec.column.type !== 'string' ? a : String(a));
    if (v !== NOT_CONFORMING) out.add(codec.canonical(v));
  }
  return out;
}

function valueTest(
  condition: RuleCondition,
  codec: ColumnCodec,
): ((v: Exclude<TypedValue, null>) => boolean) | undefined {
  switch (condition.kind) {
    case 'greater_than':
      return (v) => codec.compareToNumber(v, condition.value) > 0;
    case 'greater_or_equal':
      return (v) => codec.compareToNumber(v, condition.value) >= 0;
    case 'less_than':
      return (v) => codec.compareToNumber(v, condition.value) < 0;
    case 'less_or_equal':
      return (v) => codec.compareToNumber(v, condition.value) <= 0;
    case 'between':
      return (v) =>
        codec.compareToNumber(v, condition.min) >= 0 && codec.compareToNumber(v, condition.max) <= 0;
    case 'matches': {
      const re = compileContractRegex(condition.pattern, 'search');
      return (v) => re.test(v as string);
    }
    case 'in_set': {
      const set = canonicalSet(codec, condition.values);
      return (v) => set.has(codec.canonical(v));
    }
    case 'length_between':
      return (v) => {
        const n = [...(v as string)].length;
        return n >= condition.min && n <= condition.max;
      };
    case 'format': {
      const test = FORMAT_TESTS[condition.format]!;
      return (v) => test(v as string);
    }
    default:
      return undefined;
  }
}

const PER_MICROSECOND = { ms: 1e-3, us: 1, ns: 1e3 } as const;

/**
 * Values as expressions see them: decimals as their numeric value, timestamps as microseconds
 * since the epoch whatever the column's unit (so columns of different units compare), the rest as
 * typed (int64 beyond 2^53 stays exact as bigint).
 */
function expressionValue(column: ColumnSpec, v: TypedValue): TypedValue {
  if (v === null) return null;
  if (column.type === 'decimal') return Number(v) / 10 ** (column.scale ?? 0);
  if (column.type === 'timestamp') {
    const unit = column.unit ?? 'us';
    return unit === 'ns' ? Number((v as bigint) / 1000n) : Number(v) / PER_MICROSECOND[unit];
  }
  return v;
}

export interface CheckOptions {
  readonly uniqueBound: number;
  /** Canonical values of referenced columns, by rule name (exists_in). */
  readonly referenceSets?: ReadonlyMap<string, ReadonlySet<string>>;
}

export function compileRowChecks(
  contract: OutputContract,
  codecs: readonly ColumnCodec[],
  options: CheckOptions,
): RowCheck[] {
  const schema = contract.schema;
  const index = new Map(schema.map((c, i) => [c.name, i]));
  const checks: RowCheck[] = [];
  const base = (
    name: string,
    kind: RowCheck['kind'],
    reads: readonly number[],
    extra: Partial<RowCheck>,
    test: RowCheck['test'],
  ): RowCheck => ({
    name,
    kind,
    reads,
    evaluated: 0,
    passed: 0,
    test,
    ...extra,
  });

  // Column constraints from the schema.
  schema.forEach((col: ColumnSpec, i) => {
    const codec = codecs[i]!;
    const constraint = (name: string, test: (v: Exclude<TypedValue, null>) => boolean): void => {
      const kernel: CheckKernel = { kind: 'value', column: i, test };
      checks.push(
        base(`${col.name}.${name}`, 'constraint', [i], { column: i, constraint: name, kernel }, (row) => {
          const v = row.typed[i];
          return v === null || v === undefined ? undefined : test(v);
        }),
      );
    };
    if (col.range) {
      const [lo, hi] = col.range.map((b) =>
        codec.parse(typeof b === 'number' && col.type === 'string' ? String(b) : b),
      );
      if (lo !== NOT_CONFORMING && hi !== NOT_CONFORMING && lo !== undefined && hi !== undefined) {
        constraint('range', (v) => codec.compare(v, lo) >= 0 && codec.compare(v, hi) <= 0);
      }
    }
    if (col.allowed) {
      const set = canonicalSet(codec, col.allowed);
      constraint('allowed', (v) => set.has(codec.canonical(v)));
    }
    if (col.pattern !== undefined) {
      const re = compileContractRegex(col.pattern, 'whole');
      constraint('pattern', (v) => re.test(v as string));
    }
    if (col.length) {
      const [min, max] = col.length;
      constraint('length', (v) => {
        const n = [...(v as string)].length;
        return n >= min && n <= max;
      });
    }
    if (col.unique) {
      const keys = new UniqueKeys(options.uniqueBound);
      const test = (v: Exclude<TypedValue, null>): boolean => keys.add(codec.canonical(v));
      const kernel: CheckKernel = { kind: 'value', column: i, test };
      checks.push(
        base(
          `${col.name}.unique`,
          'constraint',
          [i],
          { column: i, constraint: 'unique', keys, kernel },
          (row) => {
            const v = row.typed[i];
            return v === null || v === undefined ? undefined : test(v);
          },
        ),
      );
    }
  });

  // Quality rules evaluated per row.
  for (const rule of contract.quality) {
    const c = rule.condition;
    const ci = rule.field !== undefined ? index.get(rule.field)! : -1;
    const codec = ci >= 0 ? codecs[ci]! : undefined;
    const extra = { rule, ...(ci >= 0 ? { column: ci } : {}) };
    if (c.kind === 'not_null') {
      // A value that is present but not of the column's type is not null: type_conforms judges it.
      checks.push(
        base(rule.name, 'rule', [ci], { ...extra, kernel: { kind: 'not_null', column: ci } }, (row) =>
          row.present[ci] ? row.typed[ci] !== null || !row.conforms[ci] : undefined,
        ),
      );
    } else if (c.kind === 'type_conforms') {
      checks.push(
        base(rule.name, 'rule', [ci], { ...extra, kernel: { kind: 'type_conforms', column: ci } }, (row) =>
          row.present[ci] && (row.typed[ci] !== null || !row.conforms[ci]) ? row.conforms[ci] : undefined,
        ),
      );
    } else if (c.kind === 'unique') {
      const fields = c.fields.map((f) => index.get(f)!);
      const keys = new UniqueKeys(options.uniqueBound);
      checks.push(
        base(rule.name, 'rule', fields, { ...extra, keys }, (row) => {
          const parts: string[] = [];
          for (const f of fields) {
            const v = row.typed[f];
            if (v === null || v === undefined) return undefined;
            parts.push(codecs[f]!.canonical(v));
          }
          return keys.add(JSON.stringify(parts)); // unambiguous for any text in the parts
        }),
      );
    } else if (c.kind === 'expression') {
      const compiled = compileExpression(
        c.expression,
        schema.map((s) => s.name),
      );
      const at = new Map(compiled.columns.map((name) => [name, index.get(name)!]));
      checks.push(
        base(rule.name, 'rule', [...at.values()], extra, (row) =>
          compiled.evaluate((name) => {
            const i = at.get(name)!;
            return expressionValue(schema[i]!, row.typed[i] ?? null);
          }),
        ),
      );
    } else if (c.kind === 'exists_in') {
      const set = options.referenceSets?.get(rule.name);
      if (!set)
        throw new ContractError(
          `rule ${rule.name}: the values of ${c.output}.${c.field} were not loaded; run it through runValidation, which resolves the reference`,
        );
      const test = (v: Exclude<TypedValue, null>): boolean => set.has(codec!.canonical(v));
      checks.push(
        base(rule.name, 'rule', [ci], { ...extra, kernel: { kind: 'value', column: ci, test } }, (row) => {
          const v = row.typed[ci];
          return v === null || v === undefined ? undefined : test(v);
        }),
      );
    } else {
      const test = codec ? valueTest(c, codec) : undefined;
      if (!test) continue; // dataset-level rules are evaluated from the metrics at the end
      // A column absent from the input leaves every typed value null: the kernel needs no presence test.
      const bounds = numberBounds(c, schema[ci]!);
      const kernel: CheckKernel = { kind: 'value', column: ci, test, ...(bounds ? { bounds } : {}) };
      checks.push(
        base(rule.name, 'rule', [ci], { ...extra, kernel }, (row) => {
          const v = row.typed[ci];
          return v === null || v === undefined || !row.present[ci] ? undefined : test(v);
        }),
      );
    }
  }
  return checks;
}
