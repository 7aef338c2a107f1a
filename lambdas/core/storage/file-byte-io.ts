/**
 * Local files as byte sources and sinks. A sink writes to a temporary name beside the target and
 * renames on close, so a failed or interrupted write never leaves a partial file under the
 * target's name. The temporary `.partial` file itself is removed on every way out: a failed write
 * or close, abort, and (best effort, synchronously) the process exiting or being ended by SIGINT,
 * SIGTERM or SIGHUP while it is open. SIGKILL cannot be caught: a partial file can then remain.
 */
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readableByteStream, type ByteReader, type ByteSink, type ByteSource } from '../formats/byte-io';

/** Bytes per read: the stream's chunks and a ByteReader's reads alike. */
const CHUNK = 1 << 20;

/**
 * The file read from its start, one positioned read at a time into the caller's buffer. The
 * handle opens at the first read, so a missing file fails there, as the stream does at its first
 * chunk.
 */
function fileReader(path: string): ByteReader {
  let handle: Promise<FileHandle> | undefined;
  let position = 0;
  let closed = false;
  return {
    chunkSize: CHUNK,
    async read(into) {
      if (closed) throw new Error(`${path}: read after close`);
      handle ??= open(path, 'r');
      const { bytesRead } = await (await handle).read(into, 0, Math.min(into.byteLength, CHUNK), position);
      position += bytesRead;
      return bytesRead;
    },
    async close() {
      closed = true;
      const h = handle;
      handle = undefined;
      // A handle that failed to open has nothing to close (its read already reported the error).
      if (h)
        await h.then(
          (opened) => opened.close(),
          () => undefined,
        );
    },
  };
}

export function fileSource(path: string): ByteSource {
  return {
    name: path,
    size: async () => (await stat(path)).size,
    stream: () =>
      readableByteStream(
        () => createReadStream(path, { highWaterMark: CHUNK }),
        () => fileReader(path),
      ),
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

/** Temporary files of open sinks: removed synchronously if the process ends while they exist. */
const openPartials = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let exitHookInstalled = false;

function removePartialsSync(): void {
  for (const temp of openPartials) rmSync(temp, { force: true });
  openPartials.clear();
}

/**
 * On a signal: remove the partial files, then let the signal end the process as it would have
 * (re-raised once our handler is gone) unless the program has handlers of its own.
 */
function onSignal(signal: NodeJS.Signals): void {
  removePartialsSync();
  uninstallSignalHooks();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (!exitHookInstalled) {
    process.on('exit', removePartialsSync);
    exitHookInstalled = true;
  }
  // Signal handlers only while a partial file exists: a handler replaces Node's default exit.
  for (const signal of SIGNALS)
    if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
}

function uninstallSignalHooks(): void {
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function track(temp: string): void {
  openPartials.add(temp);
  installHooks();
}

function untrack(temp: string): void {
  openPartials.delete(temp);
  if (openPartials.size === 0) uninstallSignalHooks();
}

export function fileSink(path: string): ByteSink {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`);
  let handle: FileHandle | undefined;
  let done = false;
  const openTemp = async (): Promise<FileHandle> => {
    if (!handle) {
      await mkdir(dirname(path), { recursive: true });
      track(temp);
      handle = await open(temp, 'w');
    }
    return handle;
  };
  /** Removes the partial file after a failure, then rethrows: no caller has to abort for it. */
  const failed = async (error: unknown): Promise<never> => {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true });
    untrack(temp);
    throw error;
  };
  return {
    name: path,
    // The file handle's write has written the chunk's bytes when it resolves and keeps nothing.
    releasesChunks: true,
    async write(chunk) {
      try {
        await (await openTemp()).write(chunk);
      } catch (e) {
        return failed(e);
      }
    },
    async close() {
      try {
        await (await openTemp()).close();
        await rename(temp, path);
      } catch (e) {
        return failed(e);
      }
      untrack(temp);
      done = true;
    },
    async discard() {
      await rm(done ? path : temp, { force: true });
    },
    async abort() {
      if (done) return;
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true });
      untrack(temp);
    },
  };
}
