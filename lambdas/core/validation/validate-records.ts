/**
 * Validates record batches against a contract in one streaming pass: graded schema compatibility
 * per column (strict / compatible / convertible / incompatible) and the quality rules with their
 * thresholds. Every failing row is handed to `onFailedRow` (not a sample), so the caller can
 * quarantine all of them without this function holding them in memory.
 */
import {
  COMPATIBILITY_LEVELS,
  logicalName,
  type CompatibilityLevel,
  type OutputContract,
  type QualityRule,
} from '../contracts/output-contract';
import type { RecordBatch } from '../formats/record-batch';
import { NOT_CONFORMING, parseCell, toNumber, type TypedValue } from '../formats/typed-values';
import type {
  ColumnReport,
  FailedRow,
  RuleResult,
  ValidationReport,
  ValidationStatus,
} from './validation-report';

export interface ValidateOptions {
  readonly onFailedRow?: (row: FailedRow) => void | Promise<void>;
}

function worst(a: CompatibilityLevel, b: CompatibilityLevel): CompatibilityLevel {
  return COMPATIBILITY_LEVELS.indexOf(a) >= COMPATIBILITY_LEVELS.indexOf(b) ? a : b;
}

function rulePasses(rule: QualityRule, value: TypedValue): boolean | undefined {
  const c = rule.condition;
  if (c.kind === 'not_null') return value !== null;
  if (value === null) return undefined; // nulls are completeness' business, not accuracy's
  const n = toNumber(value);
  if (Number.isNaN(n)) return false;
  if (c.kind === 'greater_than') return n > c.value;
  if (c.kind === 'less_than') return n < c.value;
  return n >= c.min && n <= c.max;
}

interface ColumnState {
  nulls: number;
  nonConforming: number;
  example?: { row: number; value: string | null };
}

export async function validateRecords(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  let header: readonly string[] | undefined;
  let indexOf: number[] = []; // contract column i → file column index (-1 when missing)
  const state: ColumnState[] = contract.schema.map(() => ({ nulls: 0, nonConforming: 0 }));
  const ruleCounts = contract.quality.map(() => ({ evaluated: 0, passed: 0 }));
  const ruleColumn = contract.quality.map((r) => contract.schema.findIndex((c) => c.name === r.field));
  let rowCount = 0;
  let failedRowCount = 0;
  const typed: TypedValue[] = new Array<TypedValue>(contract.schema.length);

  for await (const batch of batches) {
    if (header === undefined) {
      header = batch.columns;
      indexOf = contract.schema.map((c) => batch.columns.indexOf(c.name));
    }
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      const rowNumber = batch.firstRow + r;
      rowCount++;
      let broke: string[] | undefined;
      for (let i = 0; i < contract.schema.length; i++) {
        const col = contract.schema[i]!;
        const at = indexOf[i]!;
        const st = state[i]!;
        const raw = at >= 0 ? (row[at] ?? null) : null;
        if (raw === null) {
          typed[i] = null;
          if (at >= 0) {
            st.nulls++;
            if (!col.nullable) {
              st.example ??= { row: rowNumber, value: null };
              (broke ??= []).push(`${col.name}: null in a non-nullable column`);
            }
          }
          continue;
        }
        const v = parseCell(col.type, raw);
        if (v === NOT_CONFORMING) {
          typed[i] = null;
          st.nonConforming++;
          st.example ??= { row: rowNumber, value: raw };
          (broke ??= []).push(
            `${col.name}: '${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}' is not ${col.type}`,
          );
        } else typed[i] = v;
      }
      for (let q = 0; q < contract.quality.length; q++) {
        const ci = ruleColumn[q]!;
        if (indexOf[ci]! < 0) continue;
        const rule = contract.quality[q]!;
        const ok = rulePasses(rule, typed[ci]!);
        if (ok === undefined) continue;
        const counts = ruleCounts[q]!;
        counts.evaluated++;
        if (ok) counts.passed++;
        else (broke ??= []).push(rule.name);
      }
      if (broke && options.onFailedRow) {
        failedRowCount++;
        const values: Record<string, string | null> = {};
        header.forEach((name, k) => (values[name] = row[k] ?? null));
        await options.onFailedRow({ row: rowNumber, values, broke });
      } else if (broke) failedRowCount++;
    }
  }

  const columns: ColumnReport[] = contract.schema.map((col, i) => {
    const st = state[i]!;
    const base = { name: col.name, expectedType: col.type, nulls: st.nulls, nonConforming: st.nonConforming };
    const example = st.example ? { example: st.example } : {};
    if (indexOf[i]! < 0) {
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
  for (const name of header ?? []) {
    if (!contract.schema.some((c) => c.name === name)) {
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
  const schemaAccepted =
    COMPATIBILITY_LEVELS.indexOf(level) <= COMPATIBILITY_LEVELS.indexOf(contract.compatibility);

  const rules: RuleResult[] = contract.quality.map((rule, q) => {
    const { evaluated, passed } = ruleCounts[q]!;
    const missing = indexOf[ruleColumn[q]!]! < 0;
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
  });
  const failedRules = rules.filter((r) => r.outcome === 'fail');
  let status: ValidationStatus = 'passed';
  if (!schemaAccepted || failedRules.some((r) => r.severity === 'error')) status = 'failed';
  else if (failedRules.length > 0) status = 'warned';

  const parts: string[] = [];
  if (!schemaAccepted) {
    const bad = columns.filter(
      (c) => COMPATIBILITY_LEVELS.indexOf(c.level) > COMPATIBILITY_LEVELS.indexOf(contract.compatibility),
    );
    parts.push(
      `schema ${level} (accepts ${contract.compatibility}): ${bad.map((c) => `${c.name} ${c.finding}`).join(', ')}`,
    );
  }
  for (const r of failedRules) {
    parts.push(
      `${r.name} ${(r.passRate * 100).toFixed(2)}% < ${(r.threshold * 100).toFixed(2)}% (${r.severity})`,
    );
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
