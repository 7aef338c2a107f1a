/**
 * The typed model written back in the contract file form (snake_case keys, the shapes
 * contract-schema.ts reads), so that loading the result gives the same model. The ODCS export
 * carries the rules and keys ODCS has no field for in this form.
 */
import type { ColumnSpec, InputExpectation, OutputContract, QualityRule } from './output-contract';
import type { Expectation } from '../expectations/expectation-types';

type FileValue = Record<string, unknown>;

/** A column type as a file writes it: decimals as decimal(p,s). */
export function columnTypeText(spec: Pick<ColumnSpec, 'type' | 'precision' | 'scale'>): string {
  return spec.type === 'decimal' ? `decimal(${spec.precision},${spec.scale})` : spec.type;
}

/** A schema column in file form; `physical` is read from typed files only and never written. */
export function columnFileForm(spec: ColumnSpec): FileValue {
  return {
    name: spec.name,
    type: columnTypeText(spec),
    nullable: spec.nullable,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
    ...(spec.zone !== undefined ? { zone: spec.zone } : {}),
    ...(spec.range ? { range: [...spec.range] } : {}),
    ...(spec.allowed ? { allowed: [...spec.allowed] } : {}),
    ...(spec.pattern !== undefined ? { pattern: spec.pattern } : {}),
    ...(spec.length ? { length: [...spec.length] } : {}),
    ...(spec.unique !== undefined ? { unique: spec.unique } : {}),
    ...(spec.pii !== undefined ? { pii: spec.pii } : {}),
    ...(spec.classification !== undefined ? { classification: spec.classification } : {}),
    ...(spec.generate ? { generate: spec.generate } : {}),
  };
}

/** A quality rule in file form; its `type` is left out, the condition implies it. */
export function ruleFileForm(rule: QualityRule): FileValue {
  const c = rule.condition;
  let shape: FileValue;
  switch (c.kind) {
    case 'not_null':
    case 'type_conforms':
      shape = {};
      break;
    case 'greater_than':
    case 'greater_or_equal':
    case 'less_than':
    case 'less_or_equal':
      shape = { value: c.value };
      break;
    case 'between':
    case 'mean_between':
    case 'stddev_between':
    case 'length_between':
      shape = { value: [c.min, c.max] };
      break;
    case 'quantile_between':
      shape = { quantile: c.quantile, value: [c.min, c.max] };
      break;
    case 'matches':
      shape = { value: c.pattern };
      break;
    case 'in_set':
      shape = { value: [...c.values] };
      break;
    case 'format':
      shape = { value: c.format };
      break;
    case 'unique':
      // The model lists the key columns even when the file named one `field`.
      shape =
        rule.field !== undefined && c.fields.length === 1 && c.fields[0] === rule.field
          ? {}
          : { fields: [...c.fields] };
      break;
    case 'expression':
      shape = { expression: c.expression };
      break;
    case 'max_age':
      shape = { value: c.text };
      break;
    case 'ks_test':
      shape = { reference: c.reference, value: c.maxStatistic };
      break;
    case 'exists_in':
      shape = { reference: { output: c.output, field: c.field } };
      break;
  }
  return {
    name: rule.name,
    ...(rule.field !== undefined ? { field: rule.field } : {}),
    condition: c.kind,
    ...shape,
    threshold: rule.threshold,
    severity: rule.severity,
    ...(rule.onUnevaluated !== undefined ? { on_unevaluated: rule.onUnevaluated } : {}),
  };
}

function inputFileForm(input: string, expectation: InputExpectation | undefined): unknown {
  if (!expectation) return input;
  return {
    output: input,
    ...(expectation.columns
      ? {
          columns: expectation.columns.map((col) => ({
            name: col.name,
            type: columnTypeText(col),
            nullable: col.nullable,
            ...(col.description !== undefined ? { description: col.description } : {}),
            ...(col.unit !== undefined ? { unit: col.unit } : {}),
            ...(col.range ? { range: [...col.range] } : {}),
            ...(col.allowed ? { allowed: [...col.allowed] } : {}),
          })),
        }
      : {}),
    accepts: expectation.accepts,
    on_break: expectation.onBreak,
  };
}

/** A contract's `inputs` in file form: plain references, or mappings where an expectation is declared. */
export function inputsFileForm(contract: OutputContract): unknown[] {
  return contract.inputs.map((input, i) =>
    inputFileForm(
      input,
      contract.expectations?.find((e) => e.index === i),
    ),
  );
}

/** The whole contract in file form. */
export function contractFileForm(contract: OutputContract): FileValue {
  const csvDefault =
    contract.csv.delimiter === ',' && contract.csv.header && Object.keys(contract.csv).length === 2;
  return {
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    ...(contract.description !== undefined ? { description: contract.description } : {}),
    path: contract.path,
    format: contract.format,
    ...(contract.compression ? { compression: contract.compression } : {}),
    ...(contract.format === 'csv' && !csvDefault ? { csv: csvFileForm(contract) } : {}),
    ...(contract.convertTo ? { convert_to: contract.convertTo } : {}),
    compatibility: contract.compatibility,
    ...(contract.inputs.length > 0 ? { inputs: inputsFileForm(contract) } : {}),
    ...(contract.jobType !== undefined ? { job_type: contract.jobType } : {}),
    ...(contract.partitioned ? { partitioned: true } : {}),
    ...(contract.publish ? { publish: { to: contract.publish.to, when: [...contract.publish.when] } } : {}),
    allow_extra_columns: contract.allowExtraColumns,
    schema: contract.schema.map(columnFileForm),
    ...(contract.quality.length > 0 ? { quality: contract.quality.map(ruleFileForm) } : {}),
    ...(contract.expected ? { expected: expectedFileForm(contract.expected) } : {}),
  };
}

/** A contract's `expected` entries in file form. */
export function expectedFileForm(expected: readonly Expectation[]): FileValue[] {
  return expected.map((e) =>
    e.kind === 'schedule'
      ? { schedule: e.schedule.text, ...(e.graceSeconds > 0 ? { grace: e.graceText } : {}) }
      : { after: { input: e.input, within: e.withinText } },
  );
}

export function csvFileForm(contract: OutputContract): FileValue {
  const { csv } = contract;
  return {
    delimiter: csv.delimiter,
    header: csv.header,
    ...(csv.quote !== undefined ? { quote: csv.quote } : {}),
    ...(csv.escape !== undefined ? { escape: csv.escape } : {}),
    ...(csv.lenientQuotes ? { lenient_quotes: true } : {}),
  };
}
