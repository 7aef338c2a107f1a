/**
 * The input limits readers hold objects to, from the optional PRT_READER_LIMITS (a JSON object,
 * e.g. `{"maxFieldsPerRow":20000,"maxRowBytes":33554432}`), read once: at a handler's cold start
 * and where a CLI command starts. Deployed functions get it from the environment's `readerLimits`
 * in cdk.json (lib/workflow-functions.ts), the embedded stack from the same config; a person
 * running `prt validate` sets it to raise a limit for a one-off file. An absent limit keeps its
 * reader's default; a bad value fails at start, naming the variable and the limit.
 *
 * @example
 * const readerLimits = readerLimitsFromEnv(process.env); // at cold start
 * await validateOutput(input, { ...deps, readerLimits });
 */
import { ConfigurationError } from '../core/errors';
import type { ReaderLimits } from '../core/formats';

export const READER_LIMITS_ENV = 'PRT_READER_LIMITS';

/** The limits a deployment may set: every ReaderLimits bound (batchSize is a batching choice, not a bound). */
export type ConfigurableReaderLimits = Omit<ReaderLimits, 'batchSize'>;
export type ReaderLimitName = keyof ConfigurableReaderLimits;

/**
 * V8's longest string (2^29 - 24 characters on 64-bit Node). A text limit above it protects
 * nothing: a longer value fails inside V8 with a RangeError before the reader can refuse it.
 */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** The largest value of each limit (every limit is a whole number of at least 1) and what it bounds. */
export const READER_LIMITS: Readonly<
  Record<ReaderLimitName, { readonly max: number; readonly bounds: string }>
> = {
  maxFieldLength: {
    max: MAX_STRING_LENGTH,
    bounds: 'characters of one CSV field, Parquet or Arrow text value',
  },
  maxRecordLength: {
    max: MAX_STRING_LENGTH,
    bounds: 'characters of one JSON Lines line or JSON array element',
  },
  maxColumns: {
    max: Number.MAX_SAFE_INTEGER,
    bounds: 'columns of a CSV header, distinct keys of a JSON input',
  },
  maxFieldsPerRow: { max: Number.MAX_SAFE_INTEGER, bounds: 'fields of one CSV row' },
  maxRowBytes: { max: Number.MAX_SAFE_INTEGER, bounds: 'bytes of one CSV row' },
  maxDecompressedBytes: { max: Number.MAX_SAFE_INTEGER, bounds: 'bytes a gzip input inflates to' },
  maxInflateRatio: {
    max: Number.MAX_SAFE_INTEGER,
    bounds: 'inflated bytes per compressed byte of a gzip input',
  },
  maxRowGroupRows: { max: Number.MAX_SAFE_INTEGER, bounds: 'rows of one Parquet row group' },
  maxRowGroupBytes: { max: Number.MAX_SAFE_INTEGER, bounds: 'decompressed bytes of one Parquet row group' },
  maxRecordBatchRows: { max: Number.MAX_SAFE_INTEGER, bounds: 'rows of one Arrow record batch' },
};

export const READER_LIMIT_NAMES = Object.keys(READER_LIMITS) as ReaderLimitName[];

/** What is wrong with `value` as the limit `name`, or undefined when it is a valid limit. */
export function readerLimitProblem(name: string, value: unknown): string | undefined {
  if (!Object.hasOwn(READER_LIMITS, name))
    return `'${name}' is not a reader limit; expected one of ${READER_LIMIT_NAMES.join(', ')}`;
  const { max } = READER_LIMITS[name as ReaderLimitName];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    return `${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(value)}`;
  return undefined;
}

/**
 * The limits set in PRT_READER_LIMITS (none when unset or blank). Unknown names are refused, not
 * ignored: a misspelt limit would otherwise leave the default in force without a word.
 */
export function readerLimitsFromEnv(env: NodeJS.ProcessEnv): ConfigurableReaderLimits {
  const text = env[READER_LIMITS_ENV];
  if (text === undefined || text.trim() === '') return {};
  const invalid = (problem: string): ConfigurationError =>
    new ConfigurationError(`environment variable ${READER_LIMITS_ENV}: ${problem}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(`must be a JSON object such as {"maxFieldsPerRow":20000}, not '${text}'`);
  const limits: { -readonly [K in ReaderLimitName]?: number } = {};
  for (const [name, value] of Object.entries(raw)) {
    const problem = readerLimitProblem(name, value);
    if (problem !== undefined) throw invalid(problem);
    limits[name as ReaderLimitName] = value as number;
  }
  return limits;
}

/** The PRT_READER_LIMITS value that carries `limits` (names in READER_LIMITS order, so it is stable). */
export function readerLimitsEnvValue(limits: ConfigurableReaderLimits): string {
  const ordered: { [K in ReaderLimitName]?: number } = {};
  for (const name of READER_LIMIT_NAMES) {
    const value = limits[name];
    if (value !== undefined) ordered[name] = value;
  }
  return JSON.stringify(ordered);
}
