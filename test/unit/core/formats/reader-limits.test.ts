/**
 * Limits that protect memory hold however the bytes arrive: a long JSON Lines record inside one
 * chunk, a runaway string in a JSON array, and ranged reads past either end of a file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../lambdas/core/errors';
import { readJsonArray } from '../../../../lambdas/core/formats/json-array-reader';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import { fileSource } from '../../../../lambdas/core/storage/file-byte-io';

async function* once(text: string): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield Buffer.from(text, 'utf8');
}

async function failure(batches: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const b of batches) void b;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('reader limits', () => {
  it('rejects a JSON Lines record over the limit even when it arrives whole in one chunk', async () => {
    // Prepare
    const text = `{"a":1}\n{"a":"${'x'.repeat(500)}"}\n`;

    // Act
    const error = await failure(readJsonLines(once(text), { maxRecordLength: 100 }));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toBe('JSON Lines record longer than 100 characters (line 2)');
  });

  it('stops a runaway string inside a JSON array element at the limit', async () => {
    // Prepare: an unterminated string that never closes its element.
    const text = `[{"a":"${'x'.repeat(1000)}`;

    // Act
    const error = await failure(readJsonArray(once(text), { maxRecordLength: 100 }));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/^JSON array element longer than 100 characters/);
  });

  it('clamps ranged reads of a file to its bytes', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'prt-range-'));
    const path = join(dir, 'data.bin');
    writeFileSync(path, Buffer.from('abcdef'));
    const source = fileSource(path);

    // Act
    const before = await source.readRange(-5, 3);
    const past = await source.readRange(4, 2 ** 53 - 1);
    const outside = await source.readRange(10, 20);

    // Assess
    expect(Buffer.from(before).toString()).toBe('abc');
    expect(Buffer.from(past).toString()).toBe('ef');
    expect(outside.byteLength).toBe(0);
  });
});
