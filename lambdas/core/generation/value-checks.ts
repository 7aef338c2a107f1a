/**
 * The per-value checks a column's generated values must pass, named as the validator names them
 * (`<column>.<constraint>` for schema constraints, the rule's name for quality rules), so that a
 * violation can target exactly one of them and be verified to pass all the others. They mirror
 * validateRecords: the same codecs, the same anchoring of `pattern`, the same code-point lengths.
 */
import type { ColumnSpec, QualityRule } from '../contracts/output-contract';
import { columnCodec, NOT_CONFORMING, type ColumnCodec, type TypedValue } from '../contracts/typed-values';
import { compileContractRegex } from '../contracts/contract-regex';

export type Value = Exclude<TypedValue, null>;

export interface ValueCheck {
  readonly name: string;
  /** What the check is about: drives how a violation of it is produced. */
  readonly kind:
    | 'range'
    | 'allowed'
    | 'pattern'
    | 'length'
    | 'unique'
    | 'not_null'
    | 'bound'
    | 'matches'
    | 'in_set'
    | 'length_between'
    | 'format'
    | 'other';
  readonly test: (v: Value) => boolean;
  /** Numeric bound checks: the rule's condition (greater_than, between ...). */
  readonly rule?: QualityRule;
}

export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function canonicalSet(
  codec: ColumnCodec,
  values: readonly (string | number | boolean)[],
): Set<string> {
  const out = new Set<string>();
  for (const a of values) {
    const v = codec.parse(typeof a === 'string' || codec.column.type !== 'string' ? a : String(a));
    if (v !== NOT_CONFORMING) out.add(codec.canonical(v));
  }
  return out;
}

const FORMAT_TESTS: Record<string, (v: string) => boolean> = {
  email: (v) =>
    /^[^\s@"<>()[\]\\,;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(
      v,
    ),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  url: (v) => /^(https?|s3):\/\/[^\s/]+/.test(v),
  ipv4: (v) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
};

/** Quality rules that are checked value by value on one column. */
export function rulesOn(column: ColumnSpec, quality: readonly QualityRule[]): QualityRule[] {
  return quality.filter((r) => r.field === column.name);
}

/**
 * Whether a column's values must be distinct: its `unique` constraint, or a unique rule on it alone
 * (`leaveOut` names constraints and rules a violation request suspends).
 */
export function isUniqueColumn(
  column: ColumnSpec,
  quality: readonly QualityRule[],
  leaveOut: ReadonlySet<string> = new Set(),
): boolean {
  return (
    (column.unique === true && !leaveOut.has(`${column.name}.unique`)) ||
    quality.some(
      (r) =>
        r.condition.kind === 'unique' &&
        r.condition.fields.length === 1 &&
        r.condition.fields[0] === column.name &&
        !leaveOut.has(r.name),
    )
  );
}

/** The checks of one column: its schema constraints, then its per-value quality rules. */
export function valueChecks(column: ColumnSpec, quality: readonly QualityRule[]): ValueCheck[] {
  const checks = columnChecks(column, quality);
  if (column.type !== 'decimal' && column.type !== 'timestamp') return checks;
  // Generators keep decimals and timestamps as numbers where safe (the fast representation).
  return checks.map((c) => ({ ...c, test: (v: Value) => c.test(typeof v === 'number' ? BigInt(v) : v) }));
}

/** Whether a typed value is in the fast representation (a number where the codec wants a bigint). */
export function toExact(column: ColumnSpec): ((v: TypedValue) => TypedValue) | undefined {
  if (column.type !== 'decimal' && column.type !== 'timestamp') return undefined;
  return (v) => (typeof v === 'number' ? BigInt(v) : v);
}

function columnChecks(column: ColumnSpec, quality: readonly QualityRule[]): ValueCheck[] {
  const codec = columnCodec(column);
  const checks: ValueCheck[] = [];
  const name = column.name;
  if (column.range) {
    const [lo, hi] = column.range.map((b) =>
      codec.parse(typeof b === 'number' && column.type === 'string' ? String(b) : b),
    );
    if (lo !== NOT_CONFORMING && hi !== NOT_CONFORMING && lo !== undefined && hi !== undefined) {
      checks.push({
        name: `${name}.range`,
        kind: 'range',
        test: (v) => codec.compare(v, lo) >= 0 && codec.compare(v, hi) <= 0,
      });
    }
  }
  if (column.allowed) {
    const set = canonicalSet(codec, column.allowed);
    checks.push({ name: `${name}.allowed`, kind: 'allowed', test: (v) => set.has(codec.canonical(v)) });
  }
  if (column.pattern !== undefined) {
    const re = compileContractRegex(column.pattern, 'whole');
    checks.push({ name: `${name}.pattern`, kind: 'pattern', test: (v) => re.test(v as string) });
  }
  if (column.length) {
    const [min, max] = column.length;
    checks.push({
      name: `${name}.length`,
      kind: 'length',
      test: (v) => {
        const n = codePointLength(v as string);
        return n >= min && n <= max;
      },
    });
  }
  for (const rule of rulesOn(column, quality)) {
    const c = rule.condition;
    switch (c.kind) {
      case 'greater_than':
        checks.push({
          name: rule.name,
          kind: 'bound',
          rule,
          test: (v) => codec.compareToNumber(v, c.value) > 0,
        });
        break;
      case 'greater_or_equal':
        checks.push({
          name: rule.name,
          kind: 'bound',
          rule,
          test: (v) => codec.compareToNumber(v, c.value) >= 0,
        });
        break;
      case 'less_than':
        checks.push({
          name: rule.name,
          kind: 'bound',
          rule,
          test: (v) => codec.compareToNumber(v, c.value) < 0,
        });
        break;
      case 'less_or_equal':
        checks.push({
          name: rule.name,
          kind: 'bound',
          rule,
          test: (v) => codec.compareToNumber(v, c.value) <= 0,
        });
        break;
      case 'between':
        checks.push({
          name: rule.name,
          kind: 'bound',
          rule,
          test: (v) => codec.compareToNumber(v, c.min) >= 0 && codec.compareToNumber(v, c.max) <= 0,
        });
        break;
      case 'matches': {
        const re = compileContractRegex(c.pattern, 'search');
        checks.push({ name: rule.name, kind: 'matches', rule, test: (v) => re.test(v as string) });
        break;
      }
      case 'in_set': {
        const set = canonicalSet(codec, c.values);
        checks.push({ name: rule.name, kind: 'in_set', rule, test: (v) => set.has(codec.canonical(v)) });
        break;
      }
      case 'length_between':
        checks.push({
          name: rule.name,
          kind: 'length_between',
          rule,
          test: (v) => {
            const n = codePointLength(v as string);
            return n >= c.min && n <= c.max;
          },
        });
        break;
      case 'format': {
        const test = FORMAT_TESTS[c.format];
        if (test) checks.push({ name: rule.name, kind: 'format', rule, test: (v) => test(v as string) });
        break;
      }
      default:
        break;
    }
  }
  return checks;
}
