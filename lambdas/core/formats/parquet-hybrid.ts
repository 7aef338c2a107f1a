/**
 * Parquet's RLE / bit-packed hybrid decoder, bounded: shared by the columnar reader (levels, booleans,
 * dictionary indices) and the row reader's page checks (a v2 page's definition levels).
 */

/**
 * Parquet's RLE / bit-packed hybrid: `count` values of `width` bits from page[at, end) into out.
 * Every read is bounded by `end`, so a corrupt run fails instead of reading the next page.
 */
export function hybrid(
  page: Uint8Array,
  at: number,
  end: number,
  width: number,
  count: number,
  out: Uint8Array | Int32Array,
): void {
  let p = at;
  let seen = 0;
  const valueBytes = (width + 7) >> 3;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  while (seen < count) {
    let header = 0;
    let scale = 1;
    for (;;) {
      if (p >= end) throw new Error('RLE / bit-packed data ends before its values');
      const b = page[p++]!;
      header += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 ** 35) throw new Error('RLE / bit-packed run header is too long');
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      const bytes = groups * width;
      if (p + bytes > end) throw new Error('a bit-packed run runs past the end of its data');
      const n = Math.min(groups * 8, count - seen);
      if (width <= 24) {
        let buffer = 0;
        let bits = 0;
        let q = p;
        for (let i = 0; i < n; i++) {
          while (bits < width) {
            buffer |= page[q++]! << bits;
            bits += 8;
          }
          out[seen++] = buffer & mask;
          buffer >>>= width;
          bits -= width;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let value = 0;
          const bit0 = i * width;
          for (let b = 0; b < width; b++) {
            const bit = bit0 + b;
            if ((page[p + (bit >> 3)]! >> (bit & 7)) & 1) value += 2 ** b;
          }
          out[seen++] = value | 0;
        }
      }
      p += bytes;
    } else {
      const run = Math.min(header / 2, count - seen);
      if (p + valueBytes > end) throw new Error('an RLE run runs past the end of its data');
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value += page[p + i]! * 2 ** (8 * i);
      p += valueBytes;
      out.fill(value | 0, seen, seen + run);
      seen += run;
    }
  }
}
