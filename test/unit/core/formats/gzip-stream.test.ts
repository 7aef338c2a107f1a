import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, type ByteSink } from '../../../../lambdas/core/formats/byte-io';
import { gunzipLimited, gzipSink, isGzip } from '../../../../lambdas/core/formats/gzip-stream';
import { chunked, failureOf, pseudoRandomBytes } from '../../../fixtures/format-io';

const randomBytes = (n: number): Buffer => Buffer.from(pseudoRandomBytes(n, n));

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return Buffer.concat(out);
}

async function gzipThroughSink(pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  const inner = new BufferSink();
  const sink = gzipSink(inner);
  for (const piece of pieces) await sink.write(piece);
  await sink.close();
  return inner.bytes();
}

describe('gzip-stream', () => {
  describe('round trip', () => {
    it('inflates what gzipSink wrote, byte for byte, whatever the chunking', async () => {
      // Prepare
      const data = Buffer.concat([Buffer.from('id,name\n'.repeat(1000)), randomBytes(50_000)]);
      const pieces = [data.subarray(0, 1), data.subarray(1, 70_000), data.subarray(70_000)];

      // Act
      const compressed = await gzipThroughSink(pieces);
      const restored = await collect(gunzipLimited(chunked(compressed, 777)));

      // Assess
      expect(isGzip(compressed)).toBe(true);
      expect(restored.equals(data)).toBe(true);
    });

    it('reads back any bytes, including none', async () => {
      // Prepare
      const inputs = fc.record({
        data: fc.uint8Array({ maxLength: 3000 }),
        cut: fc.integer({ min: 1, max: 500 }),
      });

      // Act + Assess
      await fc.assert(
        fc.asyncProperty(inputs, async ({ data, cut }) => {
          const compressed = await gzipThroughSink([data.subarray(0, cut), data.subarray(cut)]);
          const restored = await collect(gunzipLimited(chunked(compressed, cut)));
          expect(Buffer.compare(restored, Buffer.from(data))).toBe(0);
        }),
        { numRuns: 60 },
      );
    });

    it('inflates concatenated gzip members as one stream, as gzip(1) does', async () => {
      // Prepare
      const compressed = Buffer.concat([gzipSync('a,b\n'), gzipSync('1,2\n')]);

      // Act
      const restored = await collect(gunzipLimited(chunked(compressed)));

      // Assess
      expect(restored.toString()).toBe('a,b\n1,2\n');
    });
  });

  describe('decompression bomb limit', () => {
    it('stops a small input that inflates past the limit with a FormatError', async () => {
      // Prepare: 10 MB of zeros compress to about 10 kB
      const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
      let inflated = 0;

      // Act
      const error = await failureOf(
        (async () => {
          for await (const chunk of gunzipLimited(chunked(bomb, 1024), 1024 * 1024))
            inflated += chunk.byteLength;
        })(),
      );

      // Assess
      expect(bomb.byteLength).toBeLessThan(20_000);
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(
        /^gzip input decompresses past the 1048576-byte limit \(a decompression bomb\?\) \(byte \d+\)$/,
      );
      expect(inflated).toBeLessThanOrEqual(1024 * 1024);
    });

    it('accepts output exactly at the limit', async () => {
      // Prepare
      const data = Buffer.alloc(4096, 7);

      // Act
      const restored = await collect(gunzipLimited(chunked(gzipSync(data)), 4096));

      // Assess
      expect(restored.equals(data)).toBe(true);
    });
  });

  describe('corrupt input', () => {
    const good = gzipSync(Buffer.from('id,name\n1,alice\n2,bob\n'.repeat(50)));

    it.each([
      ['truncated in the middle', () => good.subarray(0, Math.floor(good.byteLength / 2))],
      ['missing its trailer', () => good.subarray(0, good.byteLength - 8)],
      ['cut after the header', () => good.subarray(0, 10)],
      [
        'with a wrong CRC',
        () => {
          const copy = Buffer.from(good);
          copy[copy.byteLength - 8]! ^= 0xff;
          return copy;
        },
      ],
      [
        'with a wrong length',
        () => {
          const copy = Buffer.from(good);
          copy[copy.byteLength - 1]! ^= 0x01;
          return copy;
        },
      ],
      ['with garbage after the magic', () => Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(200)])],
      [
        'with an unknown compression method',
        () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x07, 0x00]), good.subarray(4)]),
      ],
      [
        'with a corrupted deflate stream',
        () => {
          const copy = Buffer.from(good);
          for (let i = 12; i < 40; i++) copy[i] = 0xff;
          return copy;
        },
      ],
      ['that is not gzip at all', () => Buffer.from('id,name\n1,alice\n')],
    ])('rejects gzip %s as a FormatError', async (_what, bytes) => {
      // Prepare
      const input = bytes();

      // Act
      const error = await failureOf(collect(gunzipLimited(chunked(input, 64))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^gzip input is corrupt or truncated: /);
    });

    it('passes an error of the underlying source through unchanged', async () => {
      // Prepare
      async function* broken(): AsyncGenerator<Uint8Array> {
        yield good.subarray(0, 20);
        await Promise.resolve();
        throw new Error('connection reset');
      }

      // Act
      const error = await failureOf(collect(gunzipLimited(broken())));

      // Assess
      expect(error).not.toBeInstanceOf(FormatError);
      expect(error.message).toBe('connection reset');
    });
  });

  describe('gzipSink', () => {
    it('publishes through the inner sink only on close, and aborts it on abort', async () => {
      // Prepare
      const events: string[] = [];
      const inner: ByteSink = {
        name: 'inner',
        write: () => Promise.resolve(void events.push('write')),
        close: () => Promise.resolve(void events.push('close')),
        abort: () => Promise.resolve(void events.push('abort')),
      };
      const sink = gzipSink(inner);

      // Act
      await sink.write(Buffer.from('abc'));
      await sink.abort();

      // Assess
      expect(events).not.toContain('close');
      expect(events.at(-1)).toBe('abort');
      expect(sink.name).toBe('inner');
    });

    it('reports a failure of the inner sink to the writer', async () => {
      // Prepare
      const inner: ByteSink = {
        name: 'inner',
        write: () => Promise.reject(new Error('disk full')),
        close: () => Promise.resolve(),
        abort: () => Promise.resolve(),
      };
      const sink = gzipSink(inner);

      // Act
      const error = await failureOf(
        (async () => {
          await sink.write(randomBytes(200_000));
          await sink.close();
        })(),
      );

      // Assess
      expect(error.message).toBe('disk full');
    });
  });
});
