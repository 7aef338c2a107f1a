import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { IntegrityError } from '../../../../lambdas/core/errors';
import {
  composePieces,
  type ComposedPiece,
  type StoredPart,
} from '../../../../lambdas/core/storage/compose-object';

const LIMITS = { minPartBytes: 8, maxCopyBytes: 20 };

function partsOf(sizes: readonly number[]): { parts: StoredPart[]; bodies: Map<string, Uint8Array> } {
  const bodies = new Map<string, Uint8Array>();
  let next = 0;
  const parts = sizes.map((size, k) => {
    const body = Uint8Array.from({ length: size }, () => next++ % 251);
    bodies.set(`part-${k}`, body);
    return { bucket: 'b', key: `part-${k}`, size };
  });
  return { parts, bodies };
}

async function collect(pieces: AsyncIterable<ComposedPiece>): Promise<ComposedPiece[]> {
  const out: ComposedPiece[] = [];
  for await (const p of pieces) out.push(p);
  return out;
}

describe('composePieces', () => {
  it('joins parts of any size into pieces S3 accepts, whose bytes are the parts and the tail in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 6 }),
        async (sizes, tailSize, headSize) => {
          // Arrange
          const { parts, bodies } = partsOf(sizes);
          const tail = Uint8Array.from({ length: tailSize }, (_, i) => 255 - (i % 4));
          const head = Uint8Array.from({ length: headSize }, (_, i) => 200 + i);
          const reads: number[] = [];
          const read = (part: StoredPart, start: number, end: number) => {
            reads.push(end - start);
            return Promise.resolve(bodies.get(part.key)!.slice(start, end));
          };

          // Act
          const pieces = await collect(composePieces({ head, parts, tail }, read, LIMITS));

          // Assess: the bytes, S3's part sizes, and what passed through the function
          const bytesOf = (p: ComposedPiece) =>
            p.kind === 'bytes' ? p.body : bodies.get(p.key)!.slice(p.start, p.end);
          expect(Buffer.concat(pieces.map(bytesOf))).toEqual(
            Buffer.concat([head, ...parts.map((p) => bodies.get(p.key)!), tail]),
          );
          expect(pieces.length).toBeGreaterThan(0);
          pieces.slice(0, -1).forEach((p) => expect(bytesOf(p).byteLength).toBeGreaterThanOrEqual(8));
          const copied = pieces.flatMap((p) => (p.kind === 'copy' ? [p.end - p.start] : []));
          const uploaded = pieces
            .slice(0, -1)
            .flatMap((p) => (p.kind === 'bytes' ? [p.body.byteLength] : []));
          for (const n of copied) expect(n).toBeLessThanOrEqual(20);
          for (const n of uploaded) expect(n).toBeLessThan(16);
          for (const n of reads) expect(n).toBeLessThan(16);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('copies a large part where it lies, reading none of it', async () => {
    // Arrange
    const { parts, bodies } = partsOf([45]);
    let read = 0;

    // Act
    const pieces = await collect(
      composePieces(
        { parts, tail: new Uint8Array([1, 2]) },
        (p, s, e) => {
          read += e - s;
          return Promise.resolve(bodies.get(p.key)!.slice(s, e));
        },
        LIMITS,
      ),
    );

    // Assess
    expect(read).toBe(0);
    expect(pieces.map((p) => (p.kind === 'copy' ? [p.start, p.end] : p.body.byteLength))).toEqual([
      [0, 15],
      [15, 30],
      [30, 45],
      2,
    ]);
  });

  it('refuses an object that needs more parts than an upload holds', async () => {
    // Arrange
    const { parts, bodies } = partsOf([10, 10, 10]);
    const read = (p: StoredPart, s: number, e: number) => Promise.resolve(bodies.get(p.key)!.slice(s, e));

    // Act + Assess
    await expect(
      collect(composePieces({ parts, tail: new Uint8Array([9]) }, read, { ...LIMITS, maxParts: 3 })),
    ).rejects.toThrow(IntegrityError);
  });

  it('refuses a part that reads shorter than its recorded size', async () => {
    // Arrange
    const { parts } = partsOf([3]);

    // Act + Assess
    await expect(
      collect(composePieces({ parts }, () => Promise.resolve(new Uint8Array(2)), LIMITS)),
    ).rejects.toThrow('gave 2 bytes where 3 were expected');
  });
});
