/**
 * Writes a prt contract as an Open Data Contract Standard v3.1.0 document. What ODCS says natively
 * goes in its own fields (properties, logical types and their options, library quality metrics, an
 * s3 server); prt checks ODCS has no library metric for become `type: custom` with `engine: prt`
 * and the rule in prt's file form as the implementation; contract and column keys ODCS has no
 * field for ride in custom properties (`prtContract`, `prtColumn`). importOdcs reads all of it
 * back, so prt → ODCS → prt gives the same contract.
 */
import {
  columnFileForm,
  columnTypeText,
  csvFileForm,
  inputsFileForm,
  ruleFileForm,
} from '../contract-file-form';
import type { ColumnSpec, OutputContract, QualityRule } from '../output-contract';
import {
  DIMENSION_OF,
  failureBound,
  ODCS_API_VERSION,
  PRT_COLUMN_KEY_PROPERTY,
  PRT_COLUMN_PROPERTY,
  PRT_CONTRACT_PROPERTY,
  PRT_ENGINE,
  PRT_ON_UNEVALUATED_PROPERTY,
  UNBOUNDED_LENGTH,
} from './odcs-terms';
import { slaPropertiesOf } from './odcs-sla';

type Json = Record<string, unknown>;

export interface OdcsExportOptions {
  /** The bucket named in the s3 server's location (prt contracts name keys, not buckets). */
  readonly bucket?: string;
  /** The document's `version` (ODCS requires one; prt contracts have none). */
  readonly version?: string;
}

/** Bucket written when none is given: the outputs bucket differs per environment. */
export const DEFAULT_EXPORT_BUCKET = 'outputs-bucket';

/** `{run_id}` written as %7Brun_id%7D: the s3 location is a URI, and braces are not URI characters. */
function locationOf(bucket: string, path: string): string {
  return `s3://${bucket}/${path.replace(/[{}]/g, (b) => (b === '{' ? '%7B' : '%7D'))}`;
}

function logicalTypeOf(spec: ColumnSpec): string {
  switch (spec.type) {
    case 'int32':
    case 'int64':
      return 'integer';
    case 'float32':
    case 'float64':
    case 'decimal':
      return 'number';
    default:
      return spec.type;
  }
}

/** Whether a column's range is written as ODCS minimum/maximum (numbers, or date/timestamp text). */
function rangeInOptions(spec: ColumnSpec): boolean {
  if (!spec.range) return false;
  const [lo, hi] = spec.range;
  if (['int32', 'int64', 'float32', 'float64'].includes(spec.type))
    return typeof lo === 'number' && typeof hi === 'number';
  if (spec.type === 'date' || spec.type === 'timestamp')
    return typeof lo === 'string' && typeof hi === 'string';
  return false;
}

function logicalTypeOptions(spec: ColumnSpec): Json | undefined {
  const options: Json = {};
  if (spec.type === 'int32' || spec.type === 'int64') options.format = spec.type === 'int32' ? 'i32' : 'i64';
  if (spec.type === 'float32' || spec.type === 'float64')
    options.format = spec.type === 'float32' ? 'f32' : 'f64';
  if (spec.type === 'string') {
    // prt matches a column pattern against the whole value; an ODCS pattern may match a part.
    if (spec.pattern !== undefined) options.pattern = `^(?:${spec.pattern})$`;
    if (spec.length) {
      if (spec.length[0] > 0) options.minLength = spec.length[0];
      if (spec.length[1] !== UNBOUNDED_LENGTH) options.maxLength = spec.length[1];
    }
  }
  if (rangeInOptions(spec)) {
    options.minimum = spec.range![0];
    options.maximum = spec.range![1];
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/** Column keys ODCS has no field for, in prt's file form. */
function columnExtras(spec: ColumnSpec): Json | undefined {
  const file = columnFileForm(spec);
  const extras: Json = {};
  for (const key of ['unit', 'zone', 'pii', 'generate'] as const)
    if (file[key] !== undefined) extras[key] = file[key];
  if (spec.range && !rangeInOptions(spec)) extras.range = file.range;
  // A pattern or length on a non-string column is refused by the loader, so only strings carry them.
  return Object.keys(extras).length > 0 ? extras : undefined;
}

function severityOf(rule: QualityRule): string {
  return rule.severity === 'warn' ? 'warning' : 'error';
}

/** The ODCS quality check of one rule: a library metric where ODCS has one, else a prt custom check. */
export function qualityCheckOf(rule: QualityRule): Json {
  const c = rule.condition;
  const dimension = DIMENSION_OF[rule.type];
  const common: Json = {
    name: rule.name,
    ...(dimension !== undefined ? { dimension } : {}),
    severity: severityOf(rule),
  };
  const onUnevaluated =
    rule.onUnevaluated !== undefined
      ? { customProperties: [{ property: PRT_ON_UNEVALUATED_PROPERTY, value: rule.onUnevaluated }] }
      : {};
  const library = (metric: string, args?: Json): Json => ({
    ...common,
    type: 'library',
    metric,
    ...(args ? { arguments: args } : {}),
    ...failureBound(rule.threshold),
    ...onUnevaluated,
  });
  switch (c.kind) {
    case 'not_null':
      return library('nullValues');
    case 'in_set':
      return library('invalidValues', { validValues: [...c.values] });
    case 'matches':
      return library('invalidValues', { pattern: c.pattern });
    case 'unique':
      if (c.fields.length === 1 && rule.field === c.fields[0]) return library('duplicateValues');
      // A composite key named from one of its columns keeps that column in prt's own form.
      if (rule.field === undefined) return library('duplicateValues', { properties: [...c.fields] });
      return { ...common, type: 'custom', engine: PRT_ENGINE, implementation: ruleFileForm(rule) };
    default:
      return { ...common, type: 'custom', engine: PRT_ENGINE, implementation: ruleFileForm(rule) };
  }
}

/** A rule checked at the property level: one column, and not a composite key. */
function propertyLevel(rule: QualityRule): boolean {
  if (rule.field === undefined) return false;
  return (
    rule.condition.kind !== 'unique' ||
    (rule.condition.fields.length === 1 && rule.condition.fields[0] === rule.field)
  );
}

function propertyOf(spec: ColumnSpec, rules: readonly QualityRule[]): Json {
  const options = logicalTypeOptions(spec);
  const extras = columnExtras(spec);
  const quality = [
    ...(spec.allowed
      ? [
          {
            name: `${spec.name}_allowed`,
            type: 'library',
            metric: 'invalidValues',
            arguments: { validValues: [...spec.allowed] },
            mustBe: 0,
            unit: 'rows',
            severity: 'error',
            customProperties: [{ property: PRT_COLUMN_KEY_PROPERTY, value: 'allowed' }],
          },
        ]
      : []),
    ...rules.map(qualityCheckOf),
  ];
  return {
    name: spec.name,
    logicalType: logicalTypeOf(spec),
    physicalType: columnTypeText(spec),
    ...(options ? { logicalTypeOptions: options } : {}),
    required: !spec.nullable,
    ...(spec.unique !== undefined ? { unique: spec.unique } : {}),
    ...(spec.classification !== undefined ? { classification: spec.classification } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(quality.length > 0 ? { quality } : {}),
    ...(extras ? { customProperties: [{ property: PRT_COLUMN_PROPERTY, value: extras }] } : {}),
  };
}

/** Contract keys ODCS has no field for, in prt's file form. */
function contractExtras(contract: OutputContract): Json {
  const csvDefault =
    contract.csv.delimiter === ',' && contract.csv.header && Object.keys(contract.csv).length === 2;
  return {
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    ...(contract.compression ? { compression: contract.compression } : {}),
    ...(contract.format === 'csv' && !csvDefault ? { csv: csvFileForm(contract) } : {}),
    ...(contract.convertTo ? { convert_to: contract.convertTo } : {}),
    compatibility: contract.compatibility,
    ...(contract.inputs.length > 0 ? { inputs: inputsFileForm(contract) } : {}),
    ...(contract.jobType !== undefined ? { job_type: contract.jobType } : {}),
    ...(contract.partitioned ? { partitioned: true } : {}),
    ...(contract.publish ? { publish: { to: contract.publish.to, when: [...contract.publish.when] } } : {}),
    ...(contract.history
      ? {
          history: {
            versions: contract.history.versions,
            min_versions: contract.history.minVersions,
            threshold: contract.history.threshold,
          },
        }
      : {}),
    allow_extra_columns: contract.allowExtraColumns,
    // Checks sit under their columns in ODCS; reports follow the contract's own order.
    ...(contract.quality.length > 1 ? { rule_order: contract.quality.map((r) => r.name) } : {}),
  };
}

/** The ODCS v3.1.0 document of a prt contract. */
export function exportOdcs(contract: OutputContract, options: OdcsExportOptions = {}): Json {
  const byColumn = new Map<string, QualityRule[]>();
  const tableRules: QualityRule[] = [];
  for (const rule of contract.quality) {
    if (propertyLevel(rule)) byColumn.set(rule.field!, [...(byColumn.get(rule.field!) ?? []), rule]);
    else tableRules.push(rule);
  }
  const format =
    contract.format === 'jsonl'
      ? { format: 'json', delimiter: 'new_line' }
      : contract.format === 'json'
        ? { format: 'json', delimiter: 'array' }
        : { format: contract.format };
  return {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: `${contract.pipeline}/${contract.step}/${contract.output}`,
    name: `${contract.pipeline}/${contract.step}/${contract.output}`,
    version: options.version ?? '1.0.0',
    status: 'active',
    domain: contract.pipeline,
    ...(contract.description !== undefined ? { description: { purpose: contract.description } } : {}),
    servers: [
      {
        server: 'outputs',
        type: 's3',
        location: locationOf(options.bucket ?? DEFAULT_EXPORT_BUCKET, contract.path),
        ...format,
      },
    ],
    schema: [
      {
        name: contract.output,
        physicalType: contract.partitioned ? 'folder' : 'file',
        properties: contract.schema.map((spec) => propertyOf(spec, byColumn.get(spec.name) ?? [])),
        ...(tableRules.length > 0 ? { quality: tableRules.map(qualityCheckOf) } : {}),
      },
    ],
    ...(contract.expected ? { slaProperties: slaPropertiesOf(contract.expected) } : {}),
    customProperties: [{ property: PRT_CONTRACT_PROPERTY, value: contractExtras(contract) }],
  };
}
