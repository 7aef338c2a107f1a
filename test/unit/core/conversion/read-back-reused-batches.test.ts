/**
 * The conversion's read-back over a CSV reader that reuses its buffers (readCsvColumns'
 * reuseBatches): the read-back hashes each batch before it asks for the next and keeps nothing of
 * it, so its digests, rows and errors must be those of the reader that allocates per batch, over
 * files larger than one buffer, odd chunk sizes, batch sizes that do not divide the rows (or the
 * digest's 1,024-row blocks), and columns that switch from their fast path (plain cells hashed
 * from bytes) to the general one (quoted, escaped, signed, exponents, multi-byte, failing) part-way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { READ_BACK, typedBatches } from '../../../../lambdas/core/conversion/convert-table';
import { TableDigest } from '../../../../lambdas/core/conversion/table-digest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import type { ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { readCsvColumns } from '../../../../lambdas/core/formats/csv-column-reader';
import { seededRandom } from '../../../fixtures/seeded-random';

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'customer_id', type: 'int64', nullable: true },
  { name: 'amount', type: 'float64', nullable: true },
  { name: 'ordered_at', type: 'timestamp', nullable: true, unit: 'ns', zone: 'UTC' },
  { name: 'email', type: 'string', nullable: true },
  { name: 'category', type: 'string', nullable: true },
];
const PLAN = { schema: SCHEMA, sourceNames: SCHEMA.map((c) => c.name) };

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// Plain cells take the byte fast paths; the others the codec's parse (a few fail it).
const PLAIN = {
  customer: ['1', '42', '199999', '0', '-7', ''],
  amount: ['12.5', '0.99', '', '-3', '10000', '7'],
  at: ['2026-01-02T03:04:05Z', '2026-11-22T23:59:59.123456789Z', '1970-01-01T00:00:00Z', ''],
  email: ['a@x.io', '', 'bob@example.com'],
  category: ['books', 'toys', '"home, garden"'],
};
const GENERAL = {
  customer: ['"7"', '+8', '9223372036854775807', '-9223372036854775808', '-0', '9007199254740993'],
  amount: ['"1.5"', '1e2', '+2.5', '-0', '1.0E-2', 'NaN', '-Infinity', '5e-324'],
  at: ['"2026-01-02T03:04:05Z"', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z'],
  email: ['"é@ü.de"', '"say ""hi"""', '😀@x.io', '"a\nb"'],
  category: ['"say ""hi"""', 'ünï', '"multi\r\nline"'],
};
const FAILING = { customer: 'x', amount: 'abc', at: 'not a date', email: 'ok', category: 'ok' };

/**
 * A CSV of `rows` rows; from `switchAt` on, each column draws from its general cells too, and
 * with `failAt` that row's column `failIn` holds a cell that does not convert.
 */
function csvText(
  rand: () => number,
  rows: number,
  switchAt: number,
  failAt: number | null,
  crlf: boolean,
): string {
  const end = crlf ? '\r\n' : '\n';
  const lines = [SCHEMA.map((c) => c.name).join(',')];
  const keys = Object.keys(PLAIN) as (keyof typeof PLAIN)[];
  const failIn = pick(rand, ['customer', 'amount', 'at'] as const);
  for (let i = 0; i < rows; i++) {
    const cell = (k: keyof typeof PLAIN): string =>
      i === failAt && k === failIn
        ? FAILING[k]
        : i >= switchAt && rand() < 0.2
          ? pick(rand, GENERAL[k])
          : pick(rand, PLAIN[k]);
    lines.push([String(i + 1), ...keys.map(cell)].join(','));
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

type Outcome =
  | { readonly digest: Record<string, string>; readonly rows: number; readonly buffers: number }
  | { readonly error: string; readonly name: string };

/** What the read-back of `bytes` gives: its digest and rows, or the error it throws. */
async function readBack(
  bytes: Uint8Array,
  sizes: readonly number[],
  batchSize: number,
  reuseBatches: boolean,
): Promise<Outcome> {
  const check = new TableDigest(SCHEMA);
  const buffers = new Set<unknown>();
  const source = readCsvColumns(chunksOf(bytes, sizes), { batchSize, reuseBatches });
  async function* watched(): AsyncGenerator<ColumnBatch> {
    for await (const b of source) {
      const v = b.vectors[0];
      if (v?.kind === 'text') buffers.add(v.bytes);
      yield b;
    }
  }
  try {
    for await (const batch of typedBatches(PLAN, watched(), check, new Set(), undefined, READ_BACK))
      void batch;
  } catch (error) {
    const e = error as Error;
    return { error: e.message, name: e.constructor.name };
  }
  return { digest: { ...check.digest() }, rows: check.rows, buffers: buffers.size };
}

const withoutBuffers = (o: Outcome): Outcome =>
  'digest' in o ? { digest: o.digest, rows: o.rows, buffers: 0 } : o;

describe('the read-back over a CSV reader that reuses its buffers', () => {
  it('digests and fails as over the allocating reader, for seeded random files', async () => {
    let digested = 0;
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          rows: fc.integer({ min: 1500, max: 4000 }),
          switchAt: fc.double({ min: 0, max: 1, noNaN: true }),
          fail: fc.option(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { freq: 3 }),
          crlf: fc.boolean(),
          batchSize: fc.integer({ min: 97, max: 1500 }),
          sizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 3 }),
        }),
        async ({ seed, rows, switchAt, fail, crlf, batchSize, sizes }) => {
          // Arrange
          const failAt = fail === null ? null : Math.floor(fail * rows);
          const text = csvText(seededRandom(seed), rows, Math.floor(switchAt * rows), failAt, crlf);
          const bytes = Buffer.from(text, 'utf8');

          // Act
          const expected = await readBack(bytes, sizes, batchSize, false);
          const actual = await readBack(bytes, sizes, batchSize, true);

          // Assert
          expect(withoutBuffers(actual)).toEqual(withoutBuffers(expected));
          if ('digest' in expected) digested++;
          else failed++;
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
    // Both outcomes were compared: files that read back whole, and files with a failing cell.
    expect(digested).toBeGreaterThan(5);
    expect(failed).toBeGreaterThan(5);
  });

  it('digests rows of early batches that later batches overwrote as the allocating reader does', async () => {
    // Arrange: ~470 KB (more than one 64 KiB buffer holds) in 1000-row batches, the last one
    // shorter, with the last rows' cells differing from the first ones' in every column
    const lines = [SCHEMA.map((c) => c.name).join(',')];
    for (let i = 1; i <= 5500; i++) {
      const late = i > 5000;
      lines.push(
        [
          i,
          late ? -i : i % 200_000,
          late ? `${i}.25` : `${i}.5`,
          late ? '2026-01-02T03:04:05.000000001Z' : '2026-01-02T03:04:05Z',
          late ? `"ü${i}@example.com"` : `user${i}@example.com`,
          late ? '"home, garden"' : 'books',
        ].join(','),
      );
    }
    const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');

    // Act
    const expected = await readBack(bytes, [65_536], 1000, false);
    const actual = await readBack(bytes, [65_536], 1000, true);

    // Assert: the same digests and rows, and the reusing reader kept to fewer buffers
    expect('digest' in actual && 'digest' in expected).toBe(true);
    if (!('digest' in actual) || !('digest' in expected)) return;
    expect(actual.digest).toEqual(expected.digest);
    expect(actual.rows).toBe(5500);
    expect(expected.rows).toBe(5500);
    expect(actual.buffers).toBeLessThan(expected.buffers);
  });
});
