/**
 * Local files as byte sources and sinks. A sink writes to a temporary name beside the target and
 * renames on close, so a failed or interrupted write never leaves a partial file under the
 * target's name.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ByteSink, ByteSource } from '../formats/byte-io';

export function fileSource(path: string): ByteSource {
  return {
    name: path,
    size: async () => (await stat(path)).size,
    stream: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    async readRange(start, end) {
      const handle = await open(path, 'r');
      try {
        // Clamp to the file: a negative start or an end past the size must not allocate or misread.
        const size = (await handle.stat()).size;
        start = Math.min(Math.max(0, start), size);
        const length = Math.max(0, Math.min(end, size) - start);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

export function fileSink(path: string): ByteSink {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`);
  let handle: FileHandle | undefined;
  let done = false;
  return {
    name: path,
    async write(chunk) {
      if (!handle) {
        await mkdir(dirname(path), { recursive: true });
        handle = await open(temp, 'w');
      }
      await handle.write(chunk);
    },
    async close() {
      if (!handle) {
        await mkdir(dirname(path), { recursive: true });
        handle = await open(temp, 'w');
      }
      await handle.close();
      await rename(temp, path);
      done = true;
    },
    async discard() {
      await rm(done ? path : temp, { force: true });
    },
    async abort() {
      if (done) return;
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true });
    },
  };
}
