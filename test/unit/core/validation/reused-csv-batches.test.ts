/**
 * Validation over a CSV reader that reuses its buffers (readCsvColumns' reuseBatches): the engine
 * keeps nothing of a batch but strings and numbers, so the report and every quarantined row must
 * be those of the reader that allocates per batch, even for failing rows of early batches whose
 * bytes and offsets later batches overwrote. Seeded random files: batch sizes whose last batch is
 * shorter, odd chunk sizes, and columns that switch from their fast path (plain cells typed from
 * bytes) to the general one (quoted, escaped, signed, exponents, multi-byte) part-way through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { readCsvColumns } from '../../../../lambdas/core/formats/csv-column-reader';
import { validateColumns } from '../../../../lambdas/core/validation/validate-records';
import type { FailedRow, ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { reusedBatchesContract } from '../../../fixtures/reused-batches-contract';
import { seededRandom } from '../../../fixtures/seeded-random';

const CONTRACT = reusedBatchesContract('csv');

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// Plain cells take the byte fast paths; the others the codec's parse (or fail it).
const PLAIN = {
  customer: ['1', '42', '199999', '0', '250000'],
  amount: ['12.50', '0.99', '', '-3.00', '10000.00', '7'],
  at: ['2026-01-02T03:04:05Z', '2026-11-22T23:59:59.123Z', '1970-01-01T00:00:00Z'],
  email: ['a@x.io', '', 'bob@example.com'],
  category: ['books', 'toys', '"home, garden"'],
};
const GENERAL = {
  customer: ['"7"', '+8', '1e3', 'x', '9223372036854775807', '-0', ' 5'],
  amount: ['"1.5"', '1e2', '+2.5', 'abc', '-0', '"12,5"', '1.0E-2'],
  at: ['"2026-01-02T03:04:05Z"', '2026-01-02 03:04:05', '9999-12-31T23:59:59Z', 'not a date', ''],
  email: ['"é@ü.de"', '"say ""hi"""', '😀@x.io', '"a\nb"'],
  category: ['"say ""hi"""', 'ünï', '', '"multi\r\nline"'],
};

/** A CSV of `rows` rows; from `switchAt` on, each column draws from its general cells too. */
function csvText(rand: () => number, rows: number, switchAt: number, crlf: boolean): string {
  const end = crlf ? '\r\n' : '\n';
  const lines = ['id,customer_id,amount,ordered_at,email,category'];
  for (let i = 0; i < rows; i++) {
    const cell = (k: keyof typeof PLAIN): string =>
      i >= switchAt && rand() < 0.3 ? pick(rand, GENERAL[k]) : pick(rand, PLAIN[k]);
    lines.push(
      [String(i + 1), cell('customer'), cell('amount'), cell('at'), cell('email'), cell('category')].join(
        ',',
      ),
    );
    if (rand() < 0.01) lines.push(''); // a blank line, skipped
  }
  return lines.join(end) + end;
}

async function* chunksOf(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function validate(
  bytes: Uint8Array,
  sizes: readonly number[],
  batchSize: number,
  reuseBatches: boolean,
): Promise<{ report: ValidationReport; failed: FailedRow[]; buffers: number; batches: number }> {
  const failed: FailedRow[] = [];
  const buffers = new Set<unknown>();
  let batches = 0;
  const source = readCsvColumns(chunksOf(bytes, sizes), { batchSize, reuseBatches });
  async function* watched(): AsyncGenerator<ColumnBatch> {
    for await (const b of source) {
      batches++;
      const v = b.vectors[0];
      if (v?.kind === 'text') buffers.add(v.bytes);
      yield b;
    }
  }
  const report = await validateColumns(CONTRACT, watched(), {
    onFailedRow: (row) => {
      failed.push(row);
    },
    now: () => new Date('2026-12-07T00:00:00Z'),
  });
  return { report, failed, buffers: buffers.size, batches };
}

describe('validation over a CSV reader that reuses its buffers', () => {
  it('reports and quarantines what the allocating reader gives, for seeded random files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          rows: fc.integer({ min: 1500, max: 4000 }),
          switchAt: fc.double({ min: 0, max: 1, noNaN: true }),
          crlf: fc.boolean(),
          batchSize: fc.integer({ min: 97, max: 1200 }),
          sizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 3 }),
        }),
        async ({ seed, rows, switchAt, crlf, batchSize, sizes }) => {
          // Arrange
          const bytes = Buffer.from(
            csvText(seededRandom(seed), rows, Math.floor(switchAt * rows), crlf),
            'utf8',
          );

          // Act
          const expected = await validate(bytes, sizes, batchSize, false);
          const actual = await validate(bytes, sizes, batchSize, true);

          // Assert: failing rows exist (the files hold bad cells and broken rules) and are the same
          expect(expected.failed.length).toBeGreaterThan(0);
          expect(actual.failed).toEqual(expected.failed);
          expect(actual.report).toEqual(expected.report);
          expect(actual.batches).toBe(expected.batches);
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });

  it('quarantines failing rows of the first batches with their values after the buffer was reused', async () => {
    // Arrange: ~390 KB (more than one 64 KiB buffer holds) in 1000-row batches, the last one
    // shorter; rows 3 and 1502 fail (a negative amount, a customer id that is not an integer)
    const lines = ['id,customer_id,amount,ordered_at,email,category'];
    for (let i = 1; i <= 5500; i++) {
      const customer = i === 1502 ? '"12,7"' : String(i % 200_000);
      const amount = i === 3 ? '-1.25' : `${i}.50`;
      lines.push(
        `${i},${customer || '1'},${amount},2026-01-02T03:04:05Z,user${i}@example.com,"home, garden"`,
      );
    }
    const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');

    // Act
    const expected = await validate(bytes, [65_536], 1000, false);
    const actual = await validate(bytes, [65_536], 1000, true);

    // Assert: the same rows and values, and the reusing reader kept to one buffer past the first
    // batches, where the allocating one made a new one each time it filled
    expect(actual.failed).toEqual(expected.failed);
    expect(actual.report).toEqual(expected.report);
    expect(actual.failed.map((f) => [f.row, f.values['customer_id'], f.values['amount']])).toEqual([
      [3, '3', '-1.25'],
      [1502, '12,7', '1502.50'],
    ]);
    expect(actual.batches).toBe(6);
    expect(actual.buffers).toBeLessThan(expected.buffers);
  });
});
