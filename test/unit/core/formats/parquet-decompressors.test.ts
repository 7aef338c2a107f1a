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

  it.each(['LZ4', 'LZ4_RAW'] as const)(
    '%s decodes blocks of literals and overlapping and distant matches',
    (codec) => {
      // Arrange: 300 seeded blocks, each built with the bytes it must decode to.
      const random = seeded(42);
      for (let round = 0; round < 300; round++) {
        const { block, bytes } = randomBlock(random);
        const page = codec === 'LZ4' && round % 2 === 0 ? hadoopFrame([{ block, bytes }]) : block;

        // Act
        const out = boundedDecompressors[codec]!(page, bytes.length);

        // Assert
        expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
      }
    },
  );

  it('reads an LZ4 page of several Hadoop frames', () => {
    // Arrange
    const random = seeded(7);
    const frames = [randomBlock(random), randomBlock(random), randomBlock(random)];
    const whole = Buffer.from(frames.flatMap((f) => f.bytes));

    // Act
    const out = boundedDecompressors.LZ4!(hadoopFrame(frames), whole.length);

    // Assert
    expect(Buffer.from(out).equals(whole)).toBe(true);
  });

  it.each(['LZ4', 'LZ4_RAW'] as const)(
    '%s refuses a block longer or shorter than the page declares',
    (codec) => {
      // Arrange: 'abc', then a match 30 bytes long at distance 3, then 'xyz': 36 bytes.
      const block = Uint8Array.of(0x3f, 97, 98, 99, 3, 0, 11, 0x30, 120, 121, 122);

      // Act
      const exact = boundedDecompressors[codec]!(block, 36);
      const shorter = (): Uint8Array => boundedDecompressors[codec]!(block, 20);
      const longer = (): Uint8Array => boundedDecompressors[codec]!(block, 37);

      // Assert
      expect(Buffer.from(exact).toString()).toBe(`${'abc'.repeat(11)}xyz`);
      expect(shorter).toThrow(PageSizeError);
      expect(longer).toThrow('lz4 data holds 36 bytes; the page header declares 37');
    },
  );

  it('refuses an LZ4 match that reaches before the start of the page', () => {
    // Arrange: two literals, then a match at distance 3.
    const block = Uint8Array.of(0x20, 97, 98, 3, 0);

    // Act
    const read = (): Uint8Array => boundedDecompressors.LZ4_RAW!(block, 6);

    // Assert
    expect(read).toThrow('lz4 match offset 3 out of range');
  });
});

/** A small seeded generator (mulberry32), so a failing block can be found again. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lengthBytes(extra: number): number[] {
  const out: number[] = [];
  for (; extra >= 255; extra -= 255) out.push(255);
  out.push(extra);
  return out;
}

/** An LZ4 block of random sequences (literal runs up to 300, matches 4-300 long at any distance). */
function randomBlock(random: () => number): { block: Uint8Array; bytes: number[] } {
  const bytes: number[] = [];
  const block: number[] = [];
  const sequences = 1 + Math.floor(random() * 8);
  for (let k = 0; k <= sequences; k++) {
    const last = k === sequences;
    const literals =
      Math.floor(random() * (random() < 0.2 ? 300 : 20)) + (bytes.length === 0 || last ? 1 : 0);
    const run = Array.from({ length: literals }, () => Math.floor(random() * 256));
    const match = last ? 0 : 4 + Math.floor(random() * (random() < 0.2 ? 297 : 30));
    const token = (Math.min(literals, 15) << 4) | (last ? 0 : Math.min(match - 4, 15));
    block.push(token);
    if (literals >= 15) block.push(...lengthBytes(literals - 15));
    block.push(...run);
    bytes.push(...run);
    if (last) break;
    const offset = 1 + Math.floor(random() * Math.min(bytes.length, 65535));
    block.push(offset & 255, offset >>> 8);
    if (match - 4 >= 15) block.push(...lengthBytes(match - 4 - 15));
    for (let m = 0, p = bytes.length - offset; m < match; m++) bytes.push(bytes[p + m]!);
  }
  return { block: Uint8Array.from(block), bytes };
}

/** Hadoop's LZ4 framing: each block behind its big-endian output and input lengths. */
function hadoopFrame(frames: readonly { block: Uint8Array; bytes: number[] }[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const { block, bytes } of frames) {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(bytes.length, 0);
    header.writeUInt32BE(block.length, 4);
    parts.push(header, Buffer.from(block));
  }
  return Buffer.concat(parts);
}
