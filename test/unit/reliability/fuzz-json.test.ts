/**
 * Fuzzing the JSON Lines and JSON array readers: random bytes, valid files with mutations, and
 * generated near-valid JSON (deep nesting, unterminated strings, huge numbers, stray punctuation,
 * invalid UTF-8), read with random batch sizes, record limits and chunk boundaries. Beyond not
 * crashing, what a reader accepts must be JSON (JSON.parse agrees), since the readers parse their
 * own way around big integers.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { readJsonArray } from '../../../lambdas/core/formats/json-array-reader';
import { readJsonLines } from '../../../lambdas/core/formats/jsonl-reader';
import { recordFigures } from '../../fixtures/reliability-report';
import {
  FUZZ_TEST_TIMEOUT_MS,
  fuzz,
  fuzzPreamble,
  showBytes,
  tallyTable,
  type FuzzTally,
} from './fuzz-harness';
import { INVALID_UTF8, JSON_TOKENS, textSeeds } from './fuzz-seeds';
import { byteCases, bytesOf, chunksOf, concat, drain, type ByteCase } from './mutations';

interface JsonCase extends ByteCase {
  readonly batchSize: number;
  readonly maxRecordLength: number | undefined;
}

const hugeNumber = fc.oneof(
  fc.constantFrom('1e999999', '-1e-999999', '0.30000000000000004', '-0', '1E+400', '9007199254740993'),
  fc.bigInt({ min: -(10n ** 400n), max: 10n ** 400n }).map(String),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.nat(40)).map(([n, k]) => `${n}.${'0'.repeat(k)}1`),
);

/** A JSON value as text, sometimes with a huge number inside. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: hugeNumber },
);

const objectText = fc
  .array(
    fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '', 'a.b')), valueText),
    {
      maxLength: 5,
    },
  )
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** Text that breaks JSON in the ways real files do. */
const brokenText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => '['.repeat(n)),
  fc.string({ maxLength: 20 }).map((s) => `{"a":"${s}`),
  fc.string({ maxLength: 20 }).map((s) => `{"${s}`),
  objectText.map((o) => o.slice(0, -1)),
  fc.tuple(objectText, fc.nat()).map(([o, k]) => o.slice(0, k % (o.length + 1))),
  fc.constantFrom(
    '{"a":1}}',
    '{"a":1,}',
    '{a:1}',
    "{'a':1}",
    '{"a":01}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":"\\x"}',
  ),
  fc.constantFrom('{"a":"\\ud800"}', '{"a":NaN}', '{"a":Infinity}', 'null', '1', '"s"', '[]', '[{}]', '{}'),
  fc.constantFrom('{12345678901234567890:1}', '{"a":12345678901234567890}', '{"a":[1234567890123456789]}'),
);

const recordText = fc.oneof({ weight: 5, arbitrary: objectText }, { weight: 1, arbitrary: brokenText });

/** Splices raw bytes (invalid UTF-8 cannot be a JavaScript string) into the text. */
const withRawBytes = (text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)), { maxLength: 1 }))
    .map(([t, raw]) => {
      let bytes = bytesOf(t);
      for (const [at, token] of raw) {
        const i = bytes.byteLength === 0 ? 0 : at % bytes.byteLength;
        bytes = concat(bytes.subarray(0, i), token, bytes.subarray(i));
      }
      return bytes;
    });

const lineEnd = fc.constantFrom('\n', '\r\n', '\n\n', '\r');
const jsonLinesText = fc
  .array(fc.tuple(recordText, lineEnd), { maxLength: 8 })
  .chain((lines) =>
    fc.boolean().map((bom) => (bom ? '\uFEFF' : '') + lines.map(([record, end]) => record + end).join('')),
  );
const separator = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(',', ', ', ',\n') },
  { weight: 1, arbitrary: fc.constantFrom(',,', '', ' ') },
);
const jsonArrayText = fc
  .tuple(
    fc.array(fc.tuple(recordText, separator), { maxLength: 8 }),
    fc.constantFrom('[', ' [', '\uFEFF[', '', '{'),
  )
  .chain(([elements, open]) =>
    fc
      .oneof(
        { weight: 4, arbitrary: fc.constantFrom(']', ' ]\n') },
        { weight: 1, arbitrary: fc.constantFrom('', ']]', '] x') },
      )
      .map((close) => open + elements.map(([e, sep], k) => (k > 0 ? sep : '') + e).join('') + close),
  );

const options = fc.record({
  batchSize: fc.constantFrom(1, 2, 10_000),
  maxRecordLength: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 }) },
  ),
});

function cases(seeds: readonly Uint8Array[], generated: fc.Arbitrary<string>): fc.Arbitrary<JsonCase> {
  return fc
    .tuple(
      byteCases({
        seeds,
        tokens: JSON_TOKENS,
        random: fc.uint8Array({ maxLength: 512 }),
        generated: withRawBytes(generated),
      }),
      options,
    )
    .map(([c, o]) => ({ ...c, ...o }));
}

const show = (c: JsonCase): string =>
  `${showBytes(c.bytes)}; chunks of ${c.chunkSize}, batchSize ${c.batchSize}, maxRecordLength ${c.maxRecordLength}`;
const limits = (c: JsonCase) => ({
  batchSize: c.batchSize,
  ...(c.maxRecordLength !== undefined ? { maxRecordLength: c.maxRecordLength } : {}),
});

/** Fails the case (as an unhandled outcome) when the reader accepted text that is not JSON. */
function acceptedIsJson(text: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new Error(`the reader accepted text that is not JSON (${(error as Error).message})`);
  }
}

const tallies: FuzzTally[] = [];
let jsonlSeeds: Uint8Array[] = [];
let jsonSeeds: Uint8Array[] = [];

beforeAll(async () => {
  jsonlSeeds = await textSeeds('jsonl');
  jsonSeeds = await textSeeds('json');
});

describe('fuzzing the JSON readers', () => {
  it(
    'JSON Lines: reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz({
        reader: 'JSON Lines (readJsonLines)',
        arbitrary: cases(jsonlSeeds, jsonLinesText),
        run: async (c) => {
          await drain(readJsonLines(chunksOf(c.bytes, c.chunkSize), limits(c)));
          // What the reader accepts, JSON accepts: every non-blank line parses.
          const text = Buffer.from(c.bytes)
            .toString('utf8')
            .replace(/^\uFEFF/, '');
          for (const line of text.split('\n')) {
            const record = line.replace(/\r$/, '');
            if (record.trim() !== '') acceptedIsJson(record);
          }
        },
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

  it(
    'JSON array: reads every input to the end or rejects it with a typed error',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Act
      const tally = await fuzz({
        reader: 'JSON array (readJsonArray)',
        arbitrary: cases(jsonSeeds, jsonArrayText),
        run: async (c) => {
          await drain(readJsonArray(chunksOf(c.bytes, c.chunkSize), limits(c)));
          // What the reader accepts, JSON accepts.
          acceptedIsJson(
            Buffer.from(c.bytes)
              .toString('utf8')
              .replace(/^\uFEFF/, ''),
          );
        },
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

  it('records the figures of both readers', () => {
    // Assess: both properties held (a failed one pushed no tally), so the figures are worth recording.
    expect(tallies.map((t) => t.reader)).toEqual([
      'JSON Lines (readJsonLines)',
      'JSON array (readJsonArray)',
    ]);
    recordFigures({
      id: 'fuzzing-json',
      title: 'Fuzzing: JSON Lines and JSON array readers',
      body: `${fuzzPreamble('Random bytes, valid files with random mutations, and generated near-valid JSON (deep nesting, unterminated strings, huge numbers, stray punctuation, invalid UTF-8), read with random batch sizes, record limits and chunk boundaries;')} A case read OK also had to be JSON: every accepted line (JSON Lines) or document (JSON array) parses with JSON.parse.\n\n${tallyTable(tallies)}`,
    });
  });
});
