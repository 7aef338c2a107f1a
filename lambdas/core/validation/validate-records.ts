/**
 * The validation engine. One streaming pass over record batches builds a ValidationState: per
 * column mergeable metrics (lambdas/core/metrics), counters of every row-level check (the schema's
 * column constraints and the quality rules), and uniqueness keys. States of partitions validated
 * separately merge into the state of one pass; `finish` turns a state into the report: graded
 * schema compatibility per column, rule outcomes against thresholds, dataset-level rules
 * (timeliness, distribution) and column profiles. Every failing row is handed to `onFailedRow`
 * (not a sample), so the caller can quarantine all of them without this engine holding them.
 */
import {
  COMPATIBILITY_LEVELS,
  DATASET_CONDITIONS,
  logicalName,
  type CompatibilityLevel,
  type OutputContract,
  type QualityRule,
} from '../contracts/output-contract';
import { ColumnMapping } from '../formats/column-mapping';
import type { RawCell, RecordBatch } from '../formats/record-batch';
import { columnCodec, NOT_CONFORMING, type ColumnCodec, type TypedValue } from '../formats/typed-values';
import {
  ColumnMetrics,
  DEFAULT_EXACT_DISTINCT_BOUND,
  type ColumnMetricsJson,
} from '../metrics/column-metrics';
import { HyperLogLog } from '../metrics/hyperloglog';
import { compileRowChecks, type RowCheck } from './row-checks';
import { evaluateDatasetRule } from './dataset-rules';
import type {
  ColumnReport,
  FailedRow,
  RuleResult,
  ValidationReport,
  ValidationStatus,
} from './validation-report';

export const DEFAULT_UNIQUE_KEY_BOUND = 2_000_000;

export interface ValidateOptions {
  readonly onFailedRow?: (row: FailedRow) => void | Promise<void>;
  /** Distinct values a column profile keeps exactly before estimating (default 10,000). */
  readonly exactDistinctBound?: number;
  /** Keys a uniqueness check keeps exactly before estimating duplicates (default 2,000,000). */
  readonly uniqueKeyBound?: number;
  /** Canonical values of referenced columns, by rule name (exists_in), loaded by the caller. */
  readonly referenceSets?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Sorted reference samples, by rule name (ks_test), loaded by the caller. */
  readonly referenceSamples?: ReadonlyMap<string, readonly number[]>;
  /** Clock for timeliness rules. */
  readonly now?: () => Date;
}

interface Example {
  row: number;
  value: string | null;
}

export interface ValidationStateJson {
  readonly rowCount: number;
  readonly failedRowCount: number;
  readonly present: readonly boolean[];
  readonly seenColumns: readonly string[];
  readonly examples: readonly (Example | null)[];
  readonly columns: readonly ColumnMetricsJson[];
  readonly checks: readonly {
    readonly name: string;
    readonly evaluated: number;
    readonly passed: number;
    readonly keys?: { readonly set: readonly string[] | null; readonly hll: string | null };
  }[];
}

function show(raw: RawCell): string {
  const text = typeof raw === 'string' ? raw : String(raw);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function worst(a: CompatibilityLevel, b: CompatibilityLevel): CompatibilityLevel {
  return COMPATIBILITY_LEVELS.indexOf(a) >= COMPATIBILITY_LEVELS.indexOf(b) ? a : b;
}

export class ValidationState {
  rowCount = 0;
  failedRowCount = 0;
  readonly present: boolean[];
  private seenColumns: string[] = [];
  readonly examples: (Example | null)[];
  readonly columns: ColumnMetrics[];
  readonly checks: RowCheck[];
  private readonly codecs: ColumnCodec[];
  private readonly mapping: ColumnMapping;

  constructor(
    readonly contract: OutputContract,
    private readonly options: ValidateOptions = {},
  ) {
    const bound = options.exactDistinctBound ?? DEFAULT_EXACT_DISTINCT_BOUND;
    this.codecs = contract.schema.map(columnCodec);
    this.columns = contract.schema.map((c) => new ColumnMetrics(c, bound));
    this.present = contract.schema.map(() => false);
    this.examples = contract.schema.map(() => null);
    this.mapping = new ColumnMapping(contract.schema);
    this.checks = compileRowChecks(contract, this.codecs, {
      uniqueBound: options.uniqueKeyBound ?? DEFAULT_UNIQUE_KEY_BOUND,
      ...(options.referenceSets ? { referenceSets: options.referenceSets } : {}),
    });
  }

  async add(batch: RecordBatch): Promise<void> {
    const schema = this.contract.schema;
    const width = schema.length;
    if (this.mapping.update(batch.columns)) {
      this.mapping.indexOf.forEach((at, i) => (this.present[i] ||= at >= 0));
      for (const c of batch.columns) if (!this.seenColumns.includes(c)) this.seenColumns.push(c);
    }
    const indexOf = this.mapping.indexOf;
    const typed: TypedValue[] = new Array<TypedValue>(width);
    const conforms: boolean[] = new Array<boolean>(width);
    const context = { typed, conforms, present: this.present };
    const checks = this.checks;
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      const rowNumber = batch.firstRow + r;
      this.rowCount++;
      let broke: string[] | undefined;
      for (let i = 0; i < width; i++) {
        const at = indexOf[i]!;
        const raw = at >= 0 ? (row[at] ?? null) : null;
        const metrics = this.columns[i]!;
        conforms[i] = true;
        if (raw === null) {
          typed[i] = null;
          if (this.present[i]) {
            metrics.addNull();
            if (!schema[i]!.nullable) {
              this.examples[i] ??= { row: rowNumber, value: null };
              (broke ??= []).push(`${schema[i]!.name}: null in a non-nullable column`);
            }
          }
          continue;
        }
        const v = this.codecs[i]!.parse(raw);
        if (v === NOT_CONFORMING) {
          typed[i] = null;
          conforms[i] = false;
          metrics.addNonConforming();
          this.examples[i] ??= { row: rowNumber, value: show(raw) };
          (broke ??= []).push(`${schema[i]!.name}: '${show(raw)}' is not ${schema[i]!.type}`);
        } else {
          typed[i] = v;
          metrics.add(v);
        }
      }
      for (let k = 0; k < checks.length; k++) {
        const check = checks[k]!;
        const ok = check.test(context);
        if (ok === undefined) continue;
        check.evaluated++;
        if (ok) check.passed++;
        else (broke ??= []).push(check.name);
      }
      if (broke) {
        this.failedRowCount++;
        if (this.options.onFailedRow) {
          const values: Record<string, string | null> = {};
          batch.columns.forEach((name, k) => {
            const raw = row[k] ?? null;
            values[name] = raw === null ? null : String(raw);
          });
          await this.options.onFailedRow({ row: rowNumber, values, broke });
        }
      }
    }
  }

  /** Folds another partition's state into this one. */
  merge(other: ValidationState): void {
    this.rowCount += other.rowCount;
    this.failedRowCount += other.failedRowCount;
    other.present.forEach((p, i) => (this.present[i] ||= p));
    for (const c of other.seenColumns) if (!this.seenColumns.includes(c)) this.seenColumns.push(c);
    other.examples.forEach((e, i) => {
      if (!this.examples[i] && e)
        this.examples[i] = { row: e.row + this.rowCount - other.rowCount, value: e.value };
    });
    this.columns.forEach((m, i) => m.merge(other.columns[i]!));
    this.checks.forEach((c, i) => {
      const o = other.checks[i]!;
      c.evaluated += o.evaluated;
      c.passed += o.passed;
      if (c.keys && o.keys) c.keys.merge(o.keys);
    });
  }

  toJSON(): ValidationStateJson {
    return {
      rowCount: this.rowCount,
      failedRowCount: this.failedRowCount,
      present: this.present,
      seenColumns: this.seenColumns,
      examples: this.examples,
      columns: this.columns.map((c) => c.toJSON()),
      checks: this.checks.map((c) => ({
        name: c.name,
        evaluated: c.evaluated,
        passed: c.passed,
        ...(c.keys
          ? { keys: { set: c.keys.set ? [...c.keys.set] : null, hll: c.keys.hll?.toJSON() ?? null } }
          : {}),
      })),
    };
  }

  static fromJSON(
    contract: OutputContract,
    json: ValidationStateJson,
    options: ValidateOptions = {},
  ): ValidationState {
    const s = new ValidationState(contract, options);
    const bound = options.exactDistinctBound ?? DEFAULT_EXACT_DISTINCT_BOUND;
    s.rowCount = json.rowCount;
    s.failedRowCount = json.failedRowCount;
    json.present.forEach((p, i) => (s.present[i] = p));
    s.seenColumns = [...json.seenColumns];
    json.examples.forEach((e, i) => (s.examples[i] = e));
    json.columns.forEach((c, i) => (s.columns[i] = ColumnMetrics.fromJSON(contract.schema[i]!, c, bound)));
    json.checks.forEach((c, i) => {
      const check = s.checks[i]!;
      check.evaluated = c.evaluated;
      check.passed = c.passed;
      if (check.keys && c.keys) {
        check.keys.set = c.keys.set ? new Set(c.keys.set) : null;
        check.keys.hll = c.keys.hll ? HyperLogLog.fromJSON(c.keys.hll) : null;
      }
    });
    return s;
  }

  finish(): ValidationReport {
    const contract = this.contract;
    const schema = contract.schema;
    const columns: ColumnReport[] = schema.map((col, i) => {
      const m = this.columns[i]!;
      const base = { name: col.name, expectedType: col.type, nulls: m.nulls, nonConforming: m.nonConforming };
      const example = this.examples[i] ? { example: this.examples[i] } : {};
      if (!this.present[i]) {
        return col.nullable
          ? {
              ...base,
              finding: 'missing',
              level: 'convertible',
              castPlan: `add ${col.name} filled with nulls`,
            }
          : { ...base, finding: 'missing', level: 'incompatible' };
      }
      if (m.nonConforming > 0)
        return { ...base, ...example, finding: 'type_mismatch', level: 'incompatible' };
      if (!col.nullable && m.nulls > 0) {
        return {
          ...base,
          ...example,
          finding: 'unexpected_nulls',
          level: 'convertible',
          castPlan: `declare ${col.name} nullable, or fill its ${m.nulls} nulls`,
        };
      }
      return { ...base, finding: 'ok', level: 'strict' };
    });
    for (const name of this.seenColumns) {
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
    const schemaAccepted =
      COMPATIBILITY_LEVELS.indexOf(level) <= COMPATIBILITY_LEVELS.indexOf(contract.compatibility);

    const fieldIndex = new Map(schema.map((c, i) => [c.name, i]));
    const checkResult = (check: RowCheck, rule: QualityRule | undefined): RuleResult => {
      // Uniqueness: the passing rows are the distinct keys, exactly as one pass would count them.
      const passed = check.keys ? Math.min(check.evaluated, check.keys.distinct) : check.passed;
      const missing = rule?.field !== undefined && !this.present[fieldIndex.get(rule.field)!];
      const passRate = check.evaluated === 0 ? (missing ? 0 : 1) : passed / check.evaluated;
      const threshold = rule?.threshold ?? 1;
      const note =
        check.keys && !check.keys.exact
          ? `duplicates estimated (HyperLogLog, ±${(HyperLogLog.relativeError * 100).toFixed(2)}%)`
          : undefined;
      return {
        name: check.name,
        type: rule?.type ?? 'constraint',
        field: rule?.field ?? schema[check.column ?? 0]?.name ?? '',
        ...(rule ? { condition: rule.condition } : {}),
        ...(check.constraint ? { constraint: check.constraint } : {}),
        threshold,
        severity: rule?.severity ?? 'error',
        evaluated: check.evaluated,
        passed,
        failed: check.evaluated - passed,
        passRate,
        outcome: passRate >= threshold && !missing ? 'pass' : 'fail',
        ...(note ? { note } : missing ? { note: `column ${rule.field} is missing` } : {}),
      };
    };
    const byName = new Map(this.checks.map((c) => [c.name, c]));
    const rules: RuleResult[] = [
      ...this.checks.filter((c) => c.kind === 'constraint').map((c) => checkResult(c, undefined)),
      ...contract.quality.map((rule) => {
        if ((DATASET_CONDITIONS as readonly string[]).includes(rule.condition.kind)) {
          const ci = fieldIndex.get(rule.field!)!;
          return evaluateDatasetRule(rule, this.columns[ci]!, this.present[ci]!, {
            now: (this.options.now ?? (() => new Date()))(),
            reference: this.options.referenceSamples?.get(rule.name),
          });
        }
        return checkResult(byName.get(rule.name)!, rule);
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
      parts.push(
        `schema ${level} (accepts ${contract.compatibility}): ${bad.map((c) => `${c.name} ${c.finding}`).join(', ')}`,
      );
    }
    for (const r of failedRules) {
      parts.push(
        `${r.name} ${(r.passRate * 100).toFixed(2)}% < ${(r.threshold * 100).toFixed(2)}% (${r.severity})`,
      );
    }
    return {
      output: logicalName(contract),
      status,
      rowCount: this.rowCount,
      schema: { level, accepted: contract.compatibility, columns },
      rules,
      failedRules: [...(schemaAccepted ? [] : ['schema_compatibility']), ...failedRules.map((r) => r.name)],
      failedRowCount: this.failedRowCount,
      summary: `${status.toUpperCase()}: ${this.rowCount} rows${parts.length ? `; ${parts.join('; ')}` : ''}`,
      profile: this.columns.map((m) => m.profile()),
    };
  }
}

export async function validateRecords(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const state = new ValidationState(contract, options);
  for await (const batch of batches) await state.add(batch);
  return state.finish();
}
