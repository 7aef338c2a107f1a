/**
 * writeGeneratedTable's byte count wraps the caller's sink: it must not hide that the sink is done
 * with a chunk once its write resolves (releasesChunks), or every flushed megabyte is copied and
 * the copies, collected late, hold tens of MB outside the heap.
 */
import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../../../../lambdas/core/formats/byte-io';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { writeGeneratedTable } from '../../../../lambdas/core/generation/write-generated-table';
import { contractOf } from '../../../fixtures/generation-fixtures';

const ORDERS = contractOf(`schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: amount, type: 'decimal(10,2)', nullable: false, range: ['1.00', '5000.00'] }
  - { name: ordered_at, type: timestamp, unit: us, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z'] }
  - { name: email, type: string, nullable: false, generate: { kind: email } }
`);

/** A sink that copies what it is given and records the memory each chunk was handed over in. */
function recordingSink(releasesChunks: boolean): ByteSink & {
  readonly chunks: Uint8Array[];
  readonly buffers: Set<ArrayBufferLike>;
} {
  const chunks: Uint8Array[] = [];
  const buffers = new Set<ArrayBufferLike>();
  return {
    name: 'recorded',
    ...(releasesChunks ? { releasesChunks: true } : {}),
    chunks,
    buffers,
    write(chunk) {
      buffers.add(chunk.buffer);
      chunks.push(chunk.slice());
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
}

describe('writeGeneratedTable and the sink it is given', () => {
  it('Compliance: a sink that releases its chunks gets the writer’s own two buffers back, and the same bytes', async () => {
    // Arrange: enough rows for several flushed megabytes
    const plan = planTable(ORDERS, { rows: 60_000, seed: 7 });
    const releasing = recordingSink(true);
    const keeping = recordingSink(false);

    // Act
    const counted = await writeGeneratedTable(plan, releasing, { format: 'csv' });
    await writeGeneratedTable(plan, keeping, { format: 'csv' });

    // Assert
    expect(releasing.chunks.length).toBeGreaterThanOrEqual(3);
    expect(releasing.buffers.size).toBeLessThanOrEqual(2);
    expect(keeping.buffers.size).toBe(keeping.chunks.length);
    const bytes = Buffer.concat(releasing.chunks);
    expect(bytes.equals(Buffer.concat(keeping.chunks))).toBe(true);
    expect(counted.bytes).toBe(bytes.length);
  });
});
