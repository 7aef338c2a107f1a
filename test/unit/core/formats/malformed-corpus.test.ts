/**
 * Every file of the malformed corpus (test/fixtures/malformed, remade by make-corpus.ts) read
 * through openTable: each must end in a FormatError that says what is wrong and where (line,
 * byte offset, or row group / record batch), never a crash, a hang or another error class. The
 * few valid edge cases (a header-only CSV, a NUL inside a field) must read without error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable, type OpenTableOptions } from '../../../../lambdas/core/formats/open-table';
import { rowsOf } from '../../../fixtures/format-io';

const DIR = join(import.meta.dirname, '../../../fixtures/malformed');

/** Chunk size the corpus is streamed in: small, so limits and chunk boundaries take part. */
const CHUNK = 64;

/** An exact byte offset; or, where a reader is only that precise, a [min, max] range or anywhere in the file. */
type ByteOffset = number | readonly [number, number] | 'in-file';

type Location = { readonly line: number } | { readonly byteOffset: ByteOffset };

interface Failure {
  readonly file: string;
  readonly options?: OpenTableOptions;
  /** A fragment the message must contain. */
  readonly message: string;
  /** Where the error points; a [min, max] byte range where the reader is only that precise. */
  readonly location?: Location;
  /** For typed formats: the part of the file named in the message (row group, record batch). */
  readonly mentions?: RegExp;
}

interface Success {
  readonly file: string;
  readonly options?: OpenTableOptions;
  readonly rows: number;
}

const FAILURES: readonly Failure[] = [
  // CSV
  {
    file: 'csv-ragged-short-row.csv',
    message: 'CSV row has 2 fields; the header has 3',
    location: { line: 3 },
  },
  {
    file: 'csv-ragged-long-row.csv',
    message: 'CSV row has 3 fields; the header has 2',
    location: { line: 4 },
  },
  { file: 'csv-unterminated-quote.csv', message: 'unterminated quote', location: { line: 3 } },
  {
    file: 'csv-quote-inside-unquoted-field.csv',
    message: 'CSV quote inside an unquoted field',
    location: { line: 2 },
  },
  {
    file: 'csv-text-after-closing-quote.csv',
    message: 'CSV text after a closing quote',
    location: { line: 2 },
  },
  {
    file: 'csv-utf8-lone-continuation-byte.csv',
    message: 'CSV is not valid UTF-8',
    location: { byteOffset: 7 },
  },
  { file: 'csv-utf8-overlong-slash.csv', message: 'CSV is not valid UTF-8', location: { byteOffset: 7 } },
  { file: 'csv-utf8-encoded-surrogate.csv', message: 'CSV is not valid UTF-8', location: { byteOffset: 7 } },
  // The incomplete character starts at byte 7; the reader names the end of the input (reported).
  {
    file: 'csv-utf8-truncated-at-eof.csv',
    message: 'CSV ends inside a UTF-8 character',
    location: { byteOffset: [7, 9] },
  },
  { file: 'csv-empty.csv', message: 'csv-empty.csv is empty (0 bytes)', location: { byteOffset: 0 } },
  { file: 'csv-duplicate-header.csv', message: "CSV header names column 'id' twice", location: { line: 1 } },
  { file: 'csv-bom-only.csv', message: 'CSV is empty: no header row', location: { byteOffset: 0 } },
  { file: 'csv-blank-header.csv', message: 'CSV header row is empty', location: { line: 1 } },
  { file: 'csv-nul-bytes.csv', message: 'CSV row has 1 fields; the header has 2', location: { line: 2 } },
  {
    file: 'csv-field-over-limit.csv',
    options: { maxFieldLength: 100 },
    message: 'CSV field longer than 100 characters',
    location: { line: 2 },
  },
  {
    file: 'csv-runaway-quoted-field.csv',
    options: { maxFieldLength: 100 },
    message: 'CSV field longer than 100 characters',
    location: { line: 2 },
  },
  {
    file: 'csv-actually-parquet.csv',
    options: { format: 'csv' },
    message: 'csv-actually-parquet.csv is parquet (by its magic bytes), not csv',
    location: { byteOffset: 0 },
  },
  // gzip
  {
    file: 'gzip-truncated.csv.gz',
    message: 'gzip input is corrupt or truncated: unexpected end of file',
    location: { byteOffset: [0, 86] },
  },
  {
    file: 'gzip-header-only.csv.gz',
    message: 'gzip input is corrupt or truncated: unexpected end of file',
    location: { byteOffset: [0, 10] },
  },
  { file: 'gzip-corrupted-crc.csv.gz', message: 'gzip input is corrupt or truncated: incorrect data check' },
  {
    file: 'gzip-corrupted-length.csv.gz',
    message: 'gzip input is corrupt or truncated: incorrect length check',
  },
  {
    file: 'gzip-bomb.csv.gz',
    options: { maxDecompressedBytes: 1024 * 1024 },
    message: 'decompresses past the 1048576-byte limit (a decompression bomb?)',
    location: { byteOffset: [1024 * 1024 + 1, 8 * 1024 * 1024] },
  },
  { file: 'gzip-of-garbage.csv.gz', message: 'CSV is not valid UTF-8', location: { byteOffset: 0 } },
  {
    file: 'gzip-garbage-after-magic.jsonl.gz',
    message: 'gzip input is corrupt or truncated: unknown compression method',
  },
  // JSON Lines
  { file: 'jsonl-bad-line-3.jsonl', message: 'JSON Lines record is not valid JSON', location: { line: 3 } },
  {
    file: 'jsonl-array-line.jsonl',
    message: 'expected a JSON object per record, found an array',
    location: { line: 2 },
  },
  {
    file: 'jsonl-scalar-line.jsonl',
    message: 'expected a JSON object per record, found number',
    location: { line: 3 },
  },
  {
    file: 'jsonl-truncated-last-line.jsonl',
    message: 'JSON Lines record is not valid JSON',
    location: { line: 3 },
  },
  // The bad byte is byte 7; the reader names the start of the chunk holding it (reported).
  {
    file: 'jsonl-invalid-utf8.jsonl',
    message: 'JSON Lines input is not valid UTF-8',
    location: { byteOffset: [0, 7] },
  },
  { file: 'jsonl-empty.jsonl', message: 'jsonl-empty.jsonl is empty (0 bytes)', location: { byteOffset: 0 } },
  {
    file: 'jsonl-deeply-nested.jsonl',
    options: { format: 'jsonl' },
    message: 'JSON Lines record is not valid JSON',
    location: { line: 1 },
  },
  // The limit holds here because the file arrives in 64-byte chunks; a complete line inside one
  // chunk is not checked against it (reported).
  {
    file: 'jsonl-line-over-limit.jsonl',
    options: { maxRecordLength: 100 },
    message: 'JSON Lines record longer than 100 characters',
    location: { line: 1 },
  },
  // JSON array
  {
    file: 'json-unclosed-array.json.txt',
    options: { format: 'json' },
    message: 'JSON array is not closed',
    location: { byteOffset: 16 },
  },
  {
    file: 'json-scalar-in-array.json.txt',
    options: { format: 'json' },
    message: 'expected a JSON object per record, found number',
    // A record is located at its first byte.
    location: { byteOffset: 1 },
  },
  {
    file: 'json-string-among-objects.json.txt',
    options: { format: 'json' },
    message: 'expected a JSON object per record, found string',
    location: { byteOffset: 10 },
  },
  {
    file: 'json-trailing-garbage.json.txt',
    options: { format: 'json' },
    message: "unexpected 't' after the end of the JSON array",
    location: { byteOffset: 10 },
  },
  {
    file: 'json-missing-comma.json.txt',
    options: { format: 'json' },
    message: "expected ',' or ']' after an array element, found '{'",
    location: { byteOffset: 8 },
  },
  {
    file: 'json-invalid-element.json.txt',
    options: { format: 'json' },
    message: 'JSON array element is not valid JSON',
    location: { byteOffset: 9 },
  },
  {
    file: 'json-deeply-nested.json.txt',
    options: { format: 'json' },
    message: 'JSON array is not closed',
    location: { byteOffset: 100_000 },
  },
  {
    file: 'json-bom-only.json.txt',
    options: { format: 'json' },
    message: 'JSON input is empty',
    location: { byteOffset: 0 },
  },
  // Parquet
  {
    file: 'parquet-wrong-magic.parquet',
    message: 'parquet-wrong-magic.parquet: ',
    mentions: /Parquet/,
    location: { byteOffset: 0 },
  },
  {
    file: 'parquet-par1-only.parquet',
    message: 'parquet-par1-only.parquet: ',
    mentions: /Parquet/,
    location: { byteOffset: 0 },
  },
  {
    file: 'parquet-truncated-footer.parquet',
    message: 'parquet-truncated-footer.parquet: ',
    mentions: /PAR1|truncated/,
    location: { byteOffset: 'in-file' },
  },
  {
    file: 'parquet-last-100-bytes-cut.parquet',
    message: 'parquet-last-100-bytes-cut.parquet: ',
    mentions: /PAR1|truncated/,
    location: { byteOffset: 'in-file' },
  },
  {
    file: 'parquet-metadata-length-too-big.parquet',
    message: 'parquet-metadata-length-too-big.parquet: ',
    mentions: /footer/i,
    location: { byteOffset: 'in-file' },
  },
  {
    file: 'parquet-metadata-length-zero.parquet',
    message: 'parquet-metadata-length-zero.parquet: ',
    mentions: /footer/i,
    location: { byteOffset: 'in-file' },
  },
  {
    file: 'parquet-random-bytes.parquet',
    message: 'parquet-random-bytes.parquet: ',
    mentions: /Parquet/,
    location: { byteOffset: 0 },
  },
  {
    file: 'parquet-corrupt-first-page.parquet',
    message: 'parquet-corrupt-first-page.parquet: ',
    location: { byteOffset: 'in-file' },
    mentions: /row group 0/,
  },
  // Arrow
  { file: 'arrow-garbage.arrow', message: 'arrow-garbage.arrow: ', mentions: /Arrow/ },
  { file: 'arrow-truncated.arrow', message: 'arrow-truncated.arrow: ', mentions: /record batch 0/ },
  { file: 'arrow-magic-only.arrow', message: 'arrow-magic-only.arrow: ', mentions: /Arrow/ },
  // No format
  {
    file: 'unknown-format.bin',
    message: 'cannot tell the format of unknown-format.bin',
    location: { byteOffset: 0 },
  },
];

const SUCCESSES: readonly Success[] = [
  { file: 'csv-header-only.csv', rows: 0 },
  { file: 'csv-nul-in-field.csv', rows: 1 },
];

/** What a test can compare: the line, or whether the byte offset is where the case says. */
function byteRange(location: { readonly byteOffset: ByteOffset }, file: string): [number, number] {
  const b = location.byteOffset;
  if (b === 'in-file') return [0, statSync(join(DIR, file)).size];
  return typeof b === 'number' ? [b, b] : [b[0], b[1]];
}

/** What a test can compare: the line, or whether the byte offset is where the case says. */
function expected(location: Location | undefined, file: string): Record<string, unknown> {
  if (!location) return {};
  if ('line' in location) return { line: location.line };
  const [min, max] = byteRange(location, file);
  return { byteOffset: min === max ? min : `within [${min}, ${max}]` };
}

function observed(
  where: FormatError['location'],
  location: Location | undefined,
  file: string,
): Record<string, unknown> {
  if (!location) return {};
  if ('line' in location)
    return {
      line: where?.line,
      ...(where?.byteOffset !== undefined ? { byteOffset: where.byteOffset } : {}),
    };
  const [min, max] = byteRange(location, file);
  const at = where?.byteOffset;
  const inside = at !== undefined && at >= min && at <= max;
  return { byteOffset: min === max || !inside ? at : `within [${min}, ${max}]` };
}

async function readCorpusFile(file: string, options: OpenTableOptions = {}, chunk = CHUNK) {
  const bytes = readFileSync(join(DIR, file));
  const opened = await openTable(bufferSource(bytes, file, chunk), options);
  return rowsOf(opened.batches);
}

async function failureOf(file: string, options?: OpenTableOptions, chunk?: number): Promise<unknown> {
  try {
    await readCorpusFile(file, options, chunk);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('malformed corpus', () => {
  it('lists every corpus file in the table, and only those', () => {
    // Prepare
    const files = readdirSync(DIR).filter((f) => f !== 'make-corpus.ts');

    // Act
    const listed = [...FAILURES, ...SUCCESSES].map((c) => c.file);

    // Assess
    expect(listed.sort()).toEqual(files.sort());
    expect(new Set(listed).size).toBe(listed.length);
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(FAILURES)(
    'rejects $file with a FormatError',
    { timeout: 10_000 },
    async ({ file, options, message, location, mentions }) => {
      // Prepare: the corpus file and the limits of its case

      // Act
      const error = await failureOf(file, options);

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      const { message: text, location: where } = error as FormatError;
      expect(text).toContain(message);
      expect(text).toMatch(mentions ?? /./);
      expect(observed(where, location, file)).toEqual(expected(location, file));
    },
  );

  it.each(SUCCESSES)('reads $file without error', async ({ file, options, rows }) => {
    // Prepare: the corpus file

    // Act
    const read = await readCorpusFile(file, options);

    // Assess
    expect(read).toHaveLength(rows);
  });

  it('keeps the NUL inside a CSV field as text', async () => {
    // Prepare
    const file = 'csv-nul-in-field.csv';

    // Act
    const rows = await readCorpusFile(file);

    // Assess
    expect(rows).toEqual([['1', 'x\u0000y']]);
  });

  it.each([1, 7, 64 * 1024])(
    'ends every corpus file in rows or a FormatError when streamed in %d-byte chunks, never another error',
    { timeout: 30_000 },
    async (chunk) => {
      // Prepare
      const cases = [...FAILURES, ...SUCCESSES];

      // Act
      const outcomes = await Promise.all(
        cases.map(async ({ file, options }) => {
          const error = await failureOf(file, options, chunk);
          return {
            file,
            outcome:
              error === undefined || error instanceof FormatError
                ? 'ok'
                : error instanceof Error
                  ? `${error.name}: ${error.message}`
                  : typeof error,
          };
        }),
      );

      // Assess
      expect(outcomes.filter((o) => o.outcome !== 'ok')).toEqual([]);
    },
  );
});
