/**
 * Snappy compression (the raw format, https://github.com/google/snappy/blob/main/format_description.txt)
 * for Parquet pages, in the shape of the reference compressor: the input is cut into 64 KiB
 * fragments, each compressed on its own with a hash table of 4-byte sequences (positions in an
 * Int32Array), emitting literals and copies into one preallocated output. Fragments keep every
 * copy offset below 65536, so no offset check is needed while matching, and the output is
 * written by index, never through a growing writer.
 */

const BLOCK = 1 << 16;
const MAX_TABLE_BITS = 14;
/** The reference compressor stops looking for matches this close to a fragment's end. */
const INPUT_MARGIN = 15;

const tables: Int32Array[] = [];
/**
 * Output scratch reused across calls (pages are about 1 MiB); the result is copied out of it. An
 * input beyond SCRATCH_MAX gets its own buffer, so one huge page does not stay allocated.
 */
let scratch = new Uint8Array(0);
const SCRATCH_MAX = 8 << 20;

function tableFor(bits: number): Int32Array {
  let table = tables[bits];
  if (table === undefined) {
    table = new Int32Array(1 << bits);
    tables[bits] = table;
  }
  return table;
}

/** Largest output a `length`-byte input can take (the reference's MaxCompressedLength). */
export function maxSnappyLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/**
 * Compresses `input` into Snappy's raw format.
 *
 * @example
 * const page = snappyCompress(bytes); // snappyUncompress(page, bytes.length) gives bytes back
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  return snappyCompressView(input).slice();
}

/**
 * snappyCompress without the copy: a view of the reused output scratch, valid until the next
 * call. For a caller that copies the page on at once (the Parquet encoder appends it to its
 * buffer): the copy out of the scratch, a fresh array per page, is then a copy and an allocation
 * too many.
 */
export function snappyCompressView(input: Uint8Array): Uint8Array {
  const max = maxSnappyLength(input.length);
  if (scratch.length < max && max <= SCRATCH_MAX) scratch = new Uint8Array(max);
  const out = max <= scratch.length ? scratch : new Uint8Array(max);
  let op = 0;
  // The preamble: the uncompressed length as a varint.
  let n = input.length;
  while (n >= 0x80) {
    out[op++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[op++] = n;
  for (let base = 0; base < input.length; base += BLOCK) {
    op = compressFragment(input, base, Math.min(input.length, base + BLOCK), out, op);
  }
  return out.subarray(0, op);
}

function emitLiteral(input: Uint8Array, from: number, length: number, out: Uint8Array, at: number): number {
  let op = at;
  const n = length - 1;
  if (n < 60) out[op++] = n << 2;
  else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n;
    out[op++] = n >>> 8;
  } else {
    // Fragments are at most 64 KiB, so three length bytes always suffice.
    out[op++] = 62 << 2;
    out[op++] = n;
    out[op++] = n >>> 8;
    out[op++] = n >>> 16;
  }
  if (length < 16) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i]!;
  } else {
    out.set(input.subarray(from, from + length), op);
  }
  return op + length;
}

function emitCopyUpTo64(offset: number, length: number, out: Uint8Array, at: number): number {
  if (length < 12 && offset < 2048) {
    out[at] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[at + 1] = offset & 0xff;
    return at + 2;
  }
  out[at] = 2 | ((length - 1) << 2);
  out[at + 1] = offset & 0xff;
  out[at + 2] = offset >>> 8;
  return at + 3;
}

function emitCopy(offset: number, length: number, out: Uint8Array, at: number): number {
  let op = at;
  let n = length;
  while (n >= 68) {
    op = emitCopyUpTo64(offset, 64, out, op);
    n -= 64;
  }
  if (n > 64) {
    op = emitCopyUpTo64(offset, 60, out, op);
    n -= 60;
  }
  return emitCopyUpTo64(offset, n, out, op);
}

/** Compresses input[base, end) (at most 64 KiB) into out from `at`; returns the new end. */
function compressFragment(input: Uint8Array, base: number, end: number, out: Uint8Array, at: number): number {
  let op = at;
  let nextEmit = base;
  const size = end - base;
  if (size >= INPUT_MARGIN) {
    let bits = 8;
    while (bits < MAX_TABLE_BITS && 1 << bits < size) bits++;
    const shift = 32 - bits;
    const table = tableFor(bits);
    // Entries hold positions relative to the fragment; 0 is a valid (checked) candidate.
    table.fill(0);
    const ipLimit = end - INPUT_MARGIN;
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    let ip = base + 1;
    let nextBytes = view.getInt32(ip, true);
    let nextHash = Math.imul(nextBytes, 0x1e35a7bd) >>> shift;
    outer: for (;;) {
      // Look for a 4-byte match, skipping faster the longer nothing matches.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      let bytes: number;
      do {
        ip = nextIp;
        bytes = nextBytes;
        const hash = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > ipLimit) break outer;
        nextBytes = view.getInt32(nextIp, true);
        nextHash = Math.imul(nextBytes, 0x1e35a7bd) >>> shift;
        candidate = base + table[hash]!;
        table[hash] = ip - base;
      } while (bytes !== view.getInt32(candidate, true));

      op = emitLiteral(input, nextEmit, ip - nextEmit, out, op);

      // Emit copies for as long as the next position matches too.
      let here: number;
      do {
        let matched = 4;
        // Four bytes at a time while they fit, then byte by byte.
        while (
          ip + matched + 4 <= end &&
          view.getInt32(ip + matched, true) === view.getInt32(candidate + matched, true)
        ) {
          matched += 4;
        }
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
        op = emitCopy(ip - candidate, matched, out, op);
        ip += matched;
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[Math.imul(view.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1 - base;
        here = view.getInt32(ip, true);
        const hash = Math.imul(here, 0x1e35a7bd) >>> shift;
        candidate = base + table[hash]!;
        table[hash] = ip - base;
      } while (here === view.getInt32(candidate, true));

      ip++;
      nextBytes = view.getInt32(ip, true);
      nextHash = Math.imul(nextBytes, 0x1e35a7bd) >>> shift;
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end - nextEmit, out, op);
  return op;
}
