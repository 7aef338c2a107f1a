/**
 * `--violate <rule>[=rate]`: data that breaks exactly one rule, at a given rate, so validators and
 * pipeline scripts can be shown to fail when they should. A target is a quality rule's name or a
 * column constraint as the validator names it: `<column>.range|allowed|pattern|length|unique`, and
 * `<column>.not_null` (alias `<column>.nullable`) for nulls in a column.
 *
 * Exactly round(rate × rows) rows are chosen by a keyed permutation (no second pass, no memory),
 * and each gets a value that fails the target and passes every other check of its column; when no
 * such value exists (a range the only way to break also breaks a rule), generation stops before
 * writing with a GenerationError naming both.
 */
import type { ColumnSpec, OutputContract, QualityRule } from '../contracts/output-contract';
import { GenerationError } from './generation-error';

export interface ViolationRequest {
  readonly target: string;
  /** Fraction of rows (0..1] that break the target. */
  readonly rate: number;
}

export type ViolationKind = 'null' | 'unique' | 'value';

export interface Violation extends ViolationRequest {
  readonly column: ColumnSpec;
  readonly kind: ViolationKind;
  /** Name of the value check the violating values must fail (for 'value'). */
  readonly check: string;
  readonly rule?: QualityRule;
}

export const DEFAULT_VIOLATION_RATE = 0.1;

/** Parses `target[=rate]` (rate 0..1, default 0.1). */
export function parseViolation(text: string): ViolationRequest {
  const m = /^([^=]+?)(?:=([0-9.eE+-]+))?$/.exec(text.trim());
  if (!m) throw new GenerationError(`'${text}' is not <rule>[=rate]`, '--violate');
  const rate = m[2] === undefined ? DEFAULT_VIOLATION_RATE : Number(m[2]);
  if (!(rate > 0 && rate <= 1))
    throw new GenerationError(`rate '${m[2]}' must be a number in (0, 1]`, '--violate');
  return { target: m[1]!, rate };
}

const CONSTRAINTS = ['range', 'allowed', 'pattern', 'length', 'unique', 'not_null', 'nullable'] as const;
const VALUE_RULES = [
  'greater_than',
  'greater_or_equal',
  'less_than',
  'less_or_equal',
  'between',
  'matches',
  'in_set',
  'length_between',
  'format',
];

/** Resolves requests against a contract; an unknown or unbreakable target is a GenerationError. */
export function resolveViolations(
  contract: OutputContract,
  requests: readonly ViolationRequest[],
): Violation[] {
  return requests.map((req) => {
    const rule = contract.quality.find((r) => r.name === req.target);
    if (rule) {
      const column = contract.schema.find((c) => c.name === rule.field);
      const kind = rule.condition.kind;
      if (!column) throw new GenerationError(`rule ${rule.name} has no single column to break`, req.target);
      if (kind === 'not_null') return { ...req, column, kind: 'null', check: rule.name, rule };
      if (kind === 'unique' && rule.condition.kind === 'unique' && rule.condition.fields.length <= 1) {
        return { ...req, column, kind: 'unique', check: rule.name, rule };
      }
      if (VALUE_RULES.includes(kind)) return { ...req, column, kind: 'value', check: rule.name, rule };
      throw new GenerationError(
        `a ${kind} rule cannot be broken row by row on purpose (value rules, not_null and single-column unique can)`,
        req.target,
      );
    }
    const dot = req.target.lastIndexOf('.');
    const columnName = req.target.slice(0, dot);
    const constraint = req.target.slice(dot + 1);
    const column = contract.schema.find((c) => c.name === columnName);
    if (dot < 0 || !column || !(CONSTRAINTS as readonly string[]).includes(constraint)) {
      const names = [
        ...contract.quality.map((r) => r.name),
        ...contract.schema.flatMap((c) => [
          ...(c.range ? [`${c.name}.range`] : []),
          ...(c.allowed ? [`${c.name}.allowed`] : []),
          ...(c.pattern !== undefined ? [`${c.name}.pattern`] : []),
          ...(c.length ? [`${c.name}.length`] : []),
          ...(c.unique ? [`${c.name}.unique`] : []),
          `${c.name}.not_null`,
        ]),
      ];
      throw new GenerationError(
        `not a rule or column constraint of ${contract.pipeline}/${contract.step}/${contract.output}; one of: ${names.join(', ')}`,
        req.target,
      );
    }
    if (constraint === 'not_null' || constraint === 'nullable')
      return { ...req, column, kind: 'null', check: `${column.name}.not_null` };
    const present =
      (constraint === 'range' && column.range) ||
      (constraint === 'allowed' && column.allowed) ||
      (constraint === 'pattern' && column.pattern !== undefined) ||
      (constraint === 'length' && column.length) ||
      (constraint === 'unique' && column.unique);
    if (!present)
      throw new GenerationError(`column ${column.name} has no ${constraint} constraint to break`, req.target);
    return { ...req, column, kind: constraint === 'unique' ? 'unique' : 'value', check: req.target };
  });
}
