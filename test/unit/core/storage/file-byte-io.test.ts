import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readerOf } from '../../../../lambdas/core/formats/byte-io';
import { fileSink, fileSource } from '../../../../lambdas/core/storage/file-byte-io';
import { failureOf } from '../../../fixtures/format-io';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prt-file-byte-io-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted: what a failed write must not leave behind. */
function filesIn(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('fileSource', () => {
  beforeEach(() => {
    writeFileSync(join(dir, 'data.bin'), 'hello world');
  });

  it('gives the size and streams the whole file', async () => {
    // Prepare
    const source = fileSource(join(dir, 'data.bin'));

    // Act
    const size = await source.size();
    const chunks: Uint8Array[] = [];
    for await (const chunk of source.stream()) chunks.push(chunk);

    // Assess
    expect(size).toBe(11);
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    expect(source.name).toBe(join(dir, 'data.bin'));
  });

  it.each([
    [0, 5, 'hello'],
    [6, 11, 'world'],
    [6, 100, 'world'],
    [0, 1 << 20, 'hello world'],
    [11, 20, ''],
    [50, 60, ''],
    [5, 5, ''],
    [5, 2, ''],
  ])('reads bytes [%d, %d) as %j, clamped to the size', async (start, end, text) => {
    // Prepare
    const source = fileSource(join(dir, 'data.bin'));

    // Act
    const bytes = await source.readRange(start, end);

    // Assess
    expect(Buffer.from(bytes).toString()).toBe(text);
  });

  it('reads into a caller buffer the same bytes, in the same chunks, as its stream yields', async () => {
    // Arrange: 2.5 MiB of seeded pseudo-random bytes, so reads end mid-file and at a short tail
    const bytes = Buffer.alloc(5 * (1 << 19));
    let seed = 20261207;
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    writeFileSync(join(dir, 'big.bin'), bytes);
    const source = fileSource(join(dir, 'big.bin'));

    // Act
    const streamed: Buffer[] = [];
    for await (const chunk of source.stream()) streamed.push(Buffer.from(chunk));
    const reader = readerOf(source.stream());
    const read: Buffer[] = [];
    if (reader !== undefined) {
      const into = new Uint8Array(reader.chunkSize + 7);
      for (let n = await reader.read(into); n > 0; n = await reader.read(into))
        read.push(Buffer.from(into.subarray(0, n)));
      await reader.close();
      await reader.close();
    }

    // Assert
    expect(reader?.chunkSize).toBe(1 << 20);
    expect(read.map((c) => c.length)).toEqual([1 << 20, 1 << 20, 1 << 19]);
    expect(read.map((c) => c.length)).toEqual(streamed.map((c) => c.length));
    expect(Buffer.concat(read).equals(bytes)).toBe(true);
    expect(Buffer.concat(streamed).equals(bytes)).toBe(true);
  });

  it('fails at the first read of a file that is not there, as its stream fails at the first chunk', async () => {
    // Arrange
    const source = fileSource(join(dir, 'missing.csv'));
    const reader = readerOf(source.stream());

    // Act
    const readError = await failureOf(reader!.read(new Uint8Array(16)));
    await reader!.close();
    const streamError = await failureOf(
      (async () => {
        for await (const chunk of source.stream()) void chunk;
      })(),
    );

    // Assert
    expect((readError as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((streamError as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(readError.message).toBe(streamError.message);
  });

  it('fails to open a file that is not there', async () => {
    // Prepare
    const source = fileSource(join(dir, 'missing.csv'));

    // Act
    const error = await failureOf(source.size());

    // Assess
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('fileSink', () => {
  it('publishes what was written under the target name on close, creating directories', async () => {
    // Prepare
    const target = join(dir, 'out', 'nested', 'part-0.csv');
    const sink = fileSink(target);

    // Act
    await sink.write(Buffer.from('id\n'));
    await sink.write(Buffer.from('1\n'));
    await sink.close();

    // Assess
    expect(readFileSync(target, 'utf8')).toBe('id\n1\n');
    expect(filesIn(dir)).toEqual([join('out', 'nested', 'part-0.csv')]);
  });

  it('is done with a chunk once its write resolves: the chunk filled again changes nothing written', async () => {
    // Prepare
    const target = join(dir, 'reused.csv');
    const sink = fileSink(target);
    const chunk = new Uint8Array(1 << 16);

    // Act
    chunk.fill(97);
    await sink.write(chunk);
    chunk.fill(98);
    await sink.write(chunk.subarray(0, 3));
    chunk.fill(99);
    await sink.close();

    // Assess
    expect(sink.releasesChunks).toBe(true);
    expect(readFileSync(target, 'latin1')).toBe(`${'a'.repeat(1 << 16)}bbb`);
  });

  it('writes under a temporary name until close', async () => {
    // Prepare
    const target = join(dir, 'part-0.csv');
    const sink = fileSink(target);

    // Act
    await sink.write(Buffer.from('partial'));
    const during = filesIn(dir);
    await sink.close();

    // Assess
    expect(during).toHaveLength(1);
    expect(during[0]).not.toBe('part-0.csv');
    expect(during[0]).toMatch(/^\.part-0\.csv\..*\.partial$/);
    expect(filesIn(dir)).toEqual(['part-0.csv']);
  });

  it('publishes an empty file when closed without writes', async () => {
    // Prepare
    const target = join(dir, 'empty.csv');
    const sink = fileSink(target);

    // Act
    await sink.close();

    // Assess
    expect(readFileSync(target)).toHaveLength(0);
  });

  it('leaves no file at all when aborted after writing', async () => {
    // Prepare
    const target = join(dir, 'part-0.csv');
    const sink = fileSink(target);
    await sink.write(Buffer.from('id\n1\n'));

    // Act
    await sink.abort();

    // Assess
    expect(filesIn(dir)).toEqual([]);
  });

  it('leaves an existing target untouched when a replacement is aborted', async () => {
    // Prepare
    const target = join(dir, 'part-0.csv');
    writeFileSync(target, 'old');
    const sink = fileSink(target);
    await sink.write(Buffer.from('new, half written'));

    // Act
    const during = readFileSync(target, 'utf8');
    await sink.abort();

    // Assess
    expect(during).toBe('old');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(filesIn(dir)).toEqual(['part-0.csv']);
  });

  it('leaves no partial file when publishing fails', async () => {
    // Prepare: the target name is taken by a non-empty directory, so the rename fails
    const target = join(dir, 'part-0.csv');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'x');
    const sink = fileSink(target);
    await sink.write(Buffer.from('id\n1\n'));

    // Act
    const error = await failureOf(sink.close());
    await sink.abort();

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(filesIn(dir)).toEqual([join('part-0.csv', 'keep.txt')]);
  });

  it('removes its partial file itself when publishing fails, with no abort', async () => {
    // Prepare: the target name is taken by a non-empty directory, so the rename fails
    const target = join(dir, 'part-0.csv');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'x');
    const sink = fileSink(target);
    await sink.write(Buffer.from('id\n1\n'));

    // Act
    const error = await failureOf(sink.close());

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(filesIn(dir)).toEqual([join('part-0.csv', 'keep.txt')]);
  });

  it.each([
    ['ended by SIGTERM', "process.kill(process.pid, 'SIGTERM')", { signal: 'SIGTERM', status: null }],
    ['ended by SIGINT', "process.kill(process.pid, 'SIGINT')", { signal: 'SIGINT', status: null }],
    ['exiting', 'process.exit(3)', { signal: null, status: 3 }],
  ])('leaves no partial file when the process is %s mid-write', (_, end, expected) => {
    // Prepare: a program that writes through a sink, then ends without closing or aborting it
    const module = resolve(import.meta.dirname, '../../../../lambdas/core/storage/file-byte-io.ts');
    const program = join(dir, 'writer.mts');
    writeFileSync(
      program,
      [
        `import { fileSink } from ${JSON.stringify(module)};`,
        `const sink = fileSink(${JSON.stringify(join(dir, 'out', 'part-0.csv'))});`,
        `await sink.write(Buffer.from('id\\n1\\n'));`,
        `setInterval(() => undefined, 1000);`,
        `${end};`,
      ].join('\n'),
    );

    // Act
    const child = spawnSync(process.execPath, ['--import', 'tsx', program], {
      cwd: process.cwd(),
      encoding: 'utf8',
    });

    // Assess
    expect({ signal: child.signal, status: child.status }).toEqual(expected);
    expect(filesIn(join(dir, 'out'))).toEqual([]);
  });

  it('keeps the published file when abort comes after a successful close', async () => {
    // Prepare
    const target = join(dir, 'part-0.csv');
    const sink = fileSink(target);
    await sink.write(Buffer.from('done'));
    await sink.close();

    // Act
    await sink.abort();

    // Assess
    expect(readFileSync(target, 'utf8')).toBe('done');
  });

  it('can be aborted before anything was written', async () => {
    // Prepare
    const sink = fileSink(join(dir, 'never.csv'));

    // Act
    await sink.abort();

    // Assess
    expect(filesIn(dir)).toEqual([]);
  });
});
