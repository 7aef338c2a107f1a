/**
 * The one definition of the contract file format. The loader validates with it, and the JSON
 * Schema shipped for editors (schemas/contract.schema.json, `prt contract schema`) is generated from
 * it, so the two cannot disagree.
 */
import * as z from 'zod';
import { HISTORY_LIMITS } from '../history/history-types';
import {
  COLUMN_TYPES,
  DATA_FORMATS,
  COMPRESSIONS,
  COMPATIBILITY_LEVELS,
  TIMESTAMP_UNITS,
  RULE_CONDITIONS,
  RULE_TYPES,
  CLASSIFICATIONS,
  ACCEPTED_INPUT_LEVELS,
  PUBLISHABLE_STATUSES,
} from './contract-vocabulary';
import { EXPECTATION_LIMITS } from '../expectations/expectation-types';

// The vocabulary is part of this module's face: callers reach the words through the schema too.
export * from './contract-vocabulary';

const name = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a name (letters, digits, _ . -)')
  .describe('A name: letters, digits, _ . -');
const bound = z.union([z.number(), z.string()]).describe('A number, or a date/timestamp/decimal as text');

/** Value generators for `generate.kind` (semantic ones draw pools from @faker-js/faker). */
export const GENERATOR_KINDS = [
  'email',
  'name',
  'first_name',
  'last_name',
  'user_name',
  'address',
  'street_address',
  'city',
  'state',
  'zip_code',
  'country',
  'country_code',
  'phone',
  'uuid',
  'company',
  'job_title',
  'url',
  'domain',
  'ip',
  'ipv6',
  'iban',
  'ssn',
  'currency_code',
  'word',
  'sentence',
  'sequence',
  'anomaly_label',
] as const;
export const DISTRIBUTIONS = [
  'uniform',
  'normal',
  'lognormal',
  'exponential',
  'poisson',
  'categorical',
  'empirical',
] as const;
export const SERIES_FREQUENCIES = [
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'minutely',
  'hourly',
  'daily',
  'weekly',
  'monthly',
] as const;
export const SEASONALITIES = ['daily', 'weekly', 'yearly'] as const;
export const TRENDS = ['none', 'increasing', 'decreasing', 'linear', 'exponential'] as const;

const rate = z.number().min(0).max(1);
const seriesHints = z
  .strictObject({
    start: bound.optional().describe('First point (date or timestamp text)'),
    end: bound.optional().describe('Last point, inclusive'),
    start_date: bound.optional().describe('Same as start'),
    end_date: bound.optional().describe('Same as end'),
    frequency: z.enum(SERIES_FREQUENCIES).describe('Step between points'),
    anomalies: z
      .strictObject({
        spikes: rate.optional().describe('Fraction of points with a spike'),
        level_shifts: rate.optional().describe('Fraction of points where the level shifts for good'),
        gaps: rate.optional().describe('Fraction of points missing (each gap labels the point after it)'),
        magnitude: z
          .number()
          .min(0)
          .optional()
          .describe('Size of spikes and shifts in units of the base level (default 0.5)'),
      })
      .optional()
      .describe('Injected anomalies, labelled in the anomaly column'),
  })
  .describe('Makes this date/timestamp column the time axis of a time series: one row per point');

/**
 * Column hints for synthetic data. Loose on purpose: keys unknown to this version are kept, so a
 * contract written for a newer generator still loads; `distribution` also accepts any text and is
 * checked when data is generated.
 */
export const generateHints = z
  .looseObject({
    kind: z
      .enum(GENERATOR_KINDS)
      .optional()
      .describe('Semantic value generator (email, name, city, uuid, sequence...)'),
    distribution: z
      .union([z.enum(DISTRIBUTIONS), z.string()])
      .optional()
      .describe(`Numeric distribution: ${DISTRIBUTIONS.join(', ')}`),
    mean: z.number().optional().describe('normal: mean; exponential and poisson: mean (1/rate)'),
    std: z.number().min(0).optional().describe('normal: standard deviation'),
    mu: z.number().optional().describe('lognormal: mean of the log'),
    sigma: z.number().min(0).optional().describe('lognormal: standard deviation of the log'),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional()
      .describe('categorical: the values (default: allowed)'),
    weights: z
      .union([z.array(z.number().min(0)), z.record(z.string(), z.number().min(0))])
      .optional()
      .describe('categorical: weight per value (list in value order, or value: weight)'),
    quantiles: z
      .array(z.number())
      .min(2)
      .optional()
      .describe('empirical: ascending quantiles, equally spaced in probability'),
    shapes: z
      .record(z.string(), z.number().min(0))
      .optional()
      .describe("Strings by shape: 'A' upper, 'a' lower, '9' digit, other characters literal"),
    null_rate: rate.optional().describe('Fraction of nulls (nullable columns; default 0)'),
    true_rate: rate.optional().describe('booleans: fraction of true (default 0.5)'),
    decimals: z
      .int()
      .min(0)
      .max(15)
      .optional()
      .describe('floats: digits after the point (default 2 for ranges wider than 1)'),
    start: bound.optional().describe('sequence: first value (default: range min, or 1)'),
    step: z.number().optional().describe('sequence: step (default 1)'),
    template: z
      .string()
      .optional()
      .describe('Text template with {placeholders}: {first_name}, {int:1-100}, {digits:4}, {choice:a|b}...'),
    ref: z
      .string()
      .regex(
        /^([^/\s]+\/){1,2}[^/\s.]+\.[^\s]+$/,
        'must be step/output.column or pipeline/step/output.column',
      )
      .optional()
      .describe('Draw values from a column of an upstream output (keys that agree across steps)'),
    series: seriesHints.optional(),
    trend: z.enum(TRENDS).optional().describe('Time-series metric trend'),
    slope: z.number().optional().describe('linear trend: change per point'),
    growth: z.number().optional().describe('exponential trend: growth rate per point (0.01 = 1%)'),
    base: z.number().optional().describe('Time-series metric level at the first point'),
    seasonality: z
      .union([z.enum(SEASONALITIES), z.array(z.enum(SEASONALITIES))])
      .optional()
      .describe('Time-series metric seasonality (daily, weekly, yearly)'),
    amplitude: z.number().min(0).optional().describe('Seasonal amplitude (default 10% of base)'),
    noise: z.number().min(0).optional().describe('Noise standard deviation (default 2% of base)'),
  })
  .describe('Hints for synthetic data generation (kind, distribution, null rate, time series...)');

export type GenerateHints = z.output<typeof generateHints>;

export const columnSchema = z
  .strictObject({
    name: z.string().min(1).describe('Column name as it appears in the data'),
    type: z
      .union([
        z.enum(COLUMN_TYPES),
        z.string().regex(/^decimal\(\s*\d+\s*,\s*\d+\s*\)$/, 'decimal(precision,scale)'),
      ])
      .describe(
        'Column type; decimals as decimal(precision,scale) or type: decimal with precision and scale',
      ),
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
    allowed: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional()
      .describe('Allowed values'),
    pattern: z.string().optional().describe('Regular expression every value must match (whole value)'),
    length: z
      .union([z.int().min(0), z.tuple([z.int().min(0), z.int().min(0)])])
      .optional()
      .describe('Exact length, or inclusive [min, max] length of string values'),
    unique: z.boolean().optional().describe('Values must not repeat'),
    pii: z
      .boolean()
      .optional()
      .describe('Personal data: staged copies replace its values with keyed pseudonyms'),
    classification: z
      .enum(CLASSIFICATIONS)
      .optional()
      .describe('Data classification; confidential and restricted values are masked when staged'),
    generate: generateHints.optional(),
  })
  .describe('One column of the output');

export const ruleSchema = z
  .strictObject({
    name: name.describe('Rule name, unique in the contract'),
    type: z.enum(RULE_TYPES).optional().describe('Rule family; implied by the condition when absent'),
    field: z.string().min(1).optional().describe('Column the rule checks'),
    fields: z.array(z.string().min(1)).min(1).optional().describe('Columns of a composite key (unique)'),
    condition: z.enum(RULE_CONDITIONS),
    value: z
      .union([z.number(), z.string(), z.array(z.union([z.number(), z.string(), z.boolean()]))])
      .optional()
      .describe(
        'Bound, [min, max], regex, allowed set, format name, duration (max_age) or KS statistic bound',
      ),
    expression: z
      .string()
      .optional()
      .describe("Cross-field expression, e.g. 'end_date >= start_date' (consistency)"),
    quantile: z.number().min(0).max(1).optional().describe('Quantile for quantile_between, e.g. 0.95'),
    reference: z
      .union([z.string(), z.strictObject({ output: z.string(), field: z.string() })])
      .optional()
      .describe('ks_test: a sample file or s3:// URI; exists_in: { output: step/output, field }'),
    threshold: z.number().min(0).max(1).default(1).describe('Fraction of rows that must pass'),
    severity: z.enum(['error', 'warn']).default('error'),
    on_unevaluated: z
      .enum(['warn', 'fail'])
      .optional()
      .describe(
        'When rows exist but the rule judged none of them (every value null or unknown): warn (default), or fail at the rule severity',
      ),
    description: z.string().optional(),
  })
  .describe('A quality rule with a pass threshold');

const inputReference = z
  .string()
  .regex(/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/, 'must be step/output or pipeline/step/output');

/** A column a consuming step reads of its input: the type it reads it as, and what it needs. */
export const expectedColumnSchema = columnSchema
  .pick({
    name: true,
    type: true,
    description: true,
    unit: true,
    precision: true,
    scale: true,
    range: true,
    allowed: true,
  })
  .extend({
    nullable: z
      .boolean()
      .default(true)
      .describe('false: this step needs every value present (a nullable producer column is convertible)'),
  })
  .describe('A column the consuming step reads, with the type it reads it as');

/**
 * An input entry that declares what the consuming step reads of the output (consumer-driven
 * expectations); the plain `step/output` form means the step reads the producer's whole contract.
 */
export const inputExpectationSchema = z
  .strictObject({
    output: inputReference.describe('The upstream output: step/output or pipeline/step/output'),
    columns: z
      .array(expectedColumnSchema)
      .min(1)
      .optional()
      .describe("Columns this step reads; absent: the producer's whole contract"),
    accepts: z
      .enum(ACCEPTED_INPUT_LEVELS)
      .default('compatible')
      .describe('Least compatibility of the producer this step accepts'),
    on_break: z
      .enum(['fail', 'warn'])
      .default('fail')
      .describe("When a landed output grades below 'accepts': fail the producer's output, or warn"),
    description: z.string().optional(),
  })
  .describe('What a consuming step expects of one input');

export const csvOptionsSchema = z
  .strictObject({
    delimiter: z.string().length(1).default(','),
    header: z
      .boolean()
      .default(true)
      .describe('First row names the columns; without it the schema order is used'),
    quote: z
      .string()
      .length(1)
      .optional()
      .describe('Character enclosing fields that hold delimiters, quotes or line ends (default ")'),
    escape: z
      .string()
      .length(1)
      .optional()
      .describe(
        'Character that makes a quote inside a quoted field text; default: the quote itself, written twice. A backslash is common',
      ),
    lenient_quotes: z
      .boolean()
      .default(false)
      .describe('Read a quote inside an unquoted field (5" screen) as text instead of rejecting the file'),
  })
  .describe('CSV dialect');

/** How a version is judged against the earlier versions of its output (defaults: 30, 10, 3.5). */
export const historySchema = z
  .strictObject({
    versions: z
      .int()
      .min(HISTORY_LIMITS.leastVersions)
      .max(HISTORY_LIMITS.maxVersions)
      .optional()
      .describe(
        'The last N earlier versions (passed or warned) a new version is judged against (default 30)',
      ),
    min_versions: z
      .int()
      .min(HISTORY_LIMITS.leastVersions)
      .max(HISTORY_LIMITS.maxVersions)
      .optional()
      .describe('Fewer earlier versions than this: "not enough history", nothing judged (default 10)'),
    threshold: z
      .number()
      .min(1)
      .max(20)
      .optional()
      .describe(
        'Robust z-score (distance from the median in robust standard deviations) beyond which a metric is an anomaly (default 3.5)',
      ),
  })
  .describe(
    'Anomalies against history: row count, null rates, means, distinct counts and arrival time judged against the last N versions (median and MAD, weekly pattern when three weeks exist)',
  );

/** One entry of `expected`: a schedule with its grace, or a delay after an input of the same run. */
export const expectedEntrySchema = z
  .strictObject({
    schedule: z
      .string()
      .min(1)
      .optional()
      .describe(
        'When a version is due, in UTC: cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|day)',
      ),
    grace: z
      .string()
      .min(1)
      .optional()
      .describe('How long after each deadline a version may still arrive in time (15m, 2h; default 0)'),
    after: z
      .strictObject({
        input: z.string().min(1).describe('An input of this contract: step/output or pipeline/step/output'),
        within: z
          .string()
          .min(1)
          .describe("How long after that input arrived this run's version is due (2h)"),
      })
      .optional()
      .describe('A version of the same run is due within a time after a version of an input arrived'),
  })
  .describe('An expected arrival: give schedule (and grace) or after');

const publishSchema = z
  .strictObject({
    to: z
      .string()
      .min(1)
      .refine((p) => !p.startsWith('/'), 'must not start with /')
      .describe(
        "Key template of the published copy consumers read, with path's {placeholders}; ends with / when path does",
      ),
    when: z
      .array(z.enum(PUBLISHABLE_STATUSES))
      .min(1)
      .default(['passed'])
      .describe('Statuses that publish a version: [passed] (the default) or [passed, warned]'),
  })
  .describe(
    'Write-audit-publish: objects land under path (staging); only versions whose test ends in one of when are copied server-side to to',
  );

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
    compatibility: z
      .enum(COMPATIBILITY_LEVELS)
      .default('compatible')
      .describe('Least schema compatibility accepted'),
    inputs: z
      .array(z.union([inputReference, inputExpectationSchema]))
      .default([])
      .describe(
        'Upstream logical outputs, for lineage; an entry may declare what this step reads of it (output, columns, accepts)',
      ),
    job_type: z.string().optional().describe('glue, sagemaker, spark, script...'),
    partitioned: z
      .boolean()
      .default(false)
      .describe(
        'The output is a folder of part files (Spark, Glue) completed by a _SUCCESS marker: the marker starts one test of all parts together',
      ),
    partition_by: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Hive-style folders of a partitioned output (date=2026-11-01/region=eu/), outermost first: each names a schema column whose value every part takes from its folder',
      ),
    allow_extra_columns: z.boolean().default(true),
    schema: z.array(columnSchema).min(1),
    quality: z.array(ruleSchema).default([]),
    history: historySchema.optional(),
    expected: z
      .array(expectedEntrySchema)
      .min(1)
      .max(EXPECTATION_LIMITS.maxEntries)
      .optional()
      .describe(
        'When versions are expected: a deadline with no version in its window is recorded as missing, alerted and published (Output Missing)',
      ),

    publish: publishSchema.optional(),
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
