/**
 * Page decompressors for the Parquet reader that never produce more bytes than the page header
 * declares.
 *
 * - zstd: hyparquet-compressors' ignores the declared length: fzstd allocates whatever the frame
 *   header claims (up to 2 GiB per frame) and appends every block, so a 40 KB page can take 1.4 GB
 *   before hyparquet notices the length mismatch. Here a zstd page is walked frame by frame and
 *   block by block first (headers only, no output), then decompressed block by block into the
 *   declared length, failing as soon as the output would pass it.
 * - gzip and brotli: Node's zlib, stopped at the declared length, and checking gzip's CRC.
 *   hyparquet-compressors' JavaScript inflaters write into a buffer of the declared length and
 *   drop what does not fit: an 11,669-byte gzip stream declared as 1,000 bytes read as its first
 *   1,000, a brotli one as 1,000 wrong bytes, and a damaged CRC went unnoticed. Not loading them
 *   also spares every start their tables.
 * - snappy: hysnappy (WASM) cuts its output at the declared length, or pads it to it, so the
 *   length a snappy stream states in its preamble must equal the page header's.
 * - lz4: decoded here (hyparquet-compressors' decoder zero-padded a short stream to the declared
 *   length).
 */
import { Decompress } from 'fzstd';
import type { Compressors } from 'hyparquet';
import { snappyUncompressor } from 'hysnappy';
import { brotliDecompressSync, gunzipSync, type ZlibOptions, type BrotliOptions } from 'node:zlib';

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

/** A zlib decompression stopped at the page's declared length. */
function boundedZlib(
  codec: string,
  inflate: (input: Uint8Array, options: ZlibOptions & BrotliOptions) => Buffer,
): (input: Uint8Array, declared: number) => Uint8Array {
  return (input, declared) => {
    try {
      // zlib wants a limit of at least 1; a longer output than declared still fails hyparquet's
      // length check after.
      return inflate(input, { maxOutputLength: Math.max(1, declared) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new PageSizeError(
          `${codec} data decompresses to more than the page header's ${declared} bytes`,
        );
      }
      throw error;
    }
  };
}

const snappy = snappyUncompressor();

/** A snappy page whose preamble (a varint of the uncompressed length) agrees with its header. */
function boundedSnappy(input: Uint8Array, declared: number): Uint8Array {
  let stated = 0;
  for (let i = 0, scale = 1; ; i++, scale *= 128) {
    // A 32-bit length takes at most 5 bytes.
    if (i >= input.byteLength || i >= 5) throw new Error('snappy data has no valid length preamble');
    const b = input[i]!;
    stated += (b & 0x7f) * scale;
    if (b < 0x80) break;
  }
  if (stated > declared) {
    throw new PageSizeError(`snappy data holds ${stated} bytes; the page header declares ${declared}`);
  }
  if (stated !== declared) {
    throw new Error(`snappy data holds ${stated} bytes; the page header declares ${declared}`);
  }
  return snappy(input, declared);
}

/**
 * LZ4 pages. hyparquet-compressors' decoder writes into a buffer of the declared length and
 * returns that buffer whatever it wrote: a stream that holds fewer bytes read as a zero-padded
 * page, and a match past the end was dropped. LZ4_RAW is one LZ4 block. LZ4 (the deprecated codec)
 * is Hadoop's framing of blocks, each behind its big-endian output and input lengths, and some
 * writers wrote a bare block instead: as in Arrow's reader, a page whose lengths do not frame it
 * exactly is read as one block.
 *
 * decodeBlock decodes one LZ4 block into `out` from `at` and returns the bytes written.
 */
function decodeBlock(input: Uint8Array, out: Uint8Array, at: number): number {
  const n = input.byteLength;
  const limit = out.byteLength;
  let i = 0;
  let o = at;
  const length = (initial: number): number => {
    let value = initial;
    if (initial === 15) {
      let b: number;
      do {
        if (i >= n) throw new Error('lz4 data ends inside a length');
        b = input[i++]!;
        value += b;
      } while (b === 255);
    }
    return value;
  };
  const tooLong = (): PageSizeError =>
    new PageSizeError(`lz4 data decompresses to more than the ${limit} bytes declared`);
  while (i < n) {
    const token = input[i++]!;
    const literals = length(token >>> 4);
    if (literals > n - i) throw new Error('lz4 literals run past the end of the data');
    if (literals > limit - o) throw tooLong();
    out.set(input.subarray(i, i + literals), o);
    o += literals;
    i += literals;
    // The last sequence is literals alone.
    if (i === n) break;
    if (n - i < 2) throw new Error('lz4 data ends inside a match offset');
    const offset = input[i]! | (input[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > o) throw new Error(`lz4 match offset ${offset} out of range`);
    const match = length(token & 15) + 4;
    if (match > limit - o) throw tooLong();
    if (offset >= match) {
      out.copyWithin(o, o - offset, o - offset + match);
      o += match;
    } else {
      // An overlapping match repeats its last `offset` bytes.
      for (let p = o - offset, end = o + match; o < end;) out[o++] = out[p++]!;
    }
  }
  return o - at;
}

function exactly(written: number, declared: number): void {
  if (written !== declared) {
    throw new Error(`lz4 data holds ${written} bytes; the page header declares ${declared}`);
  }
}

/** An LZ4_RAW page: one block. */
function boundedLz4Raw(input: Uint8Array, declared: number): Uint8Array {
  const out = new Uint8Array(declared);
  exactly(decodeBlock(input, out, 0), declared);
  return out;
}

/** An LZ4 page: Hadoop-framed blocks, or one bare block when its lengths do not frame it. */
function boundedLz4(input: Uint8Array, declared: number): Uint8Array {
  const out = new Uint8Array(declared);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  // The frames first, from their headers alone: they must cover the page and its declared length.
  const frames: [start: number, inLength: number, outLength: number][] = [];
  let framed = input.byteLength >= 8;
  for (let i = 0, total = 0; framed && i < input.byteLength;) {
    if (input.byteLength - i < 8) {
      framed = false;
      break;
    }
    const outLength = view.getUint32(i);
    const inLength = view.getUint32(i + 4);
    total += outLength;
    if (inLength > input.byteLength - i - 8 || total > declared) framed = false;
    else frames.push([i + 8, inLength, outLength]);
    i += 8 + inLength;
  }
  if (!framed) {
    exactly(decodeBlock(input, out, 0), declared);
    return out;
  }
  let o = 0;
  for (const [start, inLength, outLength] of frames) {
    const written = decodeBlock(input.subarray(start, start + inLength), out.subarray(0, o + outLength), o);
    if (written !== outLength) {
      throw new Error(`an lz4 frame holds ${written} bytes; its header declares ${outLength}`);
    }
    o += outLength;
  }
  exactly(o, declared);
  return out;
}

/** The reader's decompressors, each bounded by the page's declared length. */
export const boundedDecompressors: Compressors = {
  SNAPPY: boundedSnappy,
  GZIP: boundedZlib('gzip', gunzipSync),
  BROTLI: boundedZlib('brotli', brotliDecompressSync),
  ZSTD: boundedZstd,
  LZ4: boundedLz4,
  LZ4_RAW: boundedLz4Raw,
};
