/**
 * The one definition of the contract file format. The loader validates with it, and the JSON
 * Schema shipped for editors (schemas/contract.schema.json, `prt contract schema`) is generated from
 * it, so the two cannot disagree.
 */
import { z } from 'zod';

export const COLUMN_TYPES = [
  'string',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'date',
  'timestamp',
  'decimal',
] as const;
export const DATA_FORMATS = ['csv', 'jsonl', 'json', 'parquet', 'arrow'] as const;
export const COMPRESSIONS = ['none', 'gzip'] as const;
export const COMPATIBILITY_LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'] as const;
export const TIMESTAMP_UNITS = ['ms', 'us', 'ns'] as const;
export const RULE_CONDITIONS = ['not_null', 'greater_than', 'less_than', 'between'] as const;

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a name (letters, digits, _ . -)')
  .describe('A name: letters, digits, _ . -');
const bound = z.union([z.number(), z.string()]).describe('A number, or a date/timestamp/decimal as text');

const generateHints = z
  .looseObject({
    distribution: z.string().optional(),
  })
  .describe('Hints for synthetic data generation (distribution, faker kind, null rate...)');

export const columnSchema = z
  .strictObject({
    name: z.string().min(1).describe('Column name as it appears in the data'),
    type: z
      .union([z.enum(COLUMN_TYPES), z.string().regex(/^decimal\(\s*\d+\s*,\s*\d+\s*\)$/, 'decimal(precision,scale)')])
      .describe('Column type; decimals as decimal(precision,scale) or type: decimal with precision and scale'),
    nullable: z.boolean().default(true).describe('Whether nulls (empty CSV cells) are allowed'),
    description: z.string().optional(),
    unit: z.enum(TIMESTAMP_UNITS).optional().describe('Timestamp unit (default us)'),
    zone: z
      .string()
      .regex(/^(UTC|[+-]\d{2}:\d{2})$/, "must be 'UTC' or a fixed offset such as +05:30")
      .optional()
      .describe('Zone of timestamps written without one (default UTC)'),
    precision: z.int().min(1).max(38).optional().describe('Decimal precision (total digits)'),
    scale: z.int().min(0).max(38).optional().describe('Decimal scale (digits after the point)'),
    range: z.tuple([bound, bound]).optional().describe('Inclusive [min, max]'),
    allowed: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional().describe('Allowed values'),
    pattern: z.string().optional().describe('Regular expression every value must match (whole value)'),
    length: z
      .union([z.int().min(0), z.tuple([z.int().min(0), z.int().min(0)])])
      .optional()
      .describe('Exact length, or inclusive [min, max] length of string values'),
    unique: z.boolean().optional().describe('Values must not repeat'),
    generate: generateHints.optional(),
  })
  .describe('One column of the output');

export const ruleSchema = z
  .strictObject({
    name: name.describe('Rule name, unique in the contract'),
    type: z.enum(['completeness', 'accuracy']).optional().describe('completeness (not_null) or accuracy'),
    field: z.string().min(1).describe('Column the rule checks'),
    condition: z.enum(RULE_CONDITIONS),
    value: z.union([z.number(), z.tuple([z.number(), z.number()])]).optional().describe('Bound, or [min, max] for between'),
    threshold: z.number().min(0).max(1).default(1).describe('Fraction of rows that must pass'),
    severity: z.enum(['error', 'warn']).default('error'),
    description: z.string().optional(),
  })
  .describe('A quality rule with a pass threshold');

export const csvOptionsSchema = z
  .strictObject({
    delimiter: z.string().length(1).default(','),
    header: z.boolean().default(true).describe('First row names the columns; without it the schema order is used'),
  })
  .describe('CSV dialect');

export const contractSchema = z
  .strictObject({
    pipeline: name,
    step: name,
    output: name.describe('Logical output name'),
    description: z.string().optional(),
    path: z
      .string()
      .min(1)
      .refine((p) => !p.startsWith('/'), 'must not start with /')
      .describe('S3 key template with {placeholders}; a trailing / claims every object under it'),
    format: z.enum(DATA_FORMATS).default('csv'),
    compression: z.enum(COMPRESSIONS).optional().describe('Expected compression; detected when absent'),
    csv: csvOptionsSchema.optional(),
    convert_to: z.enum(DATA_FORMATS).nullable().optional().describe('Format to convert each object to'),
    compatibility: z.enum(COMPATIBILITY_LEVELS).default('compatible').describe('Least schema compatibility accepted'),
    inputs: z
      .array(z.string().regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/, 'must be step/output or pipeline/step/output'))
      .default([])
      .describe('Upstream logical outputs, for lineage'),
    job_type: z.string().optional().describe('glue, sagemaker, spark, script...'),
    allow_extra_columns: z.boolean().default(true),
    schema: z.array(columnSchema).min(1),
    quality: z.array(ruleSchema).default([]),
  })
  .describe('Data contract of one pipeline step output (Pipeline Runtime Testing)');

export type ContractInput = z.input<typeof contractSchema>;
export type ContractFile = z.output<typeof contractSchema>;

/** The JSON Schema editors use to autocomplete and check contract files. */
export function contractJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(contractSchema, { io: 'input' }),
    $id: 'https://pipeline-runtime-testing.dev/schemas/contract.schema.json',
    title: 'Pipeline Runtime Testing data contract',
  };
}
