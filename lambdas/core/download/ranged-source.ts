/**
 * A byte source that reads an object through ranged requests only as far as its consumer goes.
 * The stream asks for growing ranges (64 KiB, then four times more each time, up to 8 MiB): a
 * reader that stops after a few rows costs one small request, a reader that goes on soon uses
 * large ones. Random access (Parquet footers, row groups) goes straight to the range reader.
 */
import type { ByteSource } from '../formats/byte-io';

export interface RangedSourceOptions {
  readonly firstChunk?: number;
  readonly maxChunk?: number;
}

export function rangedSource(
  name: string,
  size: number,
  /** Bytes [start, end), end exclusive. */
  fetchRange: (start: number, end: number) => Promise<Uint8Array>,
  options: RangedSourceOptions = {},
): ByteSource & { bytesFetched(): number } {
  let fetched = 0;
  // The last range fetched: format detection, the reader's first chunk and a Parquet footer are
  // often asked for twice in a row, and the second ask should cost nothing.
  let kept: { start: number; bytes: Uint8Array } | undefined;
  const read = async (start: number, end: number): Promise<Uint8Array> => {
    const from = Math.max(0, start);
    const to = Math.min(size, end);
    if (to <= from) return new Uint8Array();
    if (kept && from >= kept.start && to <= kept.start + kept.bytes.byteLength) {
      return kept.bytes.subarray(from - kept.start, to - kept.start);
    }
    const bytes = await fetchRange(from, to);
    fetched += bytes.byteLength;
    kept = { start: from, bytes };
    return bytes;
  };
  return {
    name,
    size: () => Promise.resolve(size),
    bytesFetched: () => fetched,
    readRange: read,
    async *stream() {
      let chunk = options.firstChunk ?? 64 * 1024;
      const max = options.maxChunk ?? 8 * 1024 * 1024;
      for (let offset = 0; offset < size;) {
        const bytes = await read(offset, offset + chunk);
        if (bytes.byteLength === 0) return;
        offset += bytes.byteLength;
        yield bytes;
        chunk = Math.min(max, chunk * 4);
      }
    },
  };
}
