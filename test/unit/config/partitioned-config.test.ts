/**
 * The partitioned prefixes of an environment (cdk.json partitions.prefixes) and the arrival pattern
 * they shape: under them only `_SUCCESS` markers start executions.
 */
import { describe, expect, it } from 'vitest';

import { compileEventPattern } from '../../../lib/local/event-pattern-matcher';
import { buildArrivalPattern } from '../../../lib/config/arrival-pattern';
import { EnvironmentConfigError, parseEnvironmentConfig } from '../../../lib/config/environment-config';
import { cdkEnvironments } from '../../fixtures/cdk-environments';

type RawEnvironment = Record<string, unknown>;

/** The dev environment of cdk.json with its watched and partitioned prefixes replaced. */
function devWith(
  watchedPrefixes: readonly string[],
  prefixes: readonly string[] | undefined,
): RawEnvironment {
  const raw = structuredClone(cdkEnvironments()['dev']) as RawEnvironment;
  raw['watchedPrefixes'] = watchedPrefixes;
  const partitions = raw['partitions'] as Record<string, unknown>;
  if (prefixes === undefined) delete partitions['prefixes'];
  else partitions['prefixes'] = prefixes;
  return raw;
}

function errorOf(action: () => unknown): EnvironmentConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof EnvironmentConfigError) return error;
    throw error;
  }
  throw new Error('expected an EnvironmentConfigError, nothing was thrown');
}

function arrival(key: string, bucket = 'outputs-bucket') {
  return {
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: bucket }, object: { key, size: 0 } },
  };
}

describe('partitions.prefixes', () => {
  it('defaults to no partitioned prefixes', () => {
    // Prepare
    const raw = devWith(['pipelines/'], undefined);

    // Act
    const config = parseEnvironmentConfig('dev', raw);

    // Assess
    expect(config.partitions.prefixes).toEqual([]);
  });

  it('keeps the configured prefixes', () => {
    // Prepare
    const raw = devWith(['pipelines/'], ['datasets/', 'exports/spark/']);

    // Act
    const config = parseEnvironmentConfig('dev', raw);

    // Assess
    expect(config.partitions.prefixes).toEqual(['datasets/', 'exports/spark/']);
  });

  it.each([
    ['not ending with /', ['datasets']],
    ['with a leading /', ['/datasets/']],
  ])('refuses a prefix %s, naming it', (_what, prefixes) => {
    // Prepare
    const raw = devWith(['pipelines/'], prefixes);

    // Act
    const error = errorOf(() => parseEnvironmentConfig('dev', raw));

    // Assess
    expect(error.message).toMatch(/^environments\.dev\.partitions\.prefixes\[0\]: .*ending in "\/"/);
  });

  it.each<[string, string[], string[], string, string]>([
    ['inside a watched prefix', ['pipelines/'], ['pipelines/spark/'], 'pipelines/spark/', 'pipelines/'],
    ['around a watched prefix', ['data/pipelines/'], ['data/'], 'data/', 'data/pipelines/'],
    ['equal to a watched prefix', ['pipelines/', 'datasets/'], ['datasets/'], 'datasets/', 'datasets/'],
  ])(
    'refuses a partitioned prefix %s, naming both prefixes',
    (_what, watched, prefixes, partitioned, overlap) => {
      // Prepare
      const raw = devWith(watched, prefixes);

      // Act
      const error = errorOf(() => parseEnvironmentConfig('dev', raw));

      // Assess
      expect(error.message).toMatch(/^environments\.dev\.partitions\.prefixes\[0\]: /);
      expect(error.message).toContain(`'${partitioned}' overlaps watched prefix '${overlap}'`);
    },
  );

  it('names the index of the overlapping prefix', () => {
    // Prepare
    const raw = devWith(['pipelines/'], ['datasets/', 'pipelines/x/']);

    // Act
    const error = errorOf(() => parseEnvironmentConfig('dev', raw));

    // Assess
    expect(error.message.startsWith("environments.dev.partitions.prefixes[1]: 'pipelines/x/' overlaps")).toBe(
      true,
    );
  });

  it('accepts prefixes that only share leading characters with a watched one', () => {
    // Prepare: 'pipelines-spark/' is not under 'pipelines/'.
    const raw = devWith(['pipelines/'], ['pipelines-spark/']);

    // Act
    const config = parseEnvironmentConfig('dev', raw);

    // Assess
    expect(config.partitions.prefixes).toEqual(['pipelines-spark/']);
  });
});

describe('buildArrivalPattern with partitioned prefixes', () => {
  it('adds one marker wildcard per partitioned prefix after the watched prefixes', () => {
    // Act
    const pattern = buildArrivalPattern({
      bucketName: 'outputs-bucket',
      watchedPrefixes: ['pipelines/'],
      partitionedPrefixes: ['datasets/'],
    });

    // Assess
    expect(pattern.detail.object.key).toEqual([
      { prefix: 'pipelines/' },
      { wildcard: 'datasets/*/_SUCCESS' },
    ]);
  });

  it('adds no wildcard without partitioned prefixes', () => {
    // Act
    const pattern = buildArrivalPattern({ bucketName: 'outputs-bucket', watchedPrefixes: ['pipelines/'] });

    // Assess
    expect(pattern.detail.object.key).toEqual([{ prefix: 'pipelines/' }]);
  });

  it('escapes a star and a backslash of a prefix, so they match only themselves', () => {
    // Prepare
    const pattern = buildArrivalPattern({
      bucketName: 'outputs-bucket',
      watchedPrefixes: ['pipelines/'],
      partitionedPrefixes: ['data*sets/', 'a\\b/'],
    });
    const matches = compileEventPattern(pattern);

    // Act
    const results = [
      'data*sets/orders/_SUCCESS',
      'dataXsets/orders/_SUCCESS',
      'a\\b/orders/_SUCCESS',
      'a\\\\b/orders/_SUCCESS',
    ].map((key) => matches(arrival(key)));

    // Assess
    expect(pattern.detail.object.key).toEqual([
      { prefix: 'pipelines/' },
      { wildcard: 'data\\*sets/*/_SUCCESS' },
      { wildcard: 'a\\\\b/*/_SUCCESS' },
    ]);
    expect(results).toEqual([true, false, true, false]);
  });

  it.each([
    ['a marker of a folder under the partitioned prefix', 'datasets/sales/r1/orders/_SUCCESS', true],
    ['a part file under the partitioned prefix', 'datasets/x/part-0.csv', false],
    ['a marker directly in the partitioned prefix', 'datasets/_SUCCESS', false],
    ['a marker-like name that is not the marker', 'datasets/x/not_SUCCESS', false],
    ['a marker outside every prefix', 'other/x/_SUCCESS', false],
    ['any object under a watched prefix', 'pipelines/sales/r1/ingestion/raw_orders/part-0.csv', true],
    ['a marker under a watched prefix', 'pipelines/sales/r1/_SUCCESS', true],
  ])('through the event-pattern matcher: %s (%s) → %s', (_what, key, expected) => {
    // Prepare
    const matches = compileEventPattern(
      buildArrivalPattern({
        bucketName: 'outputs-bucket',
        watchedPrefixes: ['pipelines/'],
        partitionedPrefixes: ['datasets/'],
      }),
    );

    // Act
    const matched = matches(arrival(key));

    // Assess
    expect(matched).toBe(expected);
  });

  it('does not match a marker in another bucket', () => {
    // Prepare
    const matches = compileEventPattern(
      buildArrivalPattern({
        bucketName: 'outputs-bucket',
        watchedPrefixes: ['pipelines/'],
        partitionedPrefixes: ['datasets/'],
      }),
    );

    // Act
    const matched = matches(arrival('datasets/sales/r1/orders/_SUCCESS', 'other-bucket'));

    // Assess
    expect(matched).toBe(false);
  });
});
