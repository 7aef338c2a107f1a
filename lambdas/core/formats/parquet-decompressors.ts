/**
 * Page decompressors for the Parquet reader that never produce more bytes than the page header
 * declares. hyparquet-compressors' zstd ignores the declared length: fzstd allocates whatever the
 * frame header claims (up to 2 GiB per frame) and appends every block, so a 40 KB page can take
 * 1.4 GB before hyparquet notices the length mismatch. Here a zstd page is walked frame by frame
 * and block by block first (headers only, no output), then decompressed block by block into the
 * declared length, failing as soon as the output would pass it. The other codecs already write
 * into a buffer of the declared length.
 */
import { Decompress } from 'fzstd';
import type { Compressors } from 'hyparquet';
import { compressors as libraryDecompressors } from 'hyparquet-compressors';

/**
 * A zstd window larger than the page needs only matters for memory: a frame may declare a window
 * up to the page's declared size or this much (zstd's levels 1-19 use at most 8 MiB), whichever is
 * larger; a wider window (long-distance mode) is refused rather than allocated.
 */
export const MAX_ZSTD_WINDOW_BYTES = 8 << 20;
/** zstd's Block_Maximum_Size: no block decompresses to more. */
const ZSTD_MAX_BLOCK_BYTES = 128 << 10;
const ZSTD_MAGIC = 0xfd2fb528;

/** A page whose compressed bytes decompress to more than its header declares. */
export class PageSizeError extends Error {}

/**
 * Checks every frame of a zstd page before any output is allocated: declared content sizes and
 * windows against the page's declared length, and the exact output of raw and RLE blocks.
 */
export function checkZstdPage(input: Uint8Array, declared: number): void {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const need = (at: number, count: number): void => {
    if (at + count > input.byteLength) throw new PageSizeError('zstd data ends inside a frame');
  };
  const windowLimit = Math.max(declared, MAX_ZSTD_WINDOW_BYTES);
  let at = 0;
  let atLeast = 0; // output the raw and RLE blocks alone produce
  while (at < input.byteLength) {
    need(at, 4);
    const magic = view.getUint32(at, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // Skippable frame: a 4-byte length, then bytes that produce no output.
      need(at, 8);
      at += 8 + view.getUint32(at + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new PageSizeError('not zstd data (bad frame magic)');
    need(at, 5);
    const descriptor = input[at + 4]!;
    const singleSegment = (descriptor >> 5) & 1;
    const checksum = (descriptor >> 2) & 1;
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
    const sizeFlag = descriptor >> 6;
    const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
    let p = at + 5;
    let window = 0;
    if (!singleSegment) {
      need(p, 1);
      const w = input[p]!;
      const base = 2 ** (10 + (w >> 3));
      window = base + (base / 8) * (w & 7);
      p += 1;
    }
    p += dictionaryBytes;
    need(p, sizeBytes);
    let content: number | undefined;
    if (sizeBytes > 0) {
      content = 0;
      for (let k = sizeBytes - 1; k >= 0; k--) content = content * 256 + input[p + k]!;
      if (sizeBytes === 2) content += 256;
    }
    p += sizeBytes;
    if (content !== undefined && content > declared) {
      throw new PageSizeError(`a zstd frame declares ${content} bytes; the page header declares ${declared}`);
    }
    if (singleSegment) window = content ?? 0;
    if (window > windowLimit) {
      throw new PageSizeError(`a zstd frame declares a ${window}-byte window, above ${windowLimit}`);
    }
    for (let last = 0; !last;) {
      need(p, 3);
      const header = input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16);
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      p += 3;
      if (type === 3) throw new PageSizeError('a reserved zstd block type');
      if (type === 0 || type === 1) atLeast += size;
      if (size > ZSTD_MAX_BLOCK_BYTES && type !== 2) {
        throw new PageSizeError(`a zstd block of ${size} bytes, above the format's ${ZSTD_MAX_BLOCK_BYTES}`);
      }
      if (atLeast > declared) {
        throw new PageSizeError(`zstd blocks hold more than the page header's ${declared} bytes`);
      }
      p += type === 1 ? 1 : size;
    }
    at = p + (checksum ? 4 : 0);
  }
}

/** Decompresses a zstd page into exactly `declared` bytes, or fails once it would pass them. */
export function boundedZstd(input: Uint8Array, declared: number): Uint8Array {
  checkZstdPage(input, declared);
  const output = new Uint8Array(declared);
  let written = 0;
  const stream = new Decompress((chunk) => {
    if (written + chunk.byteLength > declared) {
      throw new PageSizeError(`zstd data decompresses to more than the page header's ${declared} bytes`);
    }
    output.set(chunk, written);
    written += chunk.byteLength;
  });
  stream.push(input, true);
  if (written !== declared) {
    throw new PageSizeError(
      `zstd data decompresses to ${written} bytes; the page header declares ${declared}`,
    );
  }
  return output;
}

/** The reader's decompressors: hyparquet-compressors' with zstd bounded by the declared length. */
export const boundedDecompressors: Compressors = { ...libraryDecompressors, ZSTD: boundedZstd };
