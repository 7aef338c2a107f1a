/**
 * The Parquet reader's bounds on what a small file can make it allocate: pages whose zstd frames
 * decompress past their page headers, row groups declaring more rows or bytes than the limits.
 * The bomb files (test/fixtures/parquet-bomb-files.ts) take a few hundred bytes to a few kilobytes
 * each: the page header of each is true, only the compressed bytes (or the row count) are hostile.
 */
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import type { ByteSource } from '../../../../lambdas/core/formats/byte-io';
import {
  DEFAULT_MAX_ROW_GROUP_BYTES,
  DEFAULT_MAX_ROW_GROUP_ROWS,
  readParquet,
} from '../../../../lambdas/core/formats/parquet-reader';
import { readAll, sourceOf } from '../../../fixtures/parquet-arrow-tables';
import {
  blockHeader,
  nullColumnFile,
  ZSTD_MAGIC,
  zstdFile,
  zstdFrame,
} from '../../../fixtures/parquet-bomb-files';

async function failureOf(promise: Promise<unknown>): Promise<FormatError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
}

describe('Parquet decompression bounds', () => {
  it('Compliance: reads zstd pages made of raw blocks, with and without a declared content size', async () => {
    // Prepare
    const sized = zstdFile((page) => zstdFrame(page, 0, true));
    const unsized = zstdFile((page) => zstdFrame(page, 0, false));

    // Act
    const read = [await readAll(readParquet(sourceOf(sized))), await readAll(readParquet(sourceOf(unsized)))];

    // Assess
    for (const batches of read) expect(batches.flatMap((b) => b.rows)).toEqual([[1], [2], [3]]);
  });

  it('Noncompliance 1: a zstd frame declaring far more bytes than its page header, refused before allocating', async () => {
    // Prepare: the frame says (and holds) 200 MB; its page header (true) says 12 bytes
    const bomb = zstdFile((page) => zstdFrame(page, 200_000_000 - page.byteLength, true));
    expect(bomb.byteLength).toBeLessThan(10_000);

    // Act
    const error = await failureOf(readAll(readParquet(sourceOf(bomb, 'bomb.parquet'))));

    // Assess
    expect(error.message).toMatch(
      /^bomb\.parquet: row group 0, column n: a zstd frame declares 200000000 bytes; the page header declares 12 /,
    );
    expect(error.location?.byteOffset).toBeGreaterThan(4);
  });

  it('Noncompliance 2: a zstd frame without a size whose blocks hold more than the page header', async () => {
    // Prepare: 64 KiB of RLE blocks behind a 12-byte page header
    const bomb = zstdFile((page) => zstdFrame(page, 64 << 10, false));

    // Act
    const error = await failureOf(readAll(readParquet(sourceOf(bomb, 'bomb.parquet'))));

    // Assess
    expect(error.message).toMatch(
      /^bomb\.parquet: row group 0, column n: zstd blocks hold more than the page header's 12 bytes/,
    );
  });

  it('Noncompliance 3: a zstd frame declaring a window far wider than its page', async () => {
    // Prepare: window descriptor 0xF8: 2^(10+31) bytes, more than any page
    const bomb = zstdFile((page) =>
      Uint8Array.from([...ZSTD_MAGIC, 0x00, 0xf8, ...blockHeader(page.byteLength, 0, true), ...page]),
    );

    // Act
    const error = await failureOf(readAll(readParquet(sourceOf(bomb, 'bomb.parquet'))));

    // Assess
    expect(error.message).toMatch(/a zstd frame declares a \d+-byte window, above 8388608/);
  });
});

describe('Parquet row group bounds', () => {
  it('states its defaults', () => {
    // Assess
    expect(DEFAULT_MAX_ROW_GROUP_ROWS).toBe(10_000_000);
    expect(DEFAULT_MAX_ROW_GROUP_BYTES).toBe(256 * 1024 * 1024);
  });

  it('Compliance: a row group at the row limit is read', async () => {
    // Prepare
    const bytes = nullColumnFile(2000);

    // Act
    const batches = await readAll(readParquet(sourceOf(bytes), { maxRowGroupRows: 2000 }));

    // Assess
    expect(batches.reduce((n, b) => n + b.rows.length, 0)).toBe(2000);
  });

  it('Noncompliance 1: an all-null row group declaring more rows than maxRowGroupRows, refused from the footer', async () => {
    // Prepare: 2,001 nulls take a few hundred bytes
    const bytes = nullColumnFile(2001);
    let ranges = 0;
    const base = sourceOf(bytes, 'nulls.parquet');
    const source: ByteSource = {
      ...base,
      readRange: (start, end) => {
        ranges++;
        return base.readRange(start, end);
      },
    };

    // Act
    const error = await failureOf(readAll(readParquet(source, { maxRowGroupRows: 2000 })));

    // Assess: refused after the magic, tail and footer reads, before any column data is fetched
    expect(error.message).toMatch(
      /^nulls\.parquet: row group 0 declares 2001 rows, above the limit of 2000 \(maxRowGroupRows\)/,
    );
    expect(error.location?.byteOffset).toBeGreaterThan(4);
    expect(ranges).toBe(3);
  });

  it('Noncompliance 2: pages declaring more decompressed bytes than maxRowGroupBytes', async () => {
    // Prepare: 1,000 int32 values take 4,000 bytes decompressed
    const bytes = zstdFile(
      (page) => zstdFrame(page, 0, true),
      Array.from({ length: 1000 }, (_, i) => i),
    );

    // Act
    const error = await failureOf(readAll(readParquet(sourceOf(bytes), { maxRowGroupBytes: 1000 })));

    // Assess
    expect(error.message).toMatch(/row group 0 decompresses to \d+ bytes, above the limit of 1000/);
  });
});
