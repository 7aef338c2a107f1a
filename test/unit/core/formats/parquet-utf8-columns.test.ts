/**
 * The Parquet writer's byte path: string columns given as UTF-8 bytes (Utf8Column, what a CSV
 * reader's text vectors become in a conversion to Parquet) must write exactly the file the same
 * texts given as strings write: same pages, dictionaries, statistics, page and row group splits,
 * including a chunk that mixes batches of bytes and of strings.
 */
import fc from 'fast-check';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { TEXT_NULL } from '../../../../lambdas/core/formats/column-batch';
import { createTableWriter } from '../../../../lambdas/core/formats/create-table-writer';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { ParquetCodec } from '../../../../lambdas/core/formats/table-io';
import {
  isNullAt,
  typedValueAt,
  utf8Strings,
  type TypedColumn,
  type Utf8Column,
} from '../../../../lambdas/core/formats/typed-column';

const encoder = new TextEncoder();

/** Texts as a Utf8Column over one buffer, cells separated by a comma as in a CSV line. */
function utf8Column(texts: readonly (string | null)[]): Utf8Column {
  const parts: Uint8Array[] = [];
  const start = new Int32Array(texts.length);
  const end = new Int32Array(texts.length);
  const flags = new Uint8Array(texts.length);
  let at = 0;
  texts.forEach((t, r) => {
    const bytes = encoder.encode(t ?? '');
    start[r] = at;
    end[r] = at + bytes.length;
    if (t === null) flags[r] = TEXT_NULL;
    parts.push(bytes, encoder.encode(','));
    at += bytes.length + 1;
  });
  const bytes = new Uint8Array(at);
  let k = 0;
  for (const p of parts) {
    bytes.set(p, k);
    k += p.length;
  }
  return { kind: 'utf8', bytes, start, end, flags };
}

/** One batch: per column its texts, and whether it is given as bytes (else as strings). */
interface Batch {
  readonly columns: readonly (readonly (string | null)[])[];
  readonly asBytes: readonly boolean[];
}

async function write(
  schema: readonly ColumnSpec[],
  batches: readonly Batch[],
  bytes: boolean,
  rowGroupRows: number,
  codec: ParquetCodec,
): Promise<Uint8Array> {
  const sink = new BufferSink();
  const writer = createParquetWriter(sink, { schema, parquet: { codec, rowGroupRows } });
  for (const batch of batches) {
    const length = batch.columns[0]!.length;
    const columns = batch.columns.map((texts, c): TypedColumn =>
      bytes && batch.asBytes[c] ? utf8Column(texts) : { kind: 'string', values: [...texts] },
    );
    await writer.writeColumns!(columns, length);
  }
  await writer.close();
  return new Uint8Array(sink.bytes());
}

/** Writes the batches both ways and asserts the same file; returns it. */
async function sameFile(
  schema: readonly ColumnSpec[],
  batches: readonly Batch[],
  rowGroupRows = 100_000,
  codec: ParquetCodec = 'snappy',
): Promise<Uint8Array> {
  const strings = await write(schema, batches, false, rowGroupRows, codec);
  const bytes = await write(schema, batches, true, rowGroupRows, codec);
  expect(Buffer.from(bytes).equals(Buffer.from(strings))).toBe(true);
  return bytes;
}

const TEXT: ColumnSpec = { name: 'text', type: 'string', nullable: true };
const REQUIRED: ColumnSpec = { name: 'required', type: 'string', nullable: false };

function encodingsOf(file: Uint8Array): string[][] {
  const meta = parquetMetadata(file);
  return meta.row_groups.flatMap((g) => g.columns.map((c) => [...c.meta_data!.encodings]));
}

function all(batches: readonly (readonly (string | null)[])[], asBytes = true): Batch[] {
  return batches.map((texts) => ({ columns: [texts], asBytes: [asBytes] }));
}

describe('Parquet string columns given as UTF-8 bytes', () => {
  it('take and give back each row as its text (nulls, empty, non-ASCII)', () => {
    // Arrange
    const texts = ['a', null, '', 'é☃😀', ' x '];
    const column = utf8Column(texts);

    // Act
    const values = texts.map((_, r) => typedValueAt(column, TEXT, r));
    const nulls = texts.map((_, r) => isNullAt(column, r));

    // Assert
    expect(values).toEqual(texts);
    expect(nulls).toEqual([false, true, false, false, false]);
    expect(utf8Strings(column, texts.length).values).toEqual(texts);
  });

  it('reach the writers without a byte path (CSV, JSON Lines, Arrow) as the same texts', async () => {
    // Arrange: texts a CSV writer must quote, escape or leave as they are
    const texts = ['plain', null, '', 'a,b', 'say "hi"', ' lead', 'é☃', 'line\nbreak'];
    const schema = [TEXT];
    const writeAs = async (format: 'csv' | 'jsonl' | 'arrow', column: TypedColumn): Promise<Buffer> => {
      const sink = new BufferSink();
      const writer = createTableWriter(format, sink, { schema });
      if (writer.writeColumns) await writer.writeColumns([column], texts.length);
      else await writer.write(texts.map((_, r) => [typedValueAt(column, TEXT, r)]));
      await writer.close();
      return Buffer.from(sink.bytes());
    };

    // Act
    const outputs = [];
    for (const format of ['csv', 'jsonl', 'arrow'] as const) {
      outputs.push({
        format,
        bytes: await writeAs(format, utf8Column(texts)),
        strings: await writeAs(format, { kind: 'string', values: texts }),
      });
    }

    // Assert
    expect(outputs.map((o) => [o.format, o.bytes.equals(o.strings)])).toEqual([
      ['csv', true],
      ['jsonl', true],
      ['arrow', true],
    ]);
  });

  it('write the file the strings write: nulls, empty strings, long strings, ties at min and max', async () => {
    // Arrange
    const long = 'z'.repeat(200);
    const texts = ['m', null, '', long, 'a', 'a', long, null, 'b'.repeat(17), '', 'zz', long + 'a'];

    // Act
    const file = await sameFile(
      [TEXT, REQUIRED],
      [{ columns: [texts, texts.map((t) => t ?? 'n')], asBytes: [true, true] }],
    );

    // Assert
    expect(file.length).toBeGreaterThan(0);
  });

  it('write the same dictionary-encoded and PLAIN chunks', async () => {
    // Arrange
    const repeated = Array.from({ length: 20_000 }, (_, i) => `status-${i % 37}`);
    const distinct = Array.from({ length: 20_000 }, (_, i) => `user${i * 7919}@example.com`);

    // Act
    const file = await sameFile(
      [TEXT, { ...TEXT, name: 'distinct' }],
      [{ columns: [repeated, distinct], asBytes: [true, true] }],
    );

    // Assert: the first column has a dictionary page, the second none.
    const [dictionary, plain] = encodingsOf(file);
    expect(dictionary).toContain('RLE_DICTIONARY');
    expect(plain).not.toContain('RLE_DICTIONARY');
  });

  it('decide a dictionary at the same value: past the probe, past its byte bound, and after its table grows', async () => {
    // Arrange: nearly distinct past the probe; a dictionary past 1 MiB; 3,000 distinct values
    // repeated (the byte table doubles several times and the dictionary still pays).
    const probe = Array.from({ length: 6000 }, (_, i) => (i % 50 === 0 ? 'same' : `v${i}`));
    const huge = Array.from({ length: 14_000 }, (_, i) => `${Math.floor(i / 2)}`.padStart(200, 'x'));
    const grown = Array.from({ length: 30_000 }, (_, i) => `k${(i * 13) % 3000}`);

    // Act
    for (const texts of [probe, huge, grown]) await sameFile([TEXT], all([texts]));
    const file = await sameFile([TEXT], all([grown]));

    // Assert
    expect(encodingsOf(file)[0]).toContain('RLE_DICTIONARY');
  });

  it('split pages and row groups where the strings split them', async () => {
    // Arrange: more than a page (1 MiB) of text per row group, row groups cut mid-batch.
    const texts = Array.from({ length: 30_000 }, (_, i) => (i % 11 === 0 ? null : `${i}:`.padEnd(50, 'q')));
    const batches = all([texts.slice(0, 7000), texts.slice(7000, 19_000), texts.slice(19_000)]);

    // Act
    const file = await sameFile([TEXT], batches, 12_345);
    const uncompressed = await sameFile([TEXT], batches, 100_000, 'uncompressed');

    // Assert
    expect(encodingsOf(file)).toHaveLength(3);
    expect(encodingsOf(uncompressed)).toHaveLength(1);
  });

  it('write the same file when a column turns to strings mid-file, or starts as strings in a row group', async () => {
    // Arrange: bytes, then strings (a batch with non-ASCII or escaped cells), then bytes again.
    const a = ['x@a.com', null, 'y@b.com', 'x@a.com'];
    const b = ['ü@c.com', 'x@a.com', null, ''];
    const c = ['z@d.com', 'x@a.com', 'w', null];
    const mixed: Batch[] = [
      { columns: [a], asBytes: [true] },
      { columns: [b], asBytes: [false] },
      { columns: [c], asBytes: [true] },
    ];
    const stringsFirst: Batch[] = [
      { columns: [b], asBytes: [false] },
      { columns: [a], asBytes: [true] },
    ];

    // Act
    const files = [
      await sameFile([TEXT], mixed),
      await sameFile([TEXT], mixed, 5),
      await sameFile([TEXT], stringsFirst),
      await sameFile([TEXT], stringsFirst, 3),
    ];

    // Assert
    expect(files.every((f) => f.length > 0)).toBe(true);
  });

  it('refuse a null in a column that is not nullable, naming its row, as the strings do', async () => {
    // Arrange
    const batches: Batch[] = [{ columns: [['a', 'b', null]], asBytes: [true] }];

    // Act
    const bytes = write([REQUIRED], batches, true, 100, 'snappy');
    const strings = write([REQUIRED], batches, false, 100, 'snappy');

    // Assert
    await expect(bytes).rejects.toThrow('row 3: column required is not nullable but the value is null');
    await expect(strings).rejects.toThrow('row 3: column required is not nullable but the value is null');
  });

  it('write the same file as the strings for random texts, batches and row groups (seeded)', async () => {
    // Arrange
    const alphabet = ['a', 'b', 'z', 'A', '0', ' ', '@', '.', 'é', '☃', '😀', '\u0001', '~'];
    const text = fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 6,
        arbitrary: fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((c) => c.join('')),
      },
      { weight: 1, arbitrary: fc.constantFrom('same', 'other', '') },
    );
    const batch = fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.boolean())
      .chain(([n, b0, b1]) =>
        fc
          .tuple(
            fc.array(text, { minLength: n, maxLength: n }),
            fc.array(text, { minLength: n, maxLength: n }),
          )
          .map(([x, y]): Batch => ({ columns: [x, y], asBytes: [b0, b1] })),
      );
    const schema = [TEXT, { ...TEXT, name: 'second' }];

    let runs = 0;

    // Act & Assert: sameFile asserts the bytes of every run.
    await fc.assert(
      fc.asyncProperty(
        fc.array(batch, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom<ParquetCodec>('snappy', 'uncompressed'),
        async (batches, rowGroupRows, codec) => {
          await sameFile(schema, batches, rowGroupRows, codec);
          runs++;
        },
      ),
      { seed: 20261207, numRuns: 150 },
    );
    expect(runs).toBe(150);
  });
});
