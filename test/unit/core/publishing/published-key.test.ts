import { describe, expect, it } from 'vitest';

import { ContractError } from '../../../../lambdas/core/errors';
import { publishedKeyOf, requirePublishedPrefix } from '../../../../lambdas/core/publishing';

const FOLDER = {
  path: 'pipelines/sales/{run_id}/preprocessing/training_data/',
  publish: { to: 'published/sales/{run_id}/training_data/', when: ['passed'] as const },
};

describe('publishedKeyOf', () => {
  it.each([
    [
      'an object under the folder',
      'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
      'published/sales/r1/training_data/part-0.csv',
    ],
    [
      'a part in Hive folders',
      'pipelines/sales/r1/preprocessing/training_data/date=2026-11-01/part-0.csv',
      'published/sales/r1/training_data/date=2026-11-01/part-0.csv',
    ],
    [
      'a partitioned output (its folder)',
      'pipelines/sales/r1/preprocessing/training_data/',
      'published/sales/r1/training_data/',
    ],
  ])('names %s from the staged key', (_what, staged, published) => {
    // Act
    const key = publishedKeyOf(FOLDER, staged);

    // Assess
    expect(key).toBe(published);
  });

  it('fills a one-key template with the placeholders it captured', () => {
    // Arrange
    const contract = {
      path: 'exports/{year}/{month}-{day}.csv',
      publish: { to: 'published/exports/{year}-{month}-{day}.csv', when: ['passed'] as const },
    };

    // Act
    const key = publishedKeyOf(contract, 'exports/2026/11-07.csv');

    // Assess
    expect(key).toBe('published/exports/2026-11-07.csv');
  });

  it.each([
    ['a key of another folder', 'pipelines/sales/r1/ingestion/raw/part-0.csv'],
    ['the parent folder', 'pipelines/sales/r1/preprocessing/'],
  ])('refuses %s', (_what, staged) => {
    // Act
    const act = (): unknown => publishedKeyOf(FOLDER, staged);

    // Assess
    expect(act).toThrow(ContractError);
    expect(act).toThrow(`'${staged}' is not under the staging path`);
  });
});

describe('requirePublishedPrefix', () => {
  it('accepts a key under the prefix and refuses one outside it', () => {
    // Act
    const inside = (): void => requirePublishedPrefix('published/sales/part-0.csv', 'published/');
    const outside = (): void => requirePublishedPrefix('pipelines/sales/part-0.csv', 'published/');

    // Assess
    expect(inside).not.toThrow();
    expect(outside).toThrow(
      "the published key 'pipelines/sales/part-0.csv' is outside the environment's published prefix 'published/'",
    );
  });
});
