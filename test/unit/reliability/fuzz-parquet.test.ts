/**
 * Fuzzing the Parquet reader: random bytes, random bytes framed as Parquet ('PAR1', a footer
 * length that fits, 'PAR1'), and valid files (several codecs, several row groups) with mutations
 * aimed at the whole file and at the footer (its thrift fields and its length), read with random
 * batch sizes, limits and column selections.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { bufferSource } from '../../../lambdas/core/formats/byte-io';
import { readParquet } from '../../../lambdas/core/formats/parquet-reader';
import { recordFigures } from '../../fixtures/reliability-report';
import { FUZZ_TEST_TIMEOUT_MS, fuzz, fuzzPreamble, showBytes, tallyTable } from './fuzz-harness';
import { binaryByteCases, columnsArbitrary, maxFieldLengthArbitrary } from './binary-reader-cases';
import { BINARY_TOKENS, parquetSeeds } from './fuzz-seeds';
import { bytesOf, concat, drain, type ByteCase, type RegionOf } from './mutations';

interface ParquetCase extends ByteCase {
  readonly batchSize: number;
  readonly maxRowGroupBytes: number | undefined;
  readonly maxFieldLength: number | undefined;
  readonly columns: readonly string[] | undefined;
}

/** The footer: its thrift metadata, length and closing magic (the whole file when the length is off). */
const footerOf: RegionOf = (bytes) => {
  if (bytes.byteLength < 12) return [0, bytes.byteLength];
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.byteLength - 8, true);
  const start = bytes.byteLength - 8 - length;
  return start >= 4 ? [start, bytes.byteLength] : [0, bytes.byteLength];
};

const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  return out;
};

/** Thrift compact bytes: field headers, varints and lengths, at random. */
const thriftish = fc.array(
  fc.oneof(fc.constantFrom(...BINARY_TOKENS.slice(4)), fc.uint8Array({ maxLength: 8 })),
  { maxLength: 24 },
);

/** 'PAR1', a random body, a random footer, a footer length (mostly right) and 'PAR1'. */
const framed = fc
  .tuple(fc.uint8Array({ maxLength: 128 }), thriftish, fc.option(fc.nat(), { freq: 3, nil: undefined }))
  .map(([body, parts, length]) => {
    const footer = concat(...parts);
    return concat(bytesOf('PAR1'), body, footer, u32(length ?? footer.byteLength), bytesOf('PAR1'));
  });

let seeds: Uint8Array[] = [];

beforeAll(async () => {
  seeds = await parquetSeeds();
});

function parquetCases(): fc.Arbitrary<ParquetCase> {
  const options = fc.record({
    batchSize: fc.constantFrom(1, 2, 3, 10_000),
    maxRowGroupBytes: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 4096 }) },
    ),
    maxFieldLength: maxFieldLengthArbitrary,
    columns: columnsArbitrary,
  });
  return fc.tuple(binaryByteCases(seeds, framed, footerOf), options).map(([c, o]) => ({ ...c, ...o }));
}

describe('fuzzing the Parquet reader', () => {
  it(
    'reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz({
        reader: 'Parquet (readParquet)',
        arbitrary: parquetCases(),
        run: (c) =>
          drain(
            readParquet(bufferSource(c.bytes, 'fuzz.parquet', c.chunkSize), {
              batchSize: c.batchSize,
              ...(c.maxRowGroupBytes !== undefined ? { maxRowGroupBytes: c.maxRowGroupBytes } : {}),
              ...(c.maxFieldLength !== undefined ? { maxFieldLength: c.maxFieldLength } : {}),
              ...(c.columns ? { columns: c.columns } : {}),
            }),
          ),
        bytesOf: (c) => c.bytes,
        show: (c) =>
          `${showBytes(c.bytes)}; batchSize ${c.batchSize}, maxRowGroupBytes ${c.maxRowGroupBytes}, ` +
          `maxFieldLength ${c.maxFieldLength}, columns ${c.columns?.join(',')}`,
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed.get('FormatError') ?? 0).toBeGreaterThan(0);
      recordFigures({
        id: 'fuzzing-parquet',
        title: 'Fuzzing: Parquet reader',
        body: `${fuzzPreamble('Random bytes, random bytes framed as Parquet (PAR1, a random thrift footer, a footer length, PAR1), and valid files (four codecs, several row groups) with random mutations, half of them aimed at the footer (thrift fields, footer length), read with random batch sizes, limits and column selections;')}\n\n${tallyTable([tally])}`,
      });
    },
  );
});
