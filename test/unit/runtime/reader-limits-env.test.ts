/**
 * PRT_READER_LIMITS, read once at a handler's cold start or where a CLI command starts: a JSON
 * object of limits, each a whole number within its bound. Anything else stops the start with a
 * ConfigurationError naming the variable and the limit, instead of reading with a default the
 * person did not ask for.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_STRING_LENGTH,
  READER_LIMITS_ENV,
  READER_LIMIT_NAMES,
  readerLimitsEnvValue,
  readerLimitsFromEnv,
} from '../../../lambdas/runtime/reader-limits-env';
import { ConfigurationError } from '../../../lambdas/core/errors';

function failureOf(value: string): Error {
  try {
    readerLimitsFromEnv({ [READER_LIMITS_ENV]: value });
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${value} was accepted`);
}

describe('readerLimitsFromEnv', () => {
  it('sets no limit when the variable is unset or blank (every reader keeps its default)', () => {
    // Prepare / Act / Assess
    expect(readerLimitsFromEnv({})).toEqual({});
    expect(readerLimitsFromEnv({ [READER_LIMITS_ENV]: '  ' })).toEqual({});
  });

  it('takes every limit it names, and only those', () => {
    // Prepare
    const env = {
      [READER_LIMITS_ENV]: '{"maxFieldsPerRow":20000,"maxRowBytes":33554432,"maxRowGroupRows":5}',
    };

    // Act
    const limits = readerLimitsFromEnv(env);

    // Assess
    expect(limits).toEqual({ maxFieldsPerRow: 20_000, maxRowBytes: 33_554_432, maxRowGroupRows: 5 });
  });

  it('accepts each limit at 1 and at its largest value', () => {
    // Prepare
    const lowest = Object.fromEntries(READER_LIMIT_NAMES.map((name) => [name, 1]));

    // Act
    const low = readerLimitsFromEnv({ [READER_LIMITS_ENV]: JSON.stringify(lowest) });
    const high = readerLimitsFromEnv({ [READER_LIMITS_ENV]: `{"maxFieldLength":${MAX_STRING_LENGTH}}` });

    // Assess
    expect(Object.keys(low)).toEqual(READER_LIMIT_NAMES);
    expect(high).toEqual({ maxFieldLength: MAX_STRING_LENGTH });
  });

  it.each([
    ['not JSON', '{maxFieldsPerRow: 3}', 'must be a JSON object'],
    ['a JSON array', '[3]', 'must be a JSON object'],
    ['a JSON number', '3', 'must be a JSON object'],
    ['a misspelt limit', '{"maxFieldPerRow":3}', "'maxFieldPerRow' is not a reader limit; expected one of"],
    ['a __proto__ key', '{"__proto__":{"maxFieldsPerRow":3}}', "'__proto__' is not a reader limit"],
    ['batchSize (not a limit)', '{"batchSize":10}', "'batchSize' is not a reader limit"],
    ['zero', '{"maxRowBytes":0}', 'maxRowBytes must be a whole number from 1 to'],
    ['a negative number', '{"maxColumns":-5}', 'maxColumns must be a whole number from 1 to'],
    ['a fraction', '{"maxInflateRatio":2.5}', 'maxInflateRatio must be a whole number from 1 to'],
    ['a string', '{"maxRowGroupRows":"1000"}', 'maxRowGroupRows must be a whole number from 1 to'],
    ['null', '{"maxRecordBatchRows":null}', 'maxRecordBatchRows must be a whole number from 1 to'],
    [
      'a text limit V8 cannot reach',
      `{"maxRecordLength":${MAX_STRING_LENGTH + 1}}`,
      `maxRecordLength must be a whole number from 1 to ${MAX_STRING_LENGTH}, not ${MAX_STRING_LENGTH + 1}`,
    ],
  ])('refuses %s with a ConfigurationError naming the variable', (_case, value, problem) => {
    // Act
    const error = failureOf(value);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`environment variable ${READER_LIMITS_ENV}: `);
    expect(error.message).toContain(problem);
  });
});

describe('readerLimitsEnvValue', () => {
  it('writes what readerLimitsFromEnv reads back, in a stable order', () => {
    // Prepare
    const limits = { maxRowGroupRows: 500, maxFieldsPerRow: 3 };

    // Act
    const value = readerLimitsEnvValue(limits);

    // Assess
    expect(value).toBe('{"maxFieldsPerRow":3,"maxRowGroupRows":500}');
    expect(readerLimitsFromEnv({ [READER_LIMITS_ENV]: value })).toEqual(limits);
  });
});
