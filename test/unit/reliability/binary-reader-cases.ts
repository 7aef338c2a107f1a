/**
 * The inputs the binary readers (Parquet, Arrow IPC) are fuzzed with, apart from each format's own
 * framing and footer: the three byte families with binary tokens, mutations anchored at the start,
 * the end and (twice as often) the format's footer region; and the reader options both take, a
 * field length limit now and then and, more rarely, a column selection (one of them missing).
 */
import fc from 'fast-check';
import { BINARY_TOKENS } from './fuzz-seeds';
import { byteCases, type ByteCase, type RegionOf } from './mutations';

/** Mostly no limit; one case in five a limit of 0 to 16 bytes. */
export const maxFieldLengthArbitrary: fc.Arbitrary<number | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }) },
);

/** Mostly every column; one case in seven a selection of the seeds' columns, or one they lack. */
export const columnsArbitrary: fc.Arbitrary<readonly string[] | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(['id'], ['label', 'id'], ['text', 'dec38'], ['missing']) },
);

/** `byteCases` for a binary format: `generated` is its framing, `regionOf` its footer. */
export function binaryByteCases(
  seeds: readonly Uint8Array[],
  generated: fc.Arbitrary<Uint8Array>,
  regionOf: RegionOf,
): fc.Arbitrary<ByteCase> {
  return byteCases({
    seeds,
    tokens: BINARY_TOKENS,
    random: fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.uint8Array({ maxLength: 16 })),
    generated,
    anchors: ['start', 'end', 'region', 'region'],
    regionOf,
  });
}
