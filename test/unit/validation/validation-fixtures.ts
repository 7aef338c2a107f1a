/**
 * Shared Prepare helpers of the validation unit tests: contracts are loaded through the real
 * loader (parseContract), so every test also exercises the model the engine receives in production,
 * and rows are fed as a reader would yield them (text cells, null for an empty cell, numbered from 1).
 */
import type { OutputContract } from '../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../lambdas/core/contracts/parse-contract';
import type { RawCell, RecordBatch } from '../../../lambdas/core/formats/record-batch';
import { validateRecords, type ValidateOptions } from '../../../lambdas/core/validation/validate-records';
import type { RuleResult, ValidationReport } from '../../../lambdas/core/validation/validation-report';

export type Row = readonly RawCell[];

export interface ContractParts {
  /** One YAML flow mapping per column, e.g. `{ name: id, type: int64 }`. */
  readonly schema: readonly string[];
  /** One YAML flow mapping per rule. */
  readonly quality?: readonly string[];
  /** Extra top-level YAML lines, e.g. `compatibility: strict`. */
  readonly extra?: readonly string[];
}

/** The YAML text of a contract for output p/s/o. */
export function contractText({ schema, quality = [], extra = [] }: ContractParts): string {
  return [
    'pipeline: p',
    'step: s',
    'output: o',
    'path: data/',
    ...extra,
    'schema:',
    ...schema.map((c) => `  - ${c}`),
    ...(quality.length > 0 ? ['quality:', ...quality.map((q) => `  - ${q}`)] : []),
    '',
  ].join('\n');
}

export function loadContract(parts: ContractParts): OutputContract {
  return parseContract(contractText(parts), 'test-contract.yaml');
}

/** Batches as a reader yields them: `size` rows each, numbered from 1; one empty batch for header-only input. */
export async function* batchesOf(
  columns: readonly string[],
  rows: readonly Row[],
  size = 1000,
): AsyncGenerator<RecordBatch> {
  if (rows.length === 0) {
    yield { columns, rows: [], firstRow: 1 };
    return;
  }
  for (let i = 0; i < rows.length; i += size) {
    await Promise.resolve();
    yield { columns, rows: rows.slice(i, i + size), firstRow: i + 1 };
  }
}

export function validate(
  contract: OutputContract,
  columns: readonly string[],
  rows: readonly Row[],
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  return validateRecords(contract, batchesOf(columns, rows), options);
}

/** Rows of a single column. */
export function column(...values: readonly RawCell[]): Row[] {
  return values.map((v) => [v]);
}

export function ruleNamed(report: ValidationReport, name: string): RuleResult {
  const rule = report.rules.find((r) => r.name === name);
  if (!rule) throw new Error(`no rule ${name} in the report (${report.rules.map((r) => r.name).join(', ')})`);
  return rule;
}
