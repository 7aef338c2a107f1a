/**
 * readCsvColumns against readCsv, the specification: for random CSV texts (delimiters, quotes,
 * escapes, CR, LF, BOMs, multi-byte and 4-byte UTF-8, invalid bytes, blank lines), random
 * dialects and limits, random chunk boundaries (inside characters, between CR and LF) and small
 * batch sizes, both readers yield the same batches (columns, first row, cells) and end with the
 * same error, message and location (byte offsets included: after a leading BOM, and for an
 * invalid UTF-8 sequence begun in the chunk before). Then the same over the CSV cases of the
 * existing tests and the malformed corpus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ContractError, FormatError } from '../../../../lambdas/core/errors';
import { readableByteStream, type ByteReader } from '../../../../lambdas/core/formats/byte-io';
import { rawCellOf, textCell, type ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import {
  readCsvColumns,
  type CsvColumnReadOptions,
} from '../../../../lambdas/core/formats/csv-column-reader';
import { readCsv, type CsvReadOptions } from '../../../../lambdas/core/formats/csv-reader';
import type { RawCell, RecordBatch } from '../../../../lambdas/core/formats/record-batch';

const DIR = join(import.meta.dirname, '../../../fixtures/malformed');
const BOM = [0xef, 0xbb, 0xbf];

interface Failure {
  readonly kind: string;
  readonly message: string;
  readonly location?: unknown;
}

interface Outcome {
  readonly batches: { columns: readonly string[]; firstRow: number; rows: RawCell[][] }[];
  readonly error?: Failure;
}

function errorOf(error: unknown): Failure {
  if (error instanceof FormatError)
    return { kind: 'FormatError', message: error.message, location: error.location };
  if (error instanceof ContractError) return { kind: 'ContractError', message: error.message };
  throw error; // anything else is a crash, never an outcome
}

async function rowOutcome(source: AsyncIterable<Uint8Array>, options: CsvReadOptions): Promise<Outcome> {
  const batches: Outcome['batches'] = [];
  try {
    for await (const b of readCsv(source, options)) batches.push(rowsOfBatch(b));
  } catch (error) {
    return { batches, error: errorOf(error) };
  }
  return { batches };
}

function rowsOfBatch(b: RecordBatch): Outcome['batches'][number] {
  return { columns: b.columns, firstRow: b.firstRow, rows: b.rows.map((r) => [...r]) };
}

function cellsOfBatch(b: ColumnBatch): Outcome['batches'][number] {
  const rows: RawCell[][] = [];
  for (let r = 0; r < b.length; r++) rows.push(b.vectors.map((v) => (v === null ? null : rawCellOf(v, r))));
  return { columns: b.columns, firstRow: b.firstRow, rows };
}

async function columnOutcome(
  source: AsyncIterable<Uint8Array>,
  options: CsvColumnReadOptions,
  onBatch: (b: ColumnBatch) => void = () => undefined,
): Promise<Outcome> {
  const batches: Outcome['batches'] = [];
  try {
    for await (const b of readCsvColumns(source, options)) {
      onBatch(b);
      batches.push(cellsOfBatch(b));
    }
  } catch (error) {
    return { batches, error: errorOf(error) };
  }
  return { batches };
}

async function* chunksAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let last = 0;
  for (const at of [...cuts, bytes.byteLength]) {
    await Promise.resolve();
    yield bytes.subarray(last, at);
    last = at;
  }
}

/**
 * The bytes as a stream that a reader may also read into its own buffer: reads of the lengths
 * between `cuts`, the chunks the stream would yield. `state.closed` counts the reader's closes.
 */
function readerStream(
  bytes: Uint8Array,
  cuts: readonly number[],
  state: { opened: number; closed: number } = { opened: 0, closed: 0 },
): AsyncIterable<Uint8Array> {
  const ends = [...cuts, bytes.byteLength];
  const chunkSize = Math.max(1, ...ends.map((at, k) => at - (k === 0 ? 0 : ends[k - 1]!)));
  return readableByteStream(
    () => chunksAt(bytes, cuts),
    (): ByteReader => {
      state.opened++;
      let k = 0;
      let at = 0;
      return {
        chunkSize,
        async read(into) {
          await Promise.resolve();
          if (k >= ends.length) return 0;
          const end = ends[k++]!;
          if (end - at > into.byteLength) throw new Error('read into a buffer shorter than chunkSize');
          into.set(bytes.subarray(at, end));
          const n = end - at;
          at = end;
          return n;
        },
        close() {
          state.closed++;
          return Promise.resolve();
        },
      };
    },
  );
}

/** Cut points from a cycle of chunk sizes. */
function cutsOf(length: number, sizes: readonly number[]): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (let k = 0; sizes.length > 0; k++) {
    at += sizes[k % sizes.length]!;
    if (at >= length) break;
    cuts.push(at);
  }
  return cuts;
}

/** Both readers over the same bytes and chunks; the column reader's vectors are checked on the way. */
async function both(
  bytes: Uint8Array,
  options: CsvReadOptions,
  cuts: readonly number[],
): Promise<{ expected: Outcome; actual: Outcome }> {
  const expected = await rowOutcome(chunksAt(bytes, cuts), options);
  const ascii = [options.delimiter ?? ',', options.quote ?? '"', options.escape ?? ''].every(
    (c) => c.length !== 1 || c.charCodeAt(0) < 0x80,
  );
  const actual = await columnOutcome(chunksAt(bytes, cuts), options, (b) => {
    for (const v of b.vectors) {
      expect(v?.kind).toBe(ascii ? 'text' : 'cells');
      if (v?.kind === 'text') expect(v.start.length).toBe(b.length);
    }
  });
  return { expected, actual };
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

// Text tokens that stress the parser, and byte sequences that are not UTF-8.
const TEXT_TOKENS = [
  ',',
  ';',
  '\t',
  '|',
  '"',
  "'",
  '\\',
  '\r',
  '\n',
  '\r\n',
  '\uFEFF',
  'a',
  'b',
  'xy',
  '1',
  ' ',
  'é',
  '€',
  '😀',
];
/** The start of a character, cut short: at the end of the input, "ends inside a UTF-8 character". */
const TRUNCATED: readonly (readonly number[])[] = [[0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]];
const BAD_BYTES: readonly (readonly number[])[] = [
  ...TRUNCATED,
  [0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe0, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

const tokenArb = fc.constantFrom(...TEXT_TOKENS);
const cellTextArb = fc.array(tokenArb, { maxLength: 5 }).map((t) => t.join(''));
const cellArb = fc.oneof(fc.constant(null), fc.constant(''), cellTextArb);

interface Dialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string | undefined;
}

const dialectArb: fc.Arbitrary<Dialect> = fc.record({
  delimiter: fc.constantFrom(',', ',', ';', '\t', '|', "'"),
  quote: fc.constantFrom('"', '"', "'"),
  escape: fc.constantFrom(undefined, undefined, '\\', '"', "'"),
});

/** A CSV text written by the dialect's rules (quoting as a writer would, or at random). */
function structuredArb(d: Dialect): fc.Arbitrary<string> {
  const q = d.quote;
  const e = d.escape ?? q;
  const write = (cell: string | null, quote: boolean): string => {
    if (cell === null) return '';
    const needs =
      cell === '' || [d.delimiter, q, '\r', '\n'].some((c) => cell.includes(c)) || cell.startsWith('\uFEFF');
    if (!needs && !quote) return cell;
    const body =
      e === q ? cell.replaceAll(q, q + q) : [...cell].map((c) => (c === q || c === e ? e + c : c)).join('');
    return q + body + q;
  };
  const distinct = (width: number): fc.Arbitrary<(string | null)[]> =>
    fc.uniqueArray(cellTextArb, { minLength: width, maxLength: width }).map((names) => [...names]);
  return fc.integer({ min: 1, max: 4 }).chain((width) =>
    fc
      .record({
        // A header of distinct names, mostly (a duplicate or blank one is an error to compare too).
        header: fc.oneof(
          { weight: 4, arbitrary: distinct(width) },
          { weight: 1, arbitrary: fc.array(cellArb, { minLength: width, maxLength: width }) },
        ),
        headerQuoted: fc.boolean(),
        rows: fc.array(
          fc.record({
            cells: fc.array(fc.tuple(cellArb, fc.boolean()), { minLength: width, maxLength: width }),
            end: fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\n\r\n'),
          }),
          { maxLength: 7 },
        ),
        trailing: fc.boolean(),
      })
      .map(({ header, headerQuoted, rows, trailing }) => {
        const lines = rows.map(
          (r, k) =>
            r.cells.map(([c, quote]) => write(c, quote)).join(d.delimiter) +
            (k < rows.length - 1 || trailing ? r.end : ''),
        );
        const head = header.map((c) => write(c, headerQuoted)).join(d.delimiter);
        return `${head}${rows.length > 0 || trailing ? '\n' : ''}${lines.join('')}`;
      }),
  );
}

interface Case {
  readonly bytes: Uint8Array;
  readonly options: CsvReadOptions;
  readonly sizes: readonly number[];
}

/** Mostly absent (the default), so that most texts read and a limit is hit now and then. */
function sometimes<T>(arb: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | null> {
  return fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

const caseArb: fc.Arbitrary<Case> = dialectArb.chain((d) =>
  fc
    .record({
      text: fc.oneof(
        { weight: 3, arbitrary: structuredArb(d) },
        { weight: 1, arbitrary: fc.array(tokenArb, { maxLength: 40 }).map((t) => t.join('')) },
      ),
      boms: fc.constantFrom(0, 0, 1, 2),
      // A token or invalid bytes inserted at a point (as a fraction of the length).
      mutation: sometimes(
        fc.tuple(
          fc.oneof(
            tokenArb.map(utf8),
            fc.constantFrom(...BAD_BYTES).map((b) => Uint8Array.from(b)),
          ),
          fc.double({ min: 0, max: 1, noNaN: true }),
        ),
      ),
      lenientQuotes: fc.boolean(),
      header: fc.constantFrom(true, true, true, false),
      columns: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'é'), { maxLength: 4 }),
      batchSize: fc.integer({ min: 1, max: 4 }),
      maxFieldLength: sometimes(fc.integer({ min: 0, max: 12 }), 7),
      maxColumns: sometimes(fc.integer({ min: 1, max: 5 }), 7),
      maxFieldsPerRow: sometimes(fc.integer({ min: 1, max: 6 }), 7),
      maxRowBytes: sometimes(fc.integer({ min: 0, max: 60 }), 7),
      sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    })
    .map((r) => {
      let bytes: Uint8Array = Buffer.concat([
        Buffer.from(Array.from({ length: r.boms }, () => BOM).flat()),
        utf8(r.text),
      ]);
      if (r.mutation !== null) {
        const at = Math.floor(r.mutation[1] * bytes.length);
        bytes = Buffer.concat([bytes.subarray(0, at), r.mutation[0], bytes.subarray(at)]);
      }
      const options: CsvReadOptions = {
        delimiter: d.delimiter,
        quote: d.quote,
        ...(d.escape !== undefined ? { escape: d.escape } : {}),
        lenientQuotes: r.lenientQuotes,
        header: r.header,
        columns: r.columns,
        batchSize: r.batchSize,
        ...(r.maxFieldLength !== null ? { maxFieldLength: r.maxFieldLength } : {}),
        ...(r.maxColumns !== null ? { maxColumns: r.maxColumns } : {}),
        ...(r.maxFieldsPerRow !== null ? { maxFieldsPerRow: r.maxFieldsPerRow } : {}),
        ...(r.maxRowBytes !== null ? { maxRowBytes: r.maxRowBytes } : {}),
      };
      return { bytes, options, sizes: r.sizes };
    }),
);

describe('readCsvColumns', () => {
  it('yields what readCsv yields, or fails as it does, for random texts, dialects, limits and chunks', async () => {
    let rowsRead = 0;
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ bytes, options, sizes }) => {
        const { expected, actual: outcome } = await both(bytes, options, cutsOf(bytes.length, sizes));
        expect(outcome).toEqual(expected);
        rowsRead += outcome.batches.reduce((n, b) => n + b.rows.length, 0);
        if (outcome.error !== undefined) failures++;
      }),
      { numRuns: 2000 },
    );
    // The generator reaches both sides: rows read and errors raised.
    console.log(rowsRead, failures);
    expect(rowsRead).toBeGreaterThan(1000);
    expect(failures).toBeGreaterThan(300);
  });

  it('reads well-formed random tables as readCsv does, whatever the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        dialectArb.chain((d) =>
          fc.tuple(
            fc.constant(d),
            structuredArb(d),
            fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
            fc.integer({ min: 1, max: 3 }),
          ),
        ),
        async ([d, text, sizes, batchSize]) => {
          const bytes = utf8(text);
          const options: CsvReadOptions = {
            delimiter: d.delimiter,
            quote: d.quote,
            ...(d.escape !== undefined ? { escape: d.escape } : {}),
            batchSize,
          };
          const { expected, actual } = await both(bytes, options, cutsOf(bytes.length, sizes));
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('points at the first invalid UTF-8 byte however the chunks split the characters around it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', ',', '\n'), maxLength: 30 }),
        fc.constantFrom(...BAD_BYTES),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        async (text, bad, where, sizes) => {
          const valid = utf8(`x\n${text.replaceAll(',', '')}`); // one column: no width errors
          // Insert on a character boundary of the valid text.
          const boundaries = [...valid.keys(), valid.length].filter(
            (i) => i === valid.length || (valid[i]! & 0xc0) !== 0x80,
          );
          const at = boundaries[where % boundaries.length]!;
          const bytes = Buffer.concat([valid.subarray(0, at), Uint8Array.from(bad), valid.subarray(at)]);
          const outcome = await columnOutcome(chunksAt(bytes, cutsOf(bytes.length, sizes)), {});
          const truncatedAtEnd = at === valid.length && TRUNCATED.includes(bad);
          expect(outcome.error).toEqual(
            truncatedAtEnd
              ? errorOf(new FormatError('CSV ends inside a UTF-8 character', { byteOffset: bytes.length }))
              : errorOf(new FormatError('CSV is not valid UTF-8', { byteOffset: at })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  describe('the cases of the row reader tests', () => {
    const CASES: readonly (readonly [string, CsvReadOptions])[] = [
      ['id,name,note\n1,,""\n2,b,c\n', {}],
      ['id,address\n1,"12 High St, Leeds, UK"\n', {}],
      ['id,quote\n1,"she said ""hi"""\n2,""""\n', {}],
      ['id,text\n1,"line one\nline two"\n2,"dos\r\nline"\n', {}],
      ['id,name\r\n1,a\r\n2,"b"\r\n', {}],
      ['\uFEFFid,name\n1,a\n', {}],
      ['a,b\n1,2\n\n3,4\n\n', {}],
      ['a\n1\n\n2\n', {}],
      ['a,b\r3\r4,5\r', {}],
      ['a,b\n1,2\n3\n', {}],
      ['a,b\n1,"x"y\n', {}],
      ['a,b\n1,x"y\n', {}],
      ['a,b\n1,x"y\n', { lenientQuotes: true }],
      ['a,b\n1,"open\n2,3\n', {}],
      ['a,a\n1,2\n', {}],
      ['\n1,2\n', {}],
      ['', {}],
      ['\uFEFF', {}],
      ['1,2\n3,4', { header: false, columns: ['x', 'y'] }],
      ['1,2\n', { header: false, columns: [] }],
      ["id,note\n1,'a, b'\n2,'it''s'\n3,\"plain\"\n", { quote: "'" }],
      ['id,note\n1,"say \\"hi\\""\n2,"back\\\\slash"\n3,"end\\\\"\n', { escape: '\\' }],
      ['id,note\n1,"C:\\temp\\x"\n2,"a\\nb"\n', { escape: '\\' }],
      ['id;note\n1;"a;b"\n', { delimiter: ';' }],
      ['id\tnote\n1\tx\n', { delimiter: '\t' }],
      ['a,b\n1,2\n', { delimiter: '"' }],
      ['a,b\n1,2\n', { delimiter: '\n' }],
      ['a,b\n1,2\n', { delimiter: '\\', escape: '\\' }],
      ['a§b\n1§2\n', { delimiter: '§' }],
      ['id,name\n1,' + 'é'.repeat(40) + '\n', { maxFieldLength: 39 }],
      ['id,name\n1,"' + '😀'.repeat(10) + '"\n', { maxFieldLength: 19 }],
      ['id,name\n1,"' + '😀'.repeat(10) + '"\n', { maxFieldLength: 20 }],
      ['a,b\n' + ','.repeat(50) + '\n', { maxFieldsPerRow: 20 }],
      ['a,b,c,d\n1,2,3,4\n', { maxColumns: 3 }],
      ['a,b\n1,' + 'x'.repeat(100) + '\n', { maxRowBytes: 64 }],
      ['a,b\n1,"' + 'x'.repeat(100), { maxRowBytes: 64 }],
      ['a,b\n1,2\n3,4\n5,6\n7,8\n', { batchSize: 2 }],
      ['a,b,c\n1,2,3\n', { maxFieldsPerRow: 2 }],
      ['\uFEFF\uFEFF""\n1\n', { header: false, columns: ['a'], maxRowBytes: 4 }],
      ['\uFEFF\uFEFFa\n1\n', { maxRowBytes: 3 }],
      ['a,b\n', { batchSize: 1 }],
    ];
    it.each(CASES)('%j %j, in chunks of every size up to 8', async (text, options) => {
      const bytes = utf8(text);
      for (const cuts of [[], ...[1, 2, 3, 4, 5, 6, 7, 8].map((size) => cutsOf(bytes.length, [size]))]) {
        const { expected, actual } = await both(bytes, options, cuts);
        expect(actual).toEqual(expected);
      }
    });
  });

  describe('the malformed corpus', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.csv'));
    it.each(files)('%s, whole and in small chunks', async (file) => {
      const bytes = new Uint8Array(readFileSync(join(DIR, file)));
      const runs: [CsvReadOptions, number[]][] = [
        ...[[], [1], [3], [7], [64]].map((sizes): [CsvReadOptions, number[]] => [
          { maxFieldLength: 1024 },
          sizes,
        ]),
        [{}, [64]],
      ];
      for (const [options, sizes] of runs) {
        const { expected, actual } = await both(bytes, options, cutsOf(bytes.length, sizes));
        expect(actual).toEqual(expected);
      }
    });
  });

  it('reads a wide table whose batches start small and grow, as readCsv does', async () => {
    // Prepare: 3000 columns, so the first offset arrays hold a few rows and grow to the batch size
    const width = 3000;
    const header = Array.from({ length: width }, (_, k) => `c${k}`).join(',');
    const rows = Array.from({ length: 60 }, (_, r) =>
      Array.from({ length: width }, (_, k) =>
        (r + k) % 11 === 0 ? '' : (r + k) % 7 === 0 ? '"q,"' : String(r * k),
      ).join(','),
    );
    const bytes = utf8(`${header}\n${rows.join('\n')}\n`);

    // Act
    const { expected, actual } = await both(bytes, { batchSize: 50 }, cutsOf(bytes.length, [4093]));

    // Assess
    expect(actual.batches.map((b) => b.rows.length)).toEqual([50, 10]);
    expect(actual).toEqual(expected);
  });

  it('shares the bytes of a batch and decodes a cell only when asked', async () => {
    // Prepare
    const csv = 'id,note\n1,"a ""b"""\n2,\n3,""\n';

    // Act
    const batches: ColumnBatch[] = [];
    for await (const b of readCsvColumns(chunksAt(utf8(csv), []), {})) batches.push(b);

    // Assess: one buffer behind both vectors; the flags say null, quoted and escaped
    expect(batches).toHaveLength(1);
    const [id, note] = batches[0]!.vectors;
    expect(id?.kind).toBe('text');
    expect(note?.kind).toBe('text');
    if (id?.kind !== 'text' || note?.kind !== 'text') return;
    expect(note.bytes).toBe(id.bytes);
    expect(Array.from(note.flags)).toEqual([6, 1, 4]);
    expect([0, 1, 2].map((r) => textCell(note, r))).toEqual(['a "b"', null, '']);
  });

  it('yields cells vectors through readCsv for a dialect character outside ASCII', async () => {
    const batches: ColumnBatch[] = [];
    for await (const b of readCsvColumns(chunksAt(utf8('a§b\n1§\n'), [2]), { delimiter: '§' }))
      batches.push(b);
    expect(batches.map(cellsOfBatch)).toEqual([{ columns: ['a', 'b'], firstRow: 1, rows: [['1', null]] }]);
    expect(batches[0]!.vectors[0]?.kind).toBe('cells');
  });

  it('yields what readCsv yields with reused buffers, each batch read before the next is asked for', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ bytes, options, sizes }) => {
        // Arrange
        const cuts = cutsOf(bytes.length, sizes);

        // Act: columnOutcome reads every cell of a batch before it asks for the next
        const expected = await rowOutcome(chunksAt(bytes, cuts), options);
        const actual = await columnOutcome(chunksAt(bytes, cuts), { ...options, reuseBatches: true });

        // Assert
        expect(actual).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads into its own buffer from a ByteReader as it reads the stream of the same chunks', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.boolean(), async ({ bytes, options, sizes }, reuseBatches) => {
        // Arrange
        const cuts = cutsOf(bytes.length, sizes);
        const state = { opened: 0, closed: 0 };

        // Act
        const expected = await columnOutcome(chunksAt(bytes, cuts), { ...options, reuseBatches });
        const actual = await columnOutcome(readerStream(bytes, cuts, state), { ...options, reuseBatches });

        // Assert: the same batches, cells and error; the reader closed on every way out
        expect(actual).toEqual(expected);
        expect(state.closed).toBe(state.opened);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a character split at a chunk end intact, wherever the chunk ends in a plain row', async () => {
    // Arrange: plain rows of multi-byte cells, quoted cells and a CR LF, cut at every byte, so a
    // chunk ends at each position inside a character (its bytes held back while the rows before
    // it are read) and at each field and line end
    const bytes = utf8('a,b\né,"x€"\r\n1,😀é\n"q",\n');
    for (let at = 1; at < bytes.length; at++) {
      // Act
      const expected = await rowOutcome(chunksAt(bytes, [at]), {});
      const actual = await columnOutcome(chunksAt(bytes, [at]), {});
      const read = await columnOutcome(readerStream(bytes, [at]), { reuseBatches: true });

      // Assert
      expect(actual).toEqual(expected);
      expect(read).toEqual(expected);
      expect(expected.batches[0]?.rows).toEqual([
        ['é', 'x€'],
        ['1', '😀é'],
        ['q', null],
      ]);
    }
  });

  it('closes its ByteReader when the consumer stops early', async () => {
    // Arrange
    const bytes = utf8(`a,b\n${Array.from({ length: 50 }, (_, i) => `${i},x`).join('\n')}\n`);
    const state = { opened: 0, closed: 0 };

    // Act
    let seen = 0;
    for await (const b of readCsvColumns(readerStream(bytes, cutsOf(bytes.length, [16]), state), {
      batchSize: 5,
    })) {
      seen += b.length;
      break;
    }

    // Assert
    expect(seen).toBe(5);
    expect(state).toEqual({ opened: 1, closed: 1 });
  });

  it('reads a large file through a ByteReader with reused batches as readCsv reads its chunks', async () => {
    // Arrange: about 500 KB of plain, quoted, escaped, multi-byte and blank rows, CR LF line ends,
    // read in reads of 64 KiB (more than one batch a read) and of 4093 bytes (a batch over reads)
    const rows = Array.from(
      { length: 12_345 },
      (_, i) =>
        `${i},"n ""${i}""",${'é'.repeat(i % 7)},${i % 5 === 0 ? '' : 'x'}${i % 997 === 0 ? '\r\n' : ''}`,
    );
    const bytes = utf8(`id,name,accent,flag\r\n${rows.join('\r\n')}\r\n`);
    const cuts = cutsOf(bytes.length, [65_536, 4093]);
    const options: CsvColumnReadOptions = { batchSize: 1000 };

    // Act
    const expected = await rowOutcome(chunksAt(bytes, cuts), options);
    const reused = await columnOutcome(readerStream(bytes, cuts), { ...options, reuseBatches: true });
    const kept = await columnOutcome(readerStream(bytes, cuts), options);

    // Assert
    expect(reused).toEqual(expected);
    expect(kept).toEqual(expected);
    expect(expected.batches).toHaveLength(13);
  });

  it('reuses its buffer and offset arrays across batches of a large file, with the same cells', async () => {
    // Arrange: about 500 KB (several 64 KiB buffers) of plain, quoted, escaped, multi-byte and
    // blank rows with CR LF line ends, in batches of a size that leaves a shorter last batch
    const rows = Array.from(
      { length: 12_345 },
      (_, i) =>
        `${i},"n ""${i}""",${'é'.repeat(i % 7)},${i % 5 === 0 ? '' : 'x'}${i % 997 === 0 ? '\r\n' : ''}`,
    );
    const bytes = utf8(`id,name,accent,flag\r\n${rows.join('\r\n')}\r\n`);
    const cuts = cutsOf(bytes.length, [4093, 65_537, 17]);
    const options: CsvColumnReadOptions = { batchSize: 1000 };

    // Act
    const expected = await rowOutcome(chunksAt(bytes, cuts), options);
    const buffers = new Set<unknown>();
    const offsets = new Set<unknown>();
    const actual = await columnOutcome(chunksAt(bytes, cuts), { ...options, reuseBatches: true }, (b) => {
      const v = b.vectors[0];
      if (v?.kind !== 'text') throw new Error('a text vector was expected');
      buffers.add(v.bytes);
      offsets.add(v.start);
    });

    // Assert: the same batches; the 13 batches shared buffers and offset arrays (a new one is
    // made only while as many batches as one chunk completes are handed on, and the last batch's
    // offsets are views of shorter length)
    expect(actual).toEqual(expected);
    expect(actual.batches.map((b) => b.rows.length)).toEqual([
      ...Array.from({ length: 12 }, () => 1000),
      345,
    ]);
    expect(buffers.size).toBeLessThan(4);
    expect(offsets.size).toBeLessThan(6);
  });

  it('reads a file larger than its buffer, in batches that keep their bytes after the next ones', async () => {
    // Prepare: about 300 KB in 1000-row batches, read in odd chunks
    const rows = Array.from(
      { length: 9000 },
      (_, i) => `${i},"n ""${i}""",${'é'.repeat(i % 7)},${i % 5 === 0 ? '' : 'x'}`,
    );
    const bytes = utf8(`id,name,accent,flag\n${rows.join('\r\n')}\n`);

    // Act
    const batches: ColumnBatch[] = [];
    for await (const b of readCsvColumns(chunksAt(bytes, cutsOf(bytes.length, [4093, 65537])), {
      batchSize: 1000,
    }))
      batches.push(b);

    // Assess: every cell of every batch, read after all batches were yielded
    expect(batches.map((b) => [b.firstRow, b.length])).toEqual(
      Array.from({ length: 9 }, (_, k) => [k * 1000 + 1, 1000]),
    );
    const cells = batches.flatMap((b) => cellsOfBatch(b).rows);
    expect(cells).toEqual(
      rows.map((_, i) => [
        String(i),
        `n "${i}"`,
        i % 7 === 0 ? null : 'é'.repeat(i % 7),
        i % 5 === 0 ? null : 'x',
      ]),
    );
  });
});
