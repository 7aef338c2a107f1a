/**
 * Regressions found by the hostile-inputs integration suite (test/integration/hostile-inputs.test.ts):
 * a gzip bomb of valid rows that the absolute inflation limit stopped only after minutes, and a long
 * JSON Lines record whose carried text was rescanned on every chunk (quadratic time and memory).
 */
import { constants, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../lambdas/core/errors';
import { gunzipLimited } from '../../../../lambdas/core/formats/gzip-stream';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import { chunked, failureOf, rowsOf } from '../../../fixtures/format-io';

const MIB = 1024 * 1024;

/** `count` gzip members of `memberMib` MiB of one repeated line each (a legal multi-member gzip). */
function repeatedMembers(line: string, memberMib: number, count: number): Buffer {
  const member = gzipSync(Buffer.from(line.repeat(Math.ceil((memberMib * MIB) / line.length))), {
    level: constants.Z_BEST_COMPRESSION,
  });
  return Buffer.concat(Array.from({ length: count }, () => member));
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.byteLength;
  return total;
}

describe('gunzipLimited against decompression bombs', () => {
  it('stops a bomb of valid rows by its inflation ratio, long before the absolute limit', async () => {
    // Prepare: ≈4 GiB of one CSV row once inflated, ≈10 MB compressed.
    const bomb = repeatedMembers('o-1,1,10.5,2026-11-01T00:00:00Z\n', 64, 64);
    const started = Date.now();

    // Act
    const error = await failureOf(drain(gunzipLimited(chunked(bomb, 64 * 1024))));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/inflates more than 100:1 .*decompression bomb/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('lets a short, very regular file through: the ratio is judged after 64 MiB', async () => {
    // Prepare: 32 MiB of zeros, ≈1000:1.
    const small = repeatedMembers('\u0000', 32, 1);

    // Act
    const inflated = await drain(gunzipLimited(chunked(small, 64 * 1024)));

    // Assess
    expect(inflated).toBe(32 * MIB);
  });

  it('accepts a higher ratio when the caller allows it', async () => {
    // Prepare: 96 MiB of one row, ≈400:1.
    const regular = repeatedMembers('o-1,1,10.5,2026-11-01T00:00:00Z\n', 96, 1);

    // Act
    const inflated = await drain(gunzipLimited(chunked(regular, 256 * 1024), undefined, 2000));

    // Assess
    expect(inflated).toBeGreaterThanOrEqual(96 * MIB);
  });
});

describe('readJsonLines with long records', () => {
  it('rejects a record past the limit without rescanning what it carried (linear time)', async () => {
    // Prepare: one 40 MB line in 16 KiB chunks against a 32 MiB limit (rescanning: ≈30 GB of copies).
    const line = `{"id":"${'x'.repeat(40 * 1000 * 1000)}"}\n`;
    const started = Date.now();

    // Act
    const error = await failureOf(
      rowsOf(readJsonLines(chunked(line, 16 * 1024), { maxRecordLength: 32 * MIB })),
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(`JSON Lines record longer than ${32 * MIB} characters (line 1)`);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('reads records split across many chunks, and several records per chunk, unchanged', async () => {
    // Prepare: a 300 KB record in 1 KiB chunks between short ones.
    const long = 'y'.repeat(300_000);
    const text = `{"id":"a"}\n{"id":"${long}"}\r\n{"id":"b"}\n{"id":"c"}`;

    // Act
    const rows = await rowsOf(readJsonLines(chunked(text, 1024)));

    // Assess
    expect(rows).toEqual([['a'], [long], ['b'], ['c']]);
  });
});
