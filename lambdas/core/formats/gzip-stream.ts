/**
 * Gzip on the way in and out. Inflation is capped: a stream that decompresses past the limit is a
 * decompression bomb and is stopped with a FormatError before it can exhaust memory or disk.
 */
import { createGunzip, createGzip, constants } from 'node:zlib';
import { Readable } from 'node:stream';
import { FormatError } from '../errors';
import type { ByteSink } from './byte-io';

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 20 * 1024 ** 3;
/**
 * Inflated bytes per compressed byte past which a stream is a bomb (as Apache POI's zip-bomb check):
 * real tables compress 3–20:1, a bomb of zeros or of one repeated row 150–1000:1. The absolute limit
 * alone would trip only after the validate function's timeout, with a generic timeout as the reason.
 */
export const DEFAULT_MAX_INFLATE_RATIO = 100;
/** The ratio is judged once this much has been inflated: a short, very regular file is no threat. */
const RATIO_GRACE_BYTES = 64 * 1024 * 1024;

export function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

export async function* gunzipLimited(
  source: AsyncIterable<Uint8Array>,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
  maxRatio = DEFAULT_MAX_INFLATE_RATIO,
): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let total = 0;
  try {
    for await (const chunk of gunzip) {
      const bytes = chunk as Buffer;
      total += bytes.byteLength;
      if (total > maxBytes) {
        throw new FormatError(
          `gzip input decompresses past the ${maxBytes}-byte limit (a decompression bomb?)`,
          { byteOffset: total },
        );
      }
      if (total > RATIO_GRACE_BYTES && total > maxRatio * gunzip.bytesWritten) {
        throw new FormatError(
          `gzip input inflates more than ${maxRatio}:1 (${total} bytes from ${gunzip.bytesWritten}; a decompression bomb?): store data this repetitive uncompressed or in smaller files`,
          { byteOffset: gunzip.bytesWritten },
        );
      }
      yield bytes;
    }
  } catch (error) {
    if (error instanceof FormatError) throw error;
    const e = error as NodeJS.ErrnoException;
    if (
      e.code?.startsWith('Z_') ||
      /unexpected end of file|incorrect header check|invalid/i.test(e.message)
    ) {
      throw new FormatError(`gzip input is corrupt or truncated: ${e.message}`, {
        byteOffset: gunzip.bytesWritten,
      });
    }
    throw error;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** Wraps a sink so what is written to it is gzip-compressed. */
export function gzipSink(inner: ByteSink): ByteSink {
  const gzip = createGzip({ level: constants.Z_DEFAULT_COMPRESSION });
  // Writes reach the inner sink one at a time, in order: sinks are not safe for concurrent writes.
  let tail: Promise<void> = Promise.resolve();
  let failure: unknown;
  gzip.on('data', (chunk: Buffer) => {
    tail = tail.then(() => inner.write(chunk)).catch((error: unknown) => void (failure ??= error));
  });
  const drain = async (): Promise<void> => {
    await tail;
    if (failure) throw failure as Error;
  };
  return {
    name: inner.name,
    async write(chunk) {
      if (!gzip.write(chunk)) await new Promise<void>((resolve) => gzip.once('drain', () => resolve()));
      await drain();
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        gzip.once('end', () => resolve());
        gzip.once('error', reject);
        gzip.end();
        gzip.resume();
      });
      await drain();
      await inner.close();
    },
    async abort() {
      gzip.destroy();
      await inner.abort();
    },
  };
}
