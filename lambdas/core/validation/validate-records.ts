/**
 * Validates record batches against a contract in one streaming pass: graded schema compatibility
 * per column (strict / compatible / convertible / incompatible), the schema's column constraints
 * (range, allowed values, pattern, length, unique) and the quality rules with their thresholds.
 * Every failing row is handed to `onFailedRow` (not a sample), so the caller can quarantine all of
 * them without this function holding them in memory.
 */
import {
  COMPATIBILITY_LEVELS,
  logicalName,
  type ColumnSpec,
  type CompatibilityLevel,
  type OutputContract,
  type QualityRule,
} from '../contracts/output-contract';
import { ColumnMapping } from '../formats/column-mapping';
import type { RawCell, RecordBatch } from '../formats/record-batch';
import { columnCodec, NOT_CONFORMING, type ColumnCodec, type TypedValue } from '../formats/typed-values';
import type { ColumnReport, FailedRow, RuleResult, ValidationReport, ValidationStatus } from './validation-report';

export interface ValidateOptions {
  readonly onFailedRow?: (row: FailedRow) => void | Promise<void>;
  /** Distinct values kept per `unique` column before the check stops being exact. */
  readonly maxUniqueValues?: number;
}

function worst(a: CompatibilityLevel, b: CompatibilityLevel): CompatibilityLevel {
  return COMPATIBILITY_LEVELS.indexOf(a) >= COMPATIBILITY_LEVELS.indexOf(b) ? a : b;
}

interface ColumnState {
  nulls: number;
  nonConforming: number;
  example?: { row: number; value: string | null };
}

/** A column constraint from the schema, checked like a rule with threshold 1. */
interface Constraint {
  readonly name: string;
  readonly column: number;
  readonly kind: 'range' | 'allowed' | 'pattern' | 'length' | 'unique';
  readonly test: (v: Exclude<TypedValue, null>) => boolean;
  evaluated: number;
  passed: number;
  /** For unique: set aside when the distinct values exceed the bound. */
  inexact?: boolean;
}

function compileConstraints(schema: readonly ColumnSpec[], codecs: readonly ColumnCodec[], maxUnique: number): Constraint[] {
  const out: Constraint[] = [];
  schema.forEach((col, i) => {
    const codec = codecs[i]!;
    const add = (kind: Constraint['kind'], test: Constraint['test']): void => {
      out.push({ name: `${col.name}.${kind}`, column: i, kind, test, evaluated: 0, passed: 0 });
    };
    if (col.range) {
      const [lo, hi] = col.range.map((b) => codec.parse(typeof b === 'number' && col.type === 'string' ? String(b) : b));
      if (lo !== NOT_CONFORMING && hi !== NOT_CONFORMING && lo !== undefined && hi !== undefined) {
        add('range', (v) => codec.compare(v, lo) >= 0 && codec.compare(v, hi) <= 0);
      }
    }
    if (col.allowed) {
      const allowed = new Set(col.allowed.map((a) => {
        const v = codec.parse(typeof a === 'string' || col.type !== 'string' ? a : String(a));
        return v === NOT_CONFORMING ? '' : codec.canonical(v);
      }));
      add('allowed', (v) => allowed.has(codec.canonical(v)));
    }
    if (col.pattern !== undefined) {
      const re = new RegExp(`^(?:${col.pattern})$`, 'u');
      add('pattern', (v) => re.test(v as string));
    }
    if (col.length) {
      const [min, max] = col.length;
      add('length', (v) => {
        const n = [...(v as string)].length; // code points, not UTF-16 units
        return n >= min && n <= max;
      });
    }
    if (col.unique) {
      const seen = new Set<string>();
      const constraint: Constraint = {
        name: `${col.name}.unique`,
        column: i,
        kind: 'unique',
        evaluated: 0,
        passed: 0,
        test: (v) => {
          if (constraint.inexact) return true;
          const key = codec.canonical(v);
          if (seen.has(key)) return false;
          if (seen.size >= maxUnique) {
            constraint.inexact = true;
            seen.clear();
            return true;
          }
          seen.add(key);
          return true;
        },
      };
      out.push(constraint);
    }
  });
  return out;
}

function rulePasses(rule: QualityRule, codec: ColumnCodec, value: TypedValue): boolean | undefined {
  const c = rule.condition;
  if (c.kind === 'not_null') return value !== null;
  if (value === null) return undefined; // nulls are completeness' business, not accuracy's
  if (c.kind === 'greater_than') return codec.compareToNumber(value, c.value) > 0;
  if (c.kind === 'less_than') return codec.compareToNumber(value, c.value) < 0;
  return codec.compareToNumber(value, c.min) >= 0 && codec.compareToNumber(value, c.max) <= 0;
}

function show(raw: RawCell): string | null {
  if (raw === null) return null;
  const text = typeof raw === 'string' ? raw : String(raw);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export async function validateRecords(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const schema = contract.schema;
  const codecs = schema.map(columnCodec);
  const mapping = new ColumnMapping(schema);
  const state: ColumnState[] = schema.map(() => ({ nulls: 0, nonConforming: 0 }));
  const constraints = compileConstraints(schema, codecs, options.maxUniqueValues ?? 5_000_000);
  const ruleCounts = contract.quality.map(() => ({ evaluated: 0, passed: 0 }));
  const ruleColumn = contract.quality.map((r) => schema.findIndex((c) => c.name === r.field));
  const typed: TypedValue[] = new Array<TypedValue>(schema.length);
  const present: boolean[] = schema.map(() => false);
  let rowCount = 0;
  let failedRowCount = 0;

  for await (const batch of batches) {
    if (mapping.update(batch.columns)) mapping.indexOf.forEach((at, i) => (present[i] ||= at >= 0));
    const indexOf = mapping.indexOf;
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      const rowNumber = batch.firstRow + r;
      rowCount++;
      let broke: string[] | undefined;
      for (let i = 0; i < schema.length; i++) {
        const at = indexOf[i]!;
        const st = state[i]!;
        const raw = at >= 0 ? (row[at] ?? null) : null;
        if (raw === null) {
          typed[i] = null;
          if (at >= 0 || present[i]) {
            st.nulls++;
            if (!schema[i]!.nullable) {
              st.example ??= { row: rowNumber, value: null };
              (broke ??= []).push(`${schema[i]!.name}: null in a non-nullable column`);
            }
          }
          continue;
        }
        const v = codecs[i]!.parse(raw);
        if (v === NOT_CONFORMING) {
          typed[i] = null;
          st.nonConforming++;
          st.example ??= { row: rowNumber, value: show(raw) };
          (broke ??= []).push(`${schema[i]!.name}: '${show(raw)}' is not ${schema[i]!.type}`);
        } else typed[i] = v;
      }
      for (const c of constraints) {
        const v = typed[c.column];
        if (v === null || v === undefined) continue;
        c.evaluated++;
        if (c.test(v)) c.passed++;
        else (broke ??= []).push(c.name);
      }
      for (let q = 0; q < contract.quality.length; q++) {
        const ci = ruleColumn[q]!;
        if (!present[ci]) continue;
        const ok = rulePasses(contract.quality[q]!, codecs[ci]!, typed[ci]!);
        if (ok === undefined) continue;
        const counts = ruleCounts[q]!;
        counts.evaluated++;
        if (ok) counts.passed++;
        else (broke ??= []).push(contract.quality[q]!.name);
      }
      if (broke) {
        failedRowCount++;
        if (options.onFailedRow) {
          const values: Record<string, string | null> = {};
          batch.columns.forEach((name, k) => {
            const raw = row[k] ?? null;
            values[name] = raw === null ? null : String(raw);
          });
          await options.onFailedRow({ row: rowNumber, values, broke });
        }
      }
    }
  }

  const columns: ColumnReport[] = schema.map((col, i) => {
    const st = state[i]!;
    const base = { name: col.name, expectedType: col.type, nulls: st.nulls, nonConforming: st.nonConforming };
    const example = st.example ? { example: st.example } : {};
    if (!present[i]) {
      return col.nullable
        ? { ...base, finding: 'missing', level: 'convertible', castPlan: `add ${col.name} filled with nulls` }
        : { ...base, finding: 'missing', level: 'incompatible' };
    }
    if (st.nonConforming > 0) return { ...base, ...example, finding: 'type_mismatch', level: 'incompatible' };
    if (!col.nullable && st.nulls > 0) {
      return {
        ...base,
        ...example,
        finding: 'unexpected_nulls',
        level: 'convertible',
        castPlan: `declare ${col.name} nullable, or fill its ${st.nulls} nulls`,
      };
    }
    return { ...base, finding: 'ok', level: 'strict' };
  });
  for (const name of mapping.seen) {
    if (!schema.some((c) => c.name === name)) {
      columns.push({
        name,
        expectedType: null,
        finding: 'extra',
        level: contract.allowExtraColumns ? 'compatible' : 'incompatible',
        nulls: 0,
        nonConforming: 0,
      });
    }
  }
  const level = columns.reduce<CompatibilityLevel>((acc, c) => worst(acc, c.level), 'strict');
  const schemaAccepted = COMPATIBILITY_LEVELS.indexOf(level) <= COMPATIBILITY_LEVELS.indexOf(contract.compatibility);

  const rules: RuleResult[] = [
    ...constraints.map((c): RuleResult => {
      const passRate = c.evaluated === 0 ? 1 : c.passed / c.evaluated;
      return {
        name: c.name,
        type: 'constraint',
        field: schema[c.column]!.name,
        constraint: c.kind,
        threshold: 1,
        severity: 'error',
        evaluated: c.evaluated,
        passed: c.passed,
        failed: c.evaluated - c.passed,
        passRate,
        outcome: c.passed === c.evaluated ? 'pass' : 'fail',
        ...(c.inexact ? { note: `unique check stopped being exact after ${options.maxUniqueValues ?? 5_000_000} distinct values` } : {}),
      };
    }),
    ...contract.quality.map((rule, q): RuleResult => {
      const { evaluated, passed } = ruleCounts[q]!;
      const missing = !present[ruleColumn[q]!];
      const passRate = evaluated === 0 ? (missing ? 0 : 1) : passed / evaluated;
      return {
        name: rule.name,
        type: rule.type,
        field: rule.field,
        condition: rule.condition,
        threshold: rule.threshold,
        severity: rule.severity,
        evaluated,
        passed,
        failed: evaluated - passed,
        passRate,
        outcome: passRate >= rule.threshold && !missing ? 'pass' : 'fail',
      };
    }),
  ];
  const failedRules = rules.filter((r) => r.outcome === 'fail');
  let status: ValidationStatus = 'passed';
  if (!schemaAccepted || failedRules.some((r) => r.severity === 'error')) status = 'failed';
  else if (failedRules.length > 0) status = 'warned';

  const parts: string[] = [];
  if (!schemaAccepted) {
    const bad = columns.filter(
      (c) => COMPATIBILITY_LEVELS.indexOf(c.level) > COMPATIBILITY_LEVELS.indexOf(contract.compatibility),
    );
    parts.push(`schema ${level} (accepts ${contract.compatibility}): ${bad.map((c) => `${c.name} ${c.finding}`).join(', ')}`);
  }
  for (const r of failedRules) {
    parts.push(`${r.name} ${(r.passRate * 100).toFixed(2)}% < ${(r.threshold * 100).toFixed(2)}% (${r.severity})`);
  }
  const summary = `${status.toUpperCase()}: ${rowCount} rows${parts.length ? `; ${parts.join('; ')}` : ''}`;

  return {
    output: logicalName(contract),
    status,
    rowCount,
    schema: { level, accepted: contract.compatibility, columns },
    rules,
    failedRules: [...(schemaAccepted ? [] : ['schema_compatibility']), ...failedRules.map((r) => r.name)],
    failedRowCount,
    summary,
  };
}
