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

/*
 * Snappy decompression (the raw format, https://github.com/google/snappy/blob/main/format_description.txt)
 * into a buffer the caller gives, for the columnar reader's data pages: it decompresses each page
 * into one reused buffer (PageScratch). hyparquet-compressors' WASM decompressor copies the page
 * into its memory and slices a new buffer out; on the bench file (63 pages of ~1 MiB, 31.7 MB to
 * 65.4 MB) one pass took 327 ms CPU that way, 407 ms here into a new buffer per page (first writes
 * to fresh memory cost), and 207 ms here into a reused buffer (medians of 5 processes each).
 * Dictionary pages and readParquet's path keep the WASM decompressor.
 *
 * Bounded: nothing is written past the length the page header declares. A stream declaring or
 * producing more is a PageSizeError (a decompression bomb, as a zstd page would be); any other
 * malformed stream (a tag or literal running past the input, a copy reaching before the output's
 * start, fewer bytes than declared) is an Error naming what is wrong, as the WASM decompressor's
 * are. Every tag consumes at least one input byte, so a corrupt input ends the loop in at most
 * `input.length` steps.
 */

/**
 * Literals this long are copied with `set`; shorter ones, and every copy (at most 64 bytes), word
 * by word: on the bench file's pages (7.8 million copies of 7 bytes on average) `copyWithin`'s
 * call cost made the decompressor 1.7x slower.
 */
const LONG_LITERAL = 64;

/** A page larger than this gets a buffer of its own, so one huge page does not stay allocated. */
export const PAGE_SCRATCH_MAX = 8 << 20;

/**
 * One output buffer reused page after page: a page decompressed into it is valid until the next
 * one is, so its reader must copy out whatever it keeps. Holds at most PAGE_SCRATCH_MAX bytes.
 */
export class PageScratch {
  private buffer = new Uint8Array(0);

  /** `bytes` bytes to decompress a page into (their previous content is garbage). */
  take(bytes: number): Uint8Array {
    if (bytes > PAGE_SCRATCH_MAX) return new Uint8Array(bytes);
    if (this.buffer.length < bytes)
      this.buffer = new Uint8Array(Math.min(PAGE_SCRATCH_MAX, Math.ceil(bytes * 1.25)));
    return this.buffer.subarray(0, bytes);
  }
}

/** Decompresses `input` into `declared` new bytes, or throws. */
export function snappyUncompress(input: Uint8Array, declared: number): Uint8Array {
  const output = new Uint8Array(declared);
  snappyUncompressInto(input, output);
  return output;
}

/** Decompresses `input` into all of `output` (its length is the declared size), or throws. */
export function snappyUncompressInto(input: Uint8Array, output: Uint8Array): void {
  const inEnd = input.length;
  const outEnd = output.length;
  // Unaligned 4-byte reads and writes: a short literal or copy moves 8 bytes a step and may write
  // up to 7 bytes past its end, which later tags overwrite; only where that stays inside output.
  const src = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const dst = new DataView(output.buffer, output.byteOffset, output.byteLength);
  const wordsEnd = outEnd - 8;
  let pos = 0;
  // The preamble: the uncompressed length as a little-endian varint of at most 32 bits.
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= inEnd) throw new Error('snappy data ends inside its length header');
    const b = input[pos++]!;
    if (shift === 28 && b > 0x0f) throw new Error('snappy length header is longer than 32 bits');
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > outEnd) {
    throw new PageSizeError(`snappy data declares ${length} bytes; the page header declares ${outEnd}`);
  }
  if (length < outEnd) {
    throw new Error(`snappy data declares ${length} bytes; the page header declares ${outEnd}`);
  }
  let out = 0;
  while (pos < inEnd) {
    const tag = input[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      // A literal: its length - 1 in the tag's upper 6 bits, or in the next 1-4 bytes.
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (pos + bytes > inEnd) throw new Error('snappy data ends inside a literal length');
        // Kept a small integer (a length from 2^31 on reads negative and is refused below): one
        // double among the loop's positions would slow every index that depends on it.
        len = input[pos]!;
        if (bytes > 1) len |= input[pos + 1]! << 8;
        if (bytes > 2) len |= input[pos + 2]! << 16;
        if (bytes > 3) len |= input[pos + 3]! << 24;
        pos += bytes;
        if (len < 0) throw tooLong(outEnd);
      }
      len += 1;
      if (len > inEnd - pos) throw new Error('a snappy literal runs past the end of its data');
      if (len > outEnd - out) throw tooLong(outEnd);
      if (len > LONG_LITERAL) output.set(input.subarray(pos, pos + len), out);
      else if (out + len <= wordsEnd && pos + len <= inEnd - 8) {
        for (let i = 0; i < len; i += 8) {
          dst.setInt32(out + i, src.getInt32(pos + i, true), true);
          dst.setInt32(out + i + 4, src.getInt32(pos + i + 4, true), true);
        }
      } else {
        for (let i = 0; i < len; i++) output[out + i] = input[pos + i]!;
      }
      pos += len;
      out += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= inEnd) throw new Error('snappy data ends inside a copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > inEnd) throw new Error('snappy data ends inside a copy');
      len = (tag >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > inEnd) throw new Error('snappy data ends inside a copy');
      len = (tag >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16) | (input[pos + 3]! << 24);
      pos += 4;
    }
    // An offset from 2^31 on reads negative: it reaches before the start as surely as a large one.
    if (offset <= 0 || offset > out) throw new Error('a snappy copy reaches before the start of its data');
    if (len > outEnd - out) throw tooLong(outEnd);
    const from = out - offset;
    if (offset >= 8 && out + len <= wordsEnd) {
      // Each 8-byte step reads bytes at least 8 behind it, all written already, so an overlapping
      // copy (offset < len) repeats its pattern as the byte loop would.
      for (let i = 0; i < len; i += 8) {
        dst.setInt32(out + i, dst.getInt32(from + i, true), true);
        dst.setInt32(out + i + 4, dst.getInt32(from + i + 4, true), true);
      }
    } else {
      // Offsets below 8 repeat the last `offset` bytes, so they go byte by byte, in order.
      for (let i = 0; i < len; i++) output[out + i] = output[from + i]!;
    }
    out += len;
  }
  if (out !== outEnd) throw new Error(`snappy data ends after ${out} of its ${outEnd} bytes`);
}

function tooLong(declared: number): PageSizeError {
  return new PageSizeError(`snappy data decompresses to more than the page header's ${declared} bytes`);
}

/** The reader's decompressors: hyparquet-compressors' with zstd bounded by the declared length. */
export const boundedDecompressors: Compressors = { ...libraryDecompressors, ZSTD: boundedZstd };
