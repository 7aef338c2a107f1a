import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { arrowSchemaOf, readArrow } from '../../../../lambdas/core/formats/arrow-reader';
import { createArrowWriter } from '../../../../lambdas/core/formats/arrow-writer';
import type { ByteSource } from '../../../../lambdas/core/formats/byte-io';
import { EDGE_ROWS, EVERY_TYPE, readAll, sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';

async function failureOf(bytes: Uint8Array): Promise<unknown> {
  try {
    await readAll(readArrow(sourceOf(bytes, 'bad.arrow')));
    return undefined;
  } catch (e) {
    return e;
  }
}

function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const fileWriter: typeof createArrowWriter = (sink, options) =>
  createArrowWriter(sink, { ...options, file: true });

describe('Arrow reader on malformed input', () => {
  it('Noncompliance 1: an empty file', async () => {
    // Act
    const error = await failureOf(new Uint8Array());

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/empty file is not Arrow IPC data/);
  });

  it.each([
    ['random bytes', seededBytes(4096, 3)],
    ['CSV text', ascii('id,name\n1,alpha\n2,beta\n')],
    ['JSON text', ascii('{"id": 1}\n')],
    ["'ARROW1' magic followed by garbage", new Uint8Array([...ascii('ARROW1\0\0'), ...seededBytes(200, 5)])],
    ["'ARROW1' alone", ascii('ARROW1')],
    ['a continuation marker and nothing else', Uint8Array.of(0xff, 0xff, 0xff, 0xff)],
  ])('Noncompliance 2: %s', async (_, bytes) => {
    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 3: a stream cut inside a record batch', async () => {
    // Prepare
    const bytes = await writeTable(createArrowWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const error = await failureOf(bytes.subarray(0, bytes.byteLength - 100));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 4: a file with its footer cut', async () => {
    // Prepare
    const bytes = await writeTable(fileWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const error = await failureOf(bytes.subarray(0, bytes.byteLength - 100));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 4b: a file footer whose timestamp field claims to be a list (found by fuzzing)', async () => {
    // Prepare: type id 10 (Timestamp) becomes 12 (List), a list without a child field; the footer
    // decodes, and re-encoding its schema as a stream message threw a TypeError.
    const bytes = await writeTable(fileWriter, [{ name: 'at', type: 'timestamp', nullable: true }], [[1n]]);
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getInt32(bytes.byteLength - 10, true);
    const footerStart = bytes.byteLength - 10 - footerLength;
    const variants: Uint8Array[] = [];
    for (let i = footerStart; i < bytes.byteLength - 10; i++) {
      if (bytes[i] !== 10) continue;
      const variant = bytes.slice();
      variant[i] = 12;
      variants.push(variant);
    }

    // Act
    const errors = await Promise.all(variants.map(failureOf));

    // Assess
    expect(variants.length).toBeGreaterThan(0);
    expect(errors.filter((e) => e !== undefined && !(e instanceof FormatError))).toEqual([]);
    expect(errors.some((e) => /corrupt Arrow file footer/.test(String(e)))).toBe(true);
  });

  it('Noncompliance 5: the schema of a non-Arrow file', async () => {
    // Act + Assess
    await expect(arrowSchemaOf(sourceOf(ascii('PAR1 not arrow')))).rejects.toThrow(FormatError);
  });

  it('lets errors of the source itself through untouched', async () => {
    // Prepare
    const bytes = await writeTable(createArrowWriter, EVERY_TYPE, EDGE_ROWS);
    const denied = new Error('AccessDenied');
    const failing: ByteSource = {
      ...sourceOf(bytes),
      // eslint-disable-next-line require-yield
      async *stream() {
        await Promise.resolve();
        throw denied;
      },
    };

    // Act + Assess
    await expect(readAll(readArrow(failing))).rejects.toBe(denied);
  });

  it.each([
    ['stream', createArrowWriter],
    ['file', fileWriter],
  ])('reads a mutated %s or rejects it with a FormatError, never another error', async (_, create) => {
    // Prepare
    const valid = await writeTable(create, EVERY_TYPE, EDGE_ROWS, {}, 3);

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.option(fc.nat(valid.byteLength), { nil: undefined }),
        async (flips, cut) => {
          const bytes = valid.slice(0, cut);
          for (const [at, value] of flips) if (at < bytes.byteLength) bytes[at] = value;

          // Act
          const error = await failureOf(bytes);

          // Assess
          const outcome =
            error === undefined
              ? 'read'
              : error instanceof FormatError
                ? 'FormatError'
                : error instanceof Error
                  ? error.stack
                  : 'not an Error';
          expect(outcome).toMatch(/^(read|FormatError)$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
