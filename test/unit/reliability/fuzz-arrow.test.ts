/**
 * Fuzzing the Arrow IPC reader, stream and file formats: random bytes, random bytes framed as IPC
 * (a continuation marker and a length, or 'ARROW1' at both ends with a footer length), and valid
 * files with mutations aimed at the whole file, at message metadata (the start) and at the file
 * footer, read with random batch sizes, limits, column selections and chunk boundaries.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { readArrow } from '../../../lambdas/core/formats/arrow-reader';
import { bufferSource } from '../../../lambdas/core/formats/byte-io';
import { recordFigures } from '../../fixtures/reliability-report';
import {
  FUZZ_TEST_TIMEOUT_MS,
  fuzz,
  fuzzPreamble,
  showBytes,
  tallyTable,
  type FuzzTally,
} from './fuzz-harness';
import { binaryByteCases, columnsArbitrary, maxFieldLengthArbitrary } from './binary-reader-cases';
import { arrowSeeds } from './fuzz-seeds';
import { bytesOf, concat, drain, type ByteCase, type RegionOf } from './mutations';

interface ArrowCase extends ByteCase {
  readonly batchSize: number;
  readonly maxFieldLength: number | undefined;
  readonly columns: readonly string[] | undefined;
}

const i32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n | 0, true);
  return out;
};

/** The file footer (flatbuffer, length, magic); for the stream format, the first message's metadata. */
const footerOf: RegionOf = (bytes) => {
  const n = bytes.byteLength;
  if (n >= 18 && Buffer.from(bytes.subarray(0, 6)).toString('latin1') === 'ARROW1') {
    const length = new DataView(bytes.buffer, bytes.byteOffset).getInt32(n - 10, true);
    const start = n - 10 - length;
    return start >= 8 ? [start, n] : [0, n];
  }
  return [0, Math.min(n, 512)];
};

/** A stream message prefix and random metadata, or a file with random body and footer. */
const framed = fc.oneof(
  fc
    .tuple(
      fc.uint8Array({ maxLength: 200 }),
      fc.option(fc.integer({ min: -2, max: 1 << 20 }), { nil: undefined }),
    )
    .map(([metadata, length]) => concat(i32(-1), i32(length ?? metadata.byteLength), metadata)),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 128 }),
      fc.uint8Array({ maxLength: 128 }),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([body, footer, length]) =>
      concat(bytesOf('ARROW1\0\0'), body, footer, i32(length ?? footer.byteLength), bytesOf('ARROW1')),
    ),
);

const options = fc.record({
  batchSize: fc.constantFrom(1, 2, 10_000),
  maxFieldLength: maxFieldLengthArbitrary,
  columns: columnsArbitrary,
});

function arrowCases(seeds: readonly Uint8Array[]): fc.Arbitrary<ArrowCase> {
  return fc.tuple(binaryByteCases(seeds, framed, footerOf), options).map(([c, o]) => ({ ...c, ...o }));
}

const read = (c: ArrowCase): Promise<number> =>
  drain(
    readArrow(bufferSource(c.bytes, 'fuzz.arrow', c.chunkSize), {
      batchSize: c.batchSize,
      ...(c.maxFieldLength !== undefined ? { maxFieldLength: c.maxFieldLength } : {}),
      ...(c.columns ? { columns: c.columns } : {}),
    }),
  );

const show = (c: ArrowCase): string =>
  `${showBytes(c.bytes)}; chunks of ${c.chunkSize}, batchSize ${c.batchSize}, maxFieldLength ` +
  `${c.maxFieldLength}, columns ${c.columns?.join(',')}`;

const tallies: FuzzTally[] = [];
let streamSeeds: Uint8Array[] = [];
let fileSeeds: Uint8Array[] = [];

beforeAll(async () => {
  streamSeeds = await arrowSeeds(false);
  fileSeeds = await arrowSeeds(true);
});

describe('fuzzing the Arrow IPC reader', () => {
  it.each([
    ['stream', 'Arrow IPC stream (readArrow)', () => streamSeeds],
    ['file', 'Arrow IPC file (readArrow)', () => fileSeeds],
  ] as const)(
    '%s format: reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async (_format, reader, seeds) => {
      // Act
      const tally = await fuzz({
        reader,
        arbitrary: arrowCases(seeds()),
        run: read,
        bytesOf: (c) => c.bytes,
        show,
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.typed.get('FormatError') ?? 0).toBeGreaterThan(0);
      tallies.push(tally);
    },
  );

  it('records the figures of both formats', () => {
    // Assess: both properties held (a failed one pushed no tally), so the figures are worth recording.
    expect(tallies.map((t) => t.reader)).toEqual([
      'Arrow IPC stream (readArrow)',
      'Arrow IPC file (readArrow)',
    ]);
    recordFigures({
      id: 'fuzzing-arrow',
      title: 'Fuzzing: Arrow IPC reader',
      body: `${fuzzPreamble('Random bytes, random bytes framed as Arrow IPC (a continuation marker and a metadata length; ARROW1 at both ends with a footer length), and valid streams and files with random mutations aimed at the whole input, at message metadata and at the file footer, read with random batch sizes, limits, column selections and chunk boundaries;')}\n\n${tallyTable(tallies)}`,
    });
  });
});
