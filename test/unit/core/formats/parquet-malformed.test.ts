import fc from 'fast-check';
import { parquetMetadata } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import type { ByteSource } from '../../../../lambdas/core/formats/byte-io';
import { parquetSchemaOf, readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { EDGE_ROWS, EVERY_TYPE, readAll, sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'label', type: 'string', nullable: true },
  { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
];
const ROWS: TypedRow[] = Array.from({ length: 500 }, (_, i) => [i, `label ${i % 7}`, BigInt(i * 101)]);

async function validFile(): Promise<Uint8Array> {
  return writeTable(createParquetWriter, SCHEMA, ROWS, { parquet: { rowGroupRows: 200 } });
}

/** Reads the whole file; resolves with the error it failed with, or undefined. */
async function failureOf(bytes: Uint8Array): Promise<unknown> {
  try {
    await readAll(readParquet(sourceOf(bytes, 'bad.parquet')));
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

const footerLength = (bytes: Uint8Array): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.byteLength - 8, true);

describe('Parquet reader on malformed input', () => {
  it('Noncompliance 1: an empty file', async () => {
    // Act
    const error = await failureOf(new Uint8Array());

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/0 bytes is too short for a Parquet file/);
    expect((error as FormatError).location).toEqual({ byteOffset: 0 });
  });

  it("Noncompliance 2: 'PAR1' alone", async () => {
    // Act
    const error = await failureOf(ascii('PAR1'));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it("Noncompliance 3: 'PAR1' twice with nothing between (no footer length)", async () => {
    // Act
    const error = await failureOf(ascii('PAR1PAR1'));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 3b: a dictionary-encoded data page without a dictionary page (found by fuzzing)', async () => {
    // Prepare: the first page's encoding becomes RLE_DICTIONARY (8), with no dictionary page before
    // it; hyparquet's decoder did not terminate on such a page.
    const bytes = await validFile();
    const metadata = parquetMetadata(bytes.slice(bytes.byteLength - 8 - footerLength(bytes)).buffer);
    const first = Number(metadata.row_groups[0]!.columns[0]!.meta_data!.data_page_offset);
    const variants: Uint8Array[] = [];
    for (let i = first; i < first + 32; i++) {
      const variant = bytes.slice();
      variant[i] = 0x10; // zigzag 8
      const reader = { view: new DataView(variant.buffer, first), offset: 0 };
      const header = deserializeTCompactProtocol(reader) as Record<
        string,
        Record<string, unknown> | undefined
      >;
      if (header.field_5?.field_2 === 8 || header.field_8?.field_4 === 8) variants.push(variant);
    }

    // Act
    const errors = await Promise.all(variants.map(failureOf));

    // Assess
    expect(variants.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).message).toMatch(
        /a dictionary-encoded data page without a dictionary page/,
      );
    }
  });

  it('Noncompliance 4: random bytes', async () => {
    // Act
    const error = await failureOf(seededBytes(4096, 7));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/does not start with PAR1/);
  });

  it('Noncompliance 5: random bytes between PAR1 magics (garbage metadata)', async () => {
    // Prepare
    const bytes = seededBytes(4096, 11);
    bytes.set(ascii('PAR1'), 0);
    bytes.set(ascii('PAR1'), 4092);
    new DataView(bytes.buffer).setUint32(4088, 1000, true);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location?.byteOffset).toBe(4096 - 8 - 1000);
  });

  it('Noncompliance 6: a truncated footer (last 3 bytes cut)', async () => {
    // Prepare
    const bytes = (await validFile()).subarray(0, -3);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/does not end with PAR1/);
  });

  it('Noncompliance 7: a valid file with its last 100 bytes cut', async () => {
    // Prepare
    const bytes = (await validFile()).subarray(0, -100);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 8: a footer length larger than the file', async () => {
    // Prepare
    const bytes = (await validFile()).slice();
    new DataView(bytes.buffer).setUint32(bytes.byteLength - 8, 0x7fffffff, true);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/footer length 2147483647 does not fit/);
    expect((error as FormatError).location).toEqual({ byteOffset: bytes.byteLength - 8 });
  });

  it('Noncompliance 9: a footer length a little off (metadata parsed from the wrong place)', async () => {
    // Prepare
    const bytes = (await validFile()).slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(bytes.byteLength - 8, view.getUint32(bytes.byteLength - 8, true) - 13, true);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
  });

  it('Noncompliance 10: a corrupt page header names its row group', async () => {
    // Prepare: overwrite the first page header of the first column chunk
    const bytes = (await validFile()).slice();
    bytes.fill(0xff, 4, 24);

    // Act
    const error = await failureOf(bytes);

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/row group 0/);
  });

  it('Noncompliance 11: a codec the reader does not have (LZO)', async () => {
    // Prepare: hyparquet-writer labels pages LZO when given a (fake) LZO compressor
    const writer = new ByteWriter();
    const parquet = new ParquetWriter({
      writer,
      schema: [
        { name: 'schema', num_children: 1 },
        { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' },
      ],
      codec: 'LZO',
      compressors: { LZO: (input) => input },
    });
    void parquet.write({ columnData: [{ name: 'n', data: [1, 2, 3] }] });
    void parquet.finish();

    // Act
    const error = await failureOf(writer.getBytes());

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/row group 0 .*LZO/);
  });

  it('Noncompliance 12: the schema of a non-Parquet file', async () => {
    // Act + Assess
    await expect(parquetSchemaOf(sourceOf(ascii('id,name\n1,a\n')))).rejects.toThrow(FormatError);
  });

  it('Noncompliance 13: a source shorter than its declared size', async () => {
    // Prepare
    const bytes = await validFile();
    const lying: ByteSource = { ...sourceOf(bytes), size: () => Promise.resolve(bytes.byteLength + 50) };

    // Act + Assess
    await expect(readAll(readParquet(lying))).rejects.toThrow(FormatError);
  });

  it('lets errors of the source itself through untouched', async () => {
    // Prepare
    const bytes = await validFile();
    const denied = new Error('AccessDenied');
    let calls = 0;
    const flaky: ByteSource = {
      ...sourceOf(bytes),
      readRange: (start, end) =>
        ++calls > 3 ? Promise.reject(denied) : sourceOf(bytes).readRange(start, end),
    };

    // Act + Assess
    await expect(readAll(readParquet(flaky))).rejects.toBe(denied);
  });

  it('reads a mutated file or rejects it with a FormatError, never another error', async () => {
    // Prepare
    const valid = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, {
      parquet: { rowGroupRows: 3 },
    });

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
      { numRuns: 400 },
    );
  });
});
