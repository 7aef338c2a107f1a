/**
 * Fuzzing the CSV reader: random bytes, valid CSV files (three dialects) with mutations, and
 * generated near-valid CSV (quotes, delimiters, line ends and invalid UTF-8 at random), read with
 * random dialects, batch sizes, field limits and chunk boundaries.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { readCsv } from '../../../lambdas/core/formats/csv-reader';
import { recordFigures } from '../../fixtures/reliability-report';
import {
  FUZZ_TEST_TIMEOUT_MS,
  fuzz,
  fuzzPreamble,
  showBytes,
  tallyTable,
  type FuzzCase,
} from './fuzz-harness';
import { CSV_TOKENS, csvSeeds, type CsvSeed } from './fuzz-seeds';
import { bytesOf, chunkSizeArbitrary, chunksOf, concat, drain, mutatedSeed, mutate } from './mutations';

interface CsvCase extends FuzzCase {
  readonly bytes: Uint8Array;
  readonly chunkSize: number;
  readonly delimiter: string;
  readonly header: boolean;
  readonly columns: readonly string[];
  readonly batchSize: number;
  readonly maxFieldLength: number | undefined;
}

interface Dialect {
  readonly delimiter: string;
  readonly header: boolean;
  readonly columns: readonly string[];
}

/** Pieces of near-valid CSV: fields, quoting in every state, separators and broken text. */
const PIECES = [
  'id',
  'name',
  '1',
  '',
  'alpha beta',
  '"quoted"',
  '"with ""escaped"" quote"',
  '"multi\nline"',
  '"unterminated',
  'a"b',
  '"x"y',
  ',',
  ';',
  '\t',
  '|',
  '\n',
  '\r\n',
  '\r',
  '"',
  '\uFEFF',
  '\u0000',
  'Zoë 🌍',
];

let seeds: CsvSeed[] = [];

beforeAll(async () => {
  seeds = await csvSeeds();
});

function csvCases(): fc.Arbitrary<CsvCase> {
  const options = fc.record({
    chunkSize: chunkSizeArbitrary,
    batchSize: fc.constantFrom(1, 2, 3, 10_000),
    maxFieldLength: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 }) },
    ),
  });
  // Contracts allow any single character as the delimiter.
  const anyDialect: fc.Arbitrary<Dialect> = fc.record({
    delimiter: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(',', ';', '\t', '|') },
      { weight: 1, arbitrary: fc.constantFrom('"', '\n', '\r', ' ', 'a', '\u0000', '\uD800', 'é') },
    ),
    header: fc.boolean(),
    columns: fc.constantFrom(['id', 'label', 'amount', 'seen_at'], ['only']),
  });
  const random = fc
    .tuple(fc.uint8Array({ maxLength: 512 }), anyDialect)
    .map(([bytes, dialect]) => ({ family: 'random bytes' as const, bytes, ...dialect }));
  const donors = seeds.map((s) => s.bytes);
  // Mostly read in the seed's own dialect, so mutations reach past the header.
  const mutated = fc
    .tuple(
      mutatedSeed(donors, CSV_TOKENS),
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyDialect }),
    )
    .map(([{ seed, mutations }, dialect]) => {
      const { bytes, ...own } = seeds[seed]!;
      return {
        family: 'mutated valid file' as const,
        bytes: mutate(bytes, mutations, donors),
        ...(dialect ?? own),
      };
    });
  const generated = fc
    .tuple(
      fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })), { maxLength: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...CSV_TOKENS)), { maxLength: 2 }),
    )
    .map(([pieces, raw]) => {
      let bytes = bytesOf(pieces.join(''));
      // Raw byte tokens (invalid UTF-8) cannot be JavaScript strings: spliced in as bytes.
      for (const [at, token] of raw) {
        const i = bytes.byteLength === 0 ? 0 : at % bytes.byteLength;
        bytes = concat(bytes.subarray(0, i), token, bytes.subarray(i));
      }
      return { family: 'generated near-valid' as const, bytes };
    })
    .chain((input) => anyDialect.map((dialect) => ({ ...input, ...dialect })));
  return fc
    .tuple(
      fc.oneof(
        { weight: 2, arbitrary: random },
        { weight: 4, arbitrary: mutated },
        { weight: 3, arbitrary: generated },
      ),
      options,
    )
    .map(([input, opts]) => ({ ...input, ...opts }));
}

describe('fuzzing the CSV reader', () => {
  it(
    'reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz({
        reader: 'CSV (readCsv)',
        arbitrary: csvCases(),
        run: (c) =>
          drain(
            readCsv(chunksOf(c.bytes, c.chunkSize), {
              delimiter: c.delimiter,
              header: c.header,
              columns: c.columns,
              batchSize: c.batchSize,
              ...(c.maxFieldLength !== undefined ? { maxFieldLength: c.maxFieldLength } : {}),
            }),
          ),
        bytesOf: (c) => c.bytes,
        show: (c) =>
          `${showBytes(c.bytes)}; delimiter ${JSON.stringify(c.delimiter)}, header ${c.header}, columns ` +
          `${c.columns.join(',')}, chunks of ` +
          `${c.chunkSize}, batchSize ${c.batchSize}, maxFieldLength ${c.maxFieldLength}`,
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed.get('FormatError') ?? 0).toBeGreaterThan(0);
      recordFigures({
        id: 'fuzzing-csv',
        title: 'Fuzzing: CSV reader',
        body: `${fuzzPreamble('Random bytes, valid CSV files in three dialects with random mutations, and generated near-valid CSV (quotes, delimiters, line ends, invalid UTF-8), read with random dialects, batch sizes, field limits and chunk boundaries;')}\n\n${tallyTable([tally])}`,
      });
    },
  );
});
