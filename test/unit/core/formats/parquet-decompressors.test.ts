/**
 * The columnar reader's snappy decompressor (snappyUncompressInto, into a reused PageScratch):
 * what the project's compressor wrote comes back exactly and as the WASM decompressor (the
 * reference, hyparquet-compressors') gives it, and a corrupt stream is a typed error that never
 * writes past the declared length.
 */
import fc from 'fast-check';
import { compressors as libraryDecompressors } from 'hyparquet-compressors';
import { describe, expect, it } from 'vitest';

import {
  PAGE_SCRATCH_MAX,
  PageScratch,
  PageSizeError,
  snappyUncompress,
  snappyUncompressInto,
} from '../../../../lambdas/core/formats/parquet-decompressors';
import { snappyCompress } from '../../../../lambdas/core/formats/snappy-compress';

const wasmSnappy = libraryDecompressors.SNAPPY!;

/** Bytes with the repeats a page has: runs, short and long back references, and noise. */
const pageLike = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 3000 }))
        .map(([b, n]) => new Uint8Array(n).fill(b)),
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 400 }))
        .map(([unit, times]) => {
          const out = new Uint8Array(unit.length * times);
          for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
          return out;
        }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.concat(parts));

/** Decompresses into a view with guard bytes after it, and checks the guard held, even on an error. */
function intoGuarded(input: Uint8Array, declared: number): Uint8Array {
  const buffer = new Uint8Array(declared + 64).fill(0xa5);
  const output = buffer.subarray(0, declared);
  try {
    snappyUncompressInto(input, output);
  } finally {
    expect(buffer.subarray(declared).every((b) => b === 0xa5)).toBe(true);
  }
  return output;
}

describe('snappyUncompressInto', () => {
  it('gives back what snappyCompress compressed, as the WASM decompressor does', () => {
    fc.assert(
      fc.property(pageLike, (original) => {
        // Arrange
        const compressed = snappyCompress(original);

        // Act
        const output = intoGuarded(compressed, original.length);

        // Assert
        expect(Buffer.compare(output, original)).toBe(0);
        expect(Buffer.compare(output, wasmSnappy(compressed, original.length))).toBe(0);
      }),
      { seed: 20261207, numRuns: 300 },
    );
  });

  it('overwrites a reused buffer entirely, whatever it held', () => {
    // Arrange
    const scratch = new PageScratch();
    const pages = fc.sample(pageLike, { seed: 7, numRuns: 40 });

    for (const original of pages) {
      const dirty = scratch.take(original.length);
      dirty.fill(0xff);

      // Act
      const page = scratch.take(original.length);
      snappyUncompressInto(snappyCompress(original), page);

      // Assert
      expect(Buffer.compare(page, original)).toBe(0);
    }
  });

  it('refuses a stream declaring more bytes than the page header with a PageSizeError', () => {
    // Arrange
    const compressed = snappyCompress(new Uint8Array(1000).fill(3));

    // Act
    const act = (): Uint8Array => snappyUncompress(compressed, 999);

    // Assert
    expect(act).toThrow(PageSizeError);
  });

  it('refuses a stream declaring fewer bytes than the page header with an Error that is no PageSizeError', () => {
    // Arrange
    const compressed = snappyCompress(new Uint8Array(1000).fill(3));

    // Act
    let error: unknown;
    try {
      snappyUncompress(compressed, 1001);
    } catch (e) {
      error = e;
    }

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PageSizeError);
    expect((error as Error).message).toMatch(/declares 1000 bytes; the page header declares 1001/);
  });

  it('refuses tags producing more than the length header, without writing past it', () => {
    // Arrange: a header of 4 bytes, then a literal of 8.
    const input = Uint8Array.from([4, (8 - 1) << 2, 1, 2, 3, 4, 5, 6, 7, 8]);

    // Act
    const act = (): unknown => intoGuarded(input, 4);

    // Assert
    expect(act).toThrow(PageSizeError);
  });

  it.each([
    ['a copy before any output', [4, 0b0000_0001, 1]],
    ['a copy reaching past the start', [8, 0, 9, 0b0000_0001, 2]],
    ['a copy with offset 0', [8, 0, 9, 0b0000_0101, 0]],
    ['a literal running past the input', [8, (8 - 1) << 2, 1, 2]],
    ['a length header running past the input', [0x80, 0x80]],
    ['a length header longer than 32 bits', [0xff, 0xff, 0xff, 0xff, 0x7f]],
    ['a copy tag without its offset', [8, 0, 9, 0b0000_0010, 1]],
    ['fewer bytes than the header declares', [8, 0, 9]],
  ])('refuses %s with an Error', (_, bytes) => {
    // Arrange
    const input = Uint8Array.from(bytes);
    const declared = input[0]! < 0x80 ? input[0]! : 8;

    // Act
    const act = (): unknown => intoGuarded(input, declared);

    // Assert
    expect(act).toThrow(Error);
  });

  it('ends every mutated or truncated stream with the declared bytes or a typed error, never past them', () => {
    fc.assert(
      fc.property(
        pageLike.filter((b) => b.length > 0),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (original, flips, cut) => {
          // Arrange
          const compressed = snappyCompress(original);
          const mutated = compressed.slice(
            0,
            compressed.length - (cut % 3 === 0 ? cut % compressed.length : 0),
          );
          for (const [at, value] of flips) if (mutated.length > 0) mutated[at % mutated.length] = value;

          // Act
          let result: unknown;
          try {
            result = intoGuarded(mutated, original.length);
          } catch (e) {
            result = e;
          }

          // Assert (intoGuarded checked that nothing was written past the declared bytes)
          const ok =
            result instanceof Uint8Array ? result.length === original.length : result instanceof Error;
          expect(ok).toBe(true);
        },
      ),
      { seed: 4711, numRuns: 500 },
    );
  });
});

describe('PageScratch', () => {
  it('reuses one buffer up to PAGE_SCRATCH_MAX and gives a larger page its own', () => {
    // Arrange
    const scratch = new PageScratch();

    // Act
    const first = scratch.take(1000);
    const second = scratch.take(800);
    const huge = scratch.take(PAGE_SCRATCH_MAX + 1);
    const after = scratch.take(900);

    // Assert
    expect(second.buffer).toBe(first.buffer);
    expect(after.buffer).toBe(first.buffer);
    expect(huge.buffer).not.toBe(first.buffer);
    expect([first.length, second.length, huge.length, after.length]).toEqual([
      1000,
      800,
      PAGE_SCRATCH_MAX + 1,
      900,
    ]);
    expect(first.buffer.byteLength).toBeLessThanOrEqual(PAGE_SCRATCH_MAX);
  });
});
