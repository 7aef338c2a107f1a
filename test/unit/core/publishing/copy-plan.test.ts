import { describe, expect, it } from 'vitest';

import {
  COPY_LIMITS,
  DEFAULT_COPY_PART_BYTES,
  planFolderPublication,
  planObjectCopy,
} from '../../../../lambdas/core/publishing';
import { IntegrityError } from '../../../../lambdas/core/errors';

const GIB = 1024 ** 3;

describe('planObjectCopy', () => {
  it('copies an object of up to 5 GiB with one CopyObject', () => {
    // Act
    const plans = [0, 1, 5 * GIB].map((size) => planObjectCopy(size));

    // Assess
    expect(plans).toEqual([{ kind: 'single' }, { kind: 'single' }, { kind: 'single' }]);
  });

  it('copies a larger object in 512 MiB parts whose ranges cover every byte once', () => {
    // Arrange
    const size = 5 * GIB + 1;

    // Act
    const plan = planObjectCopy(size);

    // Assess
    if (plan.kind !== 'multipart') throw new Error(`expected a multipart plan, got ${plan.kind}`);
    expect(plan.partBytes).toBe(DEFAULT_COPY_PART_BYTES);
    expect(plan.parts).toHaveLength(11);
    expect(plan.parts[0]).toEqual({ partNumber: 1, first: 0, last: DEFAULT_COPY_PART_BYTES - 1 });
    expect(plan.parts.at(-1)).toEqual({
      partNumber: 11,
      first: 10 * DEFAULT_COPY_PART_BYTES,
      last: size - 1,
    });
    for (let i = 1; i < plan.parts.length; i++)
      expect(plan.parts[i]!.first).toBe(plan.parts[i - 1]!.last + 1);
  });

  it('follows a small threshold and part size (the override tests use)', () => {
    // Act
    const plan = planObjectCopy(20, { multipartAboveBytes: 8, partBytes: 7 });

    // Assess
    expect(plan).toEqual({
      kind: 'multipart',
      partBytes: 7,
      parts: [
        { partNumber: 1, first: 0, last: 6 },
        { partNumber: 2, first: 7, last: 13 },
        { partNumber: 3, first: 14, last: 19 },
      ],
    });
  });

  it('never plans a single copy above 5 GiB, whatever the threshold asked', () => {
    // Act
    const plan = planObjectCopy(6 * GIB, { multipartAboveBytes: 100 * GIB });

    // Assess
    expect(plan.kind).toBe('multipart');
  });

  it('raises the part size so that no object needs more than 10,000 parts', () => {
    // Arrange
    const size = COPY_LIMITS.maxObjectBytes;

    // Act
    const plan = planObjectCopy(size, { partBytes: 5 * 1024 ** 2 });

    // Assess
    if (plan.kind !== 'multipart') throw new Error('expected a multipart plan');
    expect(plan.parts.length).toBeLessThanOrEqual(COPY_LIMITS.maxParts);
    expect(plan.partBytes).toBe(Math.ceil(size / COPY_LIMITS.maxParts));
    expect(plan.parts.at(-1)!.last).toBe(size - 1);
  });

  it.each([
    [COPY_LIMITS.maxObjectBytes + 1, 'larger than S3 stores'],
    [-1, 'is not a byte count'],
    [1.5, 'is not a byte count'],
  ])('refuses a size of %d', (size, message) => {
    // Act
    const act = (): unknown => planObjectCopy(size);

    // Assess
    expect(act).toThrow(IntegrityError);
    expect(act).toThrow(message);
  });
});

describe('planFolderPublication', () => {
  it('copies the parts in byte order under the published folder, then the manifest and the marker', () => {
    // Arrange
    const parts = [
      { key: 'datasets/r1/orders/date=2026-11-02/part-0.csv', etag: 'b', size: 3 },
      { key: 'datasets/r1/orders/date=2026-11-01/part-1.csv', etag: 'a', size: 2 },
      { key: 'datasets/r1/orders/date=2026-11-01/part-0.csv', etag: 'c', size: 1 },
    ];

    // Act
    const plan = planFolderPublication('datasets/r1/orders/', 'published/r1/orders/', parts);

    // Assess
    expect(plan.copies.map((c) => [c.source.key.slice('datasets/r1/orders/'.length), c.targetKey])).toEqual([
      ['date=2026-11-01/part-0.csv', 'published/r1/orders/date=2026-11-01/part-0.csv'],
      ['date=2026-11-01/part-1.csv', 'published/r1/orders/date=2026-11-01/part-1.csv'],
      ['date=2026-11-02/part-0.csv', 'published/r1/orders/date=2026-11-02/part-0.csv'],
    ]);
    expect(plan.manifestKey).toBe('published/r1/orders/_manifest.json');
    expect(plan.markerKey).toBe('published/r1/orders/_SUCCESS');
  });

  it('refuses a part outside the staged folder', () => {
    // Act
    const act = (): unknown =>
      planFolderPublication('datasets/r1/orders/', 'published/r1/orders/', [
        { key: 'datasets/r2/orders/part-0.csv', etag: 'a', size: 1 },
      ]);

    // Assess
    expect(act).toThrow("part 'datasets/r2/orders/part-0.csv' is not in the folder 'datasets/r1/orders/'");
  });

  it('refuses a folder of more parts than one publication copies', () => {
    // Arrange
    const parts = Array.from({ length: 10_001 }, (_, i) => ({ key: `f/part-${i}`, etag: 'e', size: 1 }));

    // Act
    const act = (): unknown => planFolderPublication('f/', 'p/', parts);

    // Assess
    expect(act).toThrow('the folder has 10001 parts, more than the 10000 one publication copies');
  });
});
