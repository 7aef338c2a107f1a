/**
 * Every page decompressor gives exactly the declared bytes or fails: a stream that holds more than
 * the page header declares, or a damaged one, never reads as a shortened or altered page.
 */
import { snappyCompress } from 'hysnappy';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zstdFrame } from '../../../fixtures/parquet-bomb-files';
import { boundedDecompressors, PageSizeError } from '../../../../lambdas/core/formats/parquet-decompressors';

/** 11,669 bytes that compress (repeats) but not to nothing. */
const DATA = Buffer.from(Array.from({ length: 3000 }, (_, i) => String((i * 7919) % 1000)).join(','));

const COMPRESS: Record<string, (bytes: Uint8Array) => Uint8Array> = {
  GZIP: (b) => gzipSync(b),
  BROTLI: (b) => brotliCompressSync(b),
  SNAPPY: (b) => snappyCompress(b),
  // No zstd compressor on Node 20: a valid frame of one raw block.
  ZSTD: (b) => zstdFrame(b, 0, true),
};

describe('Parquet page decompressors', () => {
  it.each(Object.keys(COMPRESS))('%s gives back the declared bytes exactly', (codec) => {
    // Arrange
    const page = COMPRESS[codec]!(DATA);

    // Act
    const out = boundedDecompressors[codec as 'GZIP']!(page, DATA.length);

    // Assert
    expect(Buffer.from(out).equals(DATA)).toBe(true);
  });

  it.each(Object.keys(COMPRESS))('%s refuses a stream longer than the page declares', (codec) => {
    // Arrange
    const page = COMPRESS[codec]!(DATA);

    // Act
    const read = (): Uint8Array => boundedDecompressors[codec as 'GZIP']!(page, 1000);

    // Assert
    expect(read).toThrow(PageSizeError);
  });

  it.each(Object.keys(COMPRESS))('%s refuses a stream shorter than the page declares', (codec) => {
    // Arrange
    const page = COMPRESS[codec]!(DATA);

    // Act
    const read = (): Uint8Array => boundedDecompressors[codec as 'GZIP']!(page, DATA.length + 1);

    // Assert: an error here, or hyparquet's length check after (zlib and zstd give what they hold).
    let out: Uint8Array | undefined;
    try {
      out = read();
    } catch {
      out = undefined;
    }
    expect(out === undefined || out.byteLength === DATA.length).toBe(true);
  });

  it('refuses a snappy stream without a length preamble', () => {
    // Act
    const read = (): Uint8Array =>
      boundedDecompressors.SNAPPY!(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 1), 8);

    // Assert
    expect(read).toThrow('snappy data has no valid length preamble');
  });

  it('refuses a gzip page whose checksum does not match its bytes', () => {
    // Arrange: the CRC-32 is the trailer's first four bytes.
    const page = Buffer.from(gzipSync(DATA));
    page[page.length - 6]! ^= 0xff;

    // Act
    const read = (): Uint8Array => boundedDecompressors.GZIP!(page, DATA.length);

    // Assert
    expect(read).toThrow(/check/i);
  });

  it('decompresses an empty gzip page to zero bytes', () => {
    // Act
    const out = boundedDecompressors.GZIP!(gzipSync(Buffer.alloc(0)), 0);

    // Assert
    expect(out.byteLength).toBe(0);
  });
});
