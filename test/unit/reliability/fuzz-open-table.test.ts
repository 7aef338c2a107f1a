/**
 * Fuzzing the entry points that take any object: gzip inflation (gunzipLimited), format detection
 * (inspectSource, which runs detectFormat on the head and on its inflated head) and openTable,
 * which detects, inflates and dispatches to every reader. Inputs: random bytes, valid files of every
 * format (and gzip-wrapped text files) with mutations, and generated near-valid gzip (random
 * header flags, corrupt deflate data, wrong trailers, mutated data inside a valid gzip frame).
 */
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import type { DataFormat } from '../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../lambdas/core/errors';
import { bufferSource } from '../../../lambdas/core/formats/byte-io';
import { gunzipLimited } from '../../../lambdas/core/formats/gzip-stream';
import { inspectSource, openTable } from '../../../lambdas/core/formats/open-table';
import { recordFigures } from '../../fixtures/reliability-report';
import {
  FUZZ_TEST_TIMEOUT_MS,
  fuzz,
  fuzzPreamble,
  showBytes,
  tallyTable,
  type FuzzTally,
} from './fuzz-harness';
import { BINARY_TOKENS, CSV_TOKENS, JSON_TOKENS, seedsOf } from './fuzz-seeds';
import { byteCases, chunksOf, concat, drain, mutatedSeed, mutate, type ByteCase } from './mutations';

const FORMATS: readonly DataFormat[] = ['csv', 'jsonl', 'json', 'parquet', 'arrow'];
const NAMES = [
  'out.csv',
  'out.tsv',
  'out.csv.gz',
  'out.jsonl',
  'out.ndjson.gz',
  'out.json',
  'out.parquet',
  'out.arrow',
  'out.feather',
  'part-00000',
  'out.bin',
  'dir.csv/part',
  '.gz',
];
const TOKENS = [...CSV_TOKENS, ...JSON_TOKENS, ...BINARY_TOKENS];

/** A gzip member by hand: header with random flags and optional fields, the deflate data, a trailer. */
const gzipFrame = fc
  .record({
    flags: fc.integer({ min: 0, max: 255 }),
    method: fc.constantFrom(8, 8, 8, 0, 7),
    extra: fc.uint8Array({ maxLength: 12 }),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 128 }),
      fc.string({ maxLength: 64 }).map((s) => new Uint8Array(gzipSync(s)).subarray(10)),
    ),
    trailer: fc.uint8Array({ minLength: 0, maxLength: 8 }),
  })
  .map(({ flags, method, extra, data, trailer }) =>
    concat(Uint8Array.of(0x1f, 0x8b, method, flags, 0, 0, 0, 0, 0, 3), extra, data, trailer),
  );

let seeds: Uint8Array[] = [];
let textSeeds: Uint8Array[] = [];
let gzipSeeds: Uint8Array[] = [];
const tallies: FuzzTally[] = [];

beforeAll(async () => {
  const byFormat = await Promise.all(FORMATS.map((f) => seedsOf(f)));
  textSeeds = byFormat.slice(0, 3).flat();
  gzipSeeds = textSeeds.map((s, k) => new Uint8Array(gzipSync(s, { level: (k % 9) + 1 })));
  seeds = [...byFormat.flat(), ...gzipSeeds];
});

/** Valid gzip around a mutated text file: the inflated bytes reach the readers. */
function gzippedMutation(): fc.Arbitrary<Uint8Array> {
  return mutatedSeed(textSeeds, TOKENS).map(
    ({ seed, mutations }) => new Uint8Array(gzipSync(mutate(textSeeds[seed]!, mutations, textSeeds))),
  );
}

async function drainBytes(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of chunks) total += chunk.byteLength;
  return total;
}

interface GzipCase extends ByteCase {
  readonly maxBytes: number | undefined;
}

interface InspectCase extends ByteCase {
  readonly name: string;
}

interface OpenCase extends ByteCase {
  readonly name: string;
  readonly format: DataFormat | undefined;
  readonly formatHint: DataFormat | undefined;
  readonly delimiter: string;
  readonly header: boolean;
  readonly batchSize: number;
  readonly maxFieldLength: number | undefined;
  readonly maxDecompressedBytes: number | undefined;
}

const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

describe('fuzzing gzip, format detection and openTable', () => {
  it(
    'gunzipLimited: inflates every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz<GzipCase>({
        reader: 'gzip (gunzipLimited)',
        arbitrary: fc
          .tuple(
            byteCases({
              seeds: gzipSeeds,
              tokens: BINARY_TOKENS,
              random: fc.oneof(
                fc.uint8Array({ maxLength: 256 }),
                fc.uint8Array({ maxLength: 256 }).map((b) => concat(Uint8Array.of(0x1f, 0x8b, 8), b)),
              ),
              generated: fc.oneof(gzipFrame, gzippedMutation()),
            }),
            sometimes(fc.integer({ min: 0, max: 512 })),
          )
          .map(([c, maxBytes]) => ({ ...c, maxBytes })),
        run: (c) => drainBytes(gunzipLimited(chunksOf(c.bytes, c.chunkSize), c.maxBytes)),
        bytesOf: (c) => c.bytes,
        show: (c) => `${showBytes(c.bytes)}; chunks of ${c.chunkSize}, maxBytes ${c.maxBytes}`,
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed.get('FormatError') ?? 0).toBeGreaterThan(0);
      tallies.push(tally);
    },
  );

  it(
    'inspectSource and detectFormat: tell something of every input and never throw',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz<InspectCase>({
        reader: 'format detection (inspectSource, detectFormat)',
        arbitrary: fc
          .tuple(
            byteCases({
              seeds,
              tokens: TOKENS,
              random: fc.uint8Array({ maxLength: 256 }),
              generated: fc.oneof(gzipFrame, gzippedMutation()),
            }),
            fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })),
          )
          .map(([c, name]) => ({ ...c, name })),
        run: async (c) => {
          const detection = await inspectSource(bufferSource(c.bytes, c.name, c.chunkSize));
          // Detection is total: a typed error here would be as wrong as a crash.
          if (detection.size !== c.bytes.byteLength) throw new Error(`size ${detection.size} is wrong`);
        },
        bytesOf: (c) => c.bytes,
        show: (c) => `${showBytes(c.bytes)}; name ${JSON.stringify(c.name)}`,
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBe(tally.cases);
      tallies.push(tally);
    },
  );

  it(
    'openTable: reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz<OpenCase>({
        reader: 'openTable (detection, gzip, every reader)',
        arbitrary: fc
          .tuple(
            byteCases({
              seeds,
              tokens: TOKENS,
              random: fc.uint8Array({ maxLength: 256 }),
              generated: fc.oneof(gzipFrame, gzippedMutation()),
              anchors: ['start', 'end'],
            }),
            fc.record({
              name: fc.constantFrom(...NAMES),
              format: sometimes(fc.constantFrom(...FORMATS)),
              formatHint: sometimes(fc.constantFrom(...FORMATS)),
              delimiter: fc.constantFrom(',', ';', '\t', '|'),
              header: fc.boolean(),
              batchSize: fc.constantFrom(1, 3, 10_000),
              maxFieldLength: sometimes(fc.integer({ min: 0, max: 64 })),
              maxDecompressedBytes: sometimes(fc.integer({ min: 0, max: 4096 })),
            }),
          )
          .map(([c, o]) => ({ ...c, ...o })),
        run: async (c) => {
          const opened = await openTable(bufferSource(c.bytes, c.name, c.chunkSize), {
            batchSize: c.batchSize,
            csv: { delimiter: c.delimiter, header: c.header },
            columns: ['id', 'label', 'amount', 'seen_at'],
            ...(c.format ? { format: c.format } : {}),
            ...(c.formatHint ? { formatHint: c.formatHint } : {}),
            ...(c.maxFieldLength !== undefined ? { maxFieldLength: c.maxFieldLength } : {}),
            ...(c.maxDecompressedBytes !== undefined ? { maxDecompressedBytes: c.maxDecompressedBytes } : {}),
          });
          await drain(opened.batches);
        },
        bytesOf: (c) => c.bytes,
        show: (c) => {
          const { bytes, family: _f, ...options } = c;
          return `${showBytes(bytes)}; ${JSON.stringify(options)}`;
        },
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed.get(FormatError.name) ?? 0).toBeGreaterThan(0);
      tallies.push(tally);
    },
  );

  it('records the figures of the three entry points', () => {
    // Assess: every property held (a failed one pushed no tally), so the figures are worth recording.
    expect(tallies).toHaveLength(3);
    recordFigures({
      id: 'fuzzing-open-table',
      title: 'Fuzzing: gzip, format detection and openTable',
      body: `${fuzzPreamble('Random bytes, valid files of every format and gzip-wrapped text files with random mutations, hand-made gzip members (random header flags and methods, corrupt deflate data, wrong trailers) and valid gzip around mutated text, with random object names, formats, format hints, CSV dialects, limits and chunk boundaries; format detection must never throw at all;')}\n\n${tallyTable(tallies)}`,
    });
  });
});
