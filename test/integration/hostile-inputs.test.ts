/**
 * Hostile and malformed inputs (issue 8): broken files, broken contracts and odd keys, each uploaded
 * through S3 into the embedded stack (or a deployed one, PRT_TEST_TARGET=stack). Every case must end
 * with the final registry status the table below expects, a typed error name or failed rule, and a
 * reason that names what is wrong, within its time bound and without the process growing past the
 * memory the validate function is given. The figures go to the 'hostile-inputs' section of
 * docs/reliability.md (npm run reliability-report).
 *
 * Expectations per family:
 * - a file that cannot be read as its format → `failed`, `FormatError`, the reason names the defect
 *   (line, byte offset, limit);
 * - a file that reads but breaks its contract → `failed` by the data, the failed rule(s) named;
 * - a contract that cannot be loaded → the outputs it would claim end `error` with `ContractError`
 *   naming the contract file and the defect (the data was never judged, so it is not `failed`);
 * - a key that is a legitimate S3 name (spaces, unicode, `..` that stays inside the bucket, percent
 *   signs) → tested like any other key: `passed` for good data, with the report beside it.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSink } from '../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../lambdas/core/formats/table-io';
import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { markdownTable, recordFigures } from '../fixtures/reliability-report';
import { startHarness, type Harness } from './embedded-stack-harness';

/** Error names the core throws on purpose; anything else reaching the registry is a crash. */
const TYPED_ERRORS = new Set([
  'ContractError',
  'FormatError',
  'IntegrityError',
  'TransientDependencyError',
  'ConfigurationError',
  'InvalidInputError',
]);

const MIB = 1024 * 1024;
/** The memory of the function that streams whole objects (validate, convert) in the dev config. */
const MEMORY_MB = (() => {
  const sizes = loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev').memorySizes;
  return Math.min(sizes.validate, sizes.convert);
})();

type Family = 'csv' | 'gzip' | 'parquet' | 'json' | 'jsonl' | 'empty' | 'large' | 'contract' | 'key';
type Status = 'passed' | 'warned' | 'failed' | 'error' | 'untracked';

interface Expected {
  readonly status: Status;
  /** The typed error name (processing errors) or one failed rule (validation failures); '-' for none. */
  readonly error: string;
  /** A fragment of the reason a person reads (case-insensitive). */
  readonly reason: string | RegExp;
}

interface HostileCase {
  readonly id: string;
  readonly family: Family;
  readonly what: string;
  /** The output the object lands under (default by family). */
  readonly output?: 'orders' | 'events' | 'documents' | 'features' | `broken/${string}`;
  /** The file name under the output's prefix; may contain odd characters. */
  readonly file?: string;
  /** The whole key below `pipelines/hostile/<run>/`, for key cases. */
  readonly keyTail?: string;
  /** A contract file (YAML or JSON) the case's dedicated output is claimed by. */
  readonly contract?: string;
  readonly body: () => string | Uint8Array;
  readonly expected: Expected;
  /** Upper bound from upload to final status. */
  readonly timeoutMs?: number;
}

interface Outcome {
  readonly id: string;
  readonly family: Family;
  readonly what: string;
  readonly expected: Expected;
  status: string;
  error: string;
  reason: string;
  /** The reason as the table shows it. */
  shown: string;
  durationMs: number;
  rssPeakMb: number;
  heapPeakMb: number;
  ok: boolean;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const CSV_HEADER = 'order_id,customer_id,amount,ordered_at';
const GOOD_CSV = `${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3.25,2026-11-01T01:00:00Z\n`;
const GOOD_JSONL =
  '{"event_id":"e-1","user_id":1,"kind":"click"}\n{"event_id":"e-2","user_id":2,"kind":"view"}\n';
const GOOD_JSON =
  '[{"event_id":"e-1","user_id":1,"kind":"click"},{"event_id":"e-2","user_id":2,"kind":"view"}]';

const bytes = (...parts: (string | number[] | Uint8Array)[]): Uint8Array =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p as Uint8Array))),
  );

const PARQUET_SCHEMA = [
  { name: 'order_id', type: 'string', nullable: false },
  { name: 'customer_id', type: 'int64', nullable: false },
  { name: 'amount', type: 'float64', nullable: true },
] as const;

let goodParquet: Uint8Array;
let parquetWithoutAmountOrCustomer: Uint8Array;

async function parquetOf(
  schema: readonly { name: string; type: string; nullable: boolean }[],
  rows: TypedRow[],
) {
  const sink = new BufferSink();
  const writer = createParquetWriter(sink, { schema: schema as never });
  await writer.write(rows);
  await writer.close();
  return sink.bytes();
}

/** The 4-byte little-endian footer length sits before the closing PAR1. */
function withFooterLength(file: Uint8Array, length: number): Uint8Array {
  const copy = Buffer.from(file);
  copy.writeUInt32LE(length >>> 0, copy.length - 8);
  return copy;
}

function footerLength(file: Uint8Array): number {
  return Buffer.from(file).readUInt32LE(file.length - 8);
}

/** Overwrites [from, to) with a byte pattern. */
function scribble(file: Uint8Array, from: number, to: number, value = 0xab): Uint8Array {
  const copy = Buffer.from(file);
  copy.fill(value, from, to);
  return copy;
}

/**
 * A gzip stream that inflates to `inflatedGib` GiB: members of `memberMib` MiB of one repeated line
 * each (a gzip file may hold many members; every reader inflates them all). Built once, in memory, in
 * well under a second, instead of deflating the gigabytes.
 */
function gzipBomb(line: string, inflatedGib: number, memberMib = 64, header = ''): Uint8Array {
  const unit = Buffer.from(line.repeat(Math.ceil((memberMib * MIB) / line.length)));
  const member = gzipSync(unit, { level: constants.Z_BEST_COMPRESSION });
  const count = Math.ceil((inflatedGib * 1024) / memberMib);
  const parts: Buffer[] = header ? [gzipSync(Buffer.from(header))] : [];
  for (let i = 0; i < count; i++) parts.push(member);
  return Buffer.concat(parts);
}

let hugeField: Buffer | undefined;
/** One CSV field of 100 MB, built once. */
function hundredMbField(): Uint8Array {
  hugeField ??= Buffer.concat([
    Buffer.from(`${CSV_HEADER}\no-1,1,10.5,`),
    Buffer.alloc(100 * 1000 * 1000, 'x'),
    Buffer.from('\n'),
  ]);
  return hugeField;
}

function nested(depth: number, open = '[', close = ']'): string {
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

/** A contract for one dedicated output of a broken-contract case, with `schema`/`quality` swapped in. */
function brokenContract(id: string, body: string): string {
  return `pipeline: hostile
step: broken
output: ${id}
path: pipelines/hostile/{run_id}/broken/${id}/
format: csv
${body}
`;
}

const ORDERS_SCHEMA = `schema:
  - { name: order_id, type: string, nullable: false }
  - { name: customer_id, type: int64, nullable: false }
  - { name: amount, type: float64 }
  - { name: ordered_at, type: timestamp, nullable: false }`;

const CONTRACTS: Record<string, string> = {
  'hostile-orders.yaml': `pipeline: hostile
step: ingest
output: orders
path: pipelines/hostile/{run_id}/orders/
format: csv
convert_to: parquet
${ORDERS_SCHEMA}
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 1 }
`,
  'hostile-events.yaml': `pipeline: hostile
step: ingest
output: events
path: pipelines/hostile/{run_id}/events/
format: jsonl
schema:
  - { name: event_id, type: string, nullable: false }
  - { name: user_id, type: int64, nullable: false }
  - { name: kind, type: string, allowed: [click, view] }
`,
  'hostile-documents.yaml': `pipeline: hostile
step: ingest
output: documents
path: pipelines/hostile/{run_id}/documents/
format: json
schema:
  - { name: event_id, type: string, nullable: false }
  - { name: user_id, type: int64, nullable: false }
  - { name: kind, type: string, allowed: [click, view] }
`,
  'hostile-features.yaml': `pipeline: hostile
step: ingest
output: features
path: pipelines/hostile/{run_id}/features/
format: parquet
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: customer_id, type: int64, nullable: false }
  - { name: amount, type: float64 }
`,
};

// ---------------------------------------------------------------------------------------------
// The cases

const fails = (error: string, reason: string | RegExp): Expected => ({ status: 'failed', error, reason });
const passes = (reason: string | RegExp = 'PASSED'): Expected => ({ status: 'passed', error: '-', reason });
/**
 * A contract that fails to load but whose `path:` claims the output: Register ends the output in
 * `error` with ContractError (recorded, alerted; the data was never judged), naming the contract file
 * and why it does not load.
 */
const BROKEN_CONTRACT = (reason: string): Expected => ({
  status: 'error',
  error: 'ContractError',
  reason: new RegExp(reason),
});

const CASES: HostileCase[] = [
  // Empty and near-empty objects.
  {
    id: 'empty-csv',
    family: 'empty',
    what: '0-byte .csv',
    body: () => '',
    expected: fails('FormatError', '0 bytes'),
  },
  {
    id: 'empty-parquet',
    family: 'empty',
    what: '0-byte .parquet',
    output: 'features',
    file: 'part-0.parquet',
    body: () => '',
    expected: fails('FormatError', '0 bytes'),
  },
  {
    id: 'empty-jsonl',
    family: 'empty',
    what: '0-byte .jsonl',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => '',
    expected: fails('FormatError', '0 bytes'),
  },
  {
    id: 'empty-gzip',
    family: 'empty',
    what: 'gzip of nothing (.csv.gz)',
    file: 'part-00000.csv.gz',
    body: () => gzipSync(Buffer.alloc(0)),
    expected: fails('FormatError', 'empty'),
  },
  {
    id: 'only-newlines',
    family: 'empty',
    what: 'only blank lines',
    body: () => '\n\n\n',
    expected: fails('FormatError', 'header'),
  },
  {
    id: 'header-only',
    family: 'empty',
    what: 'header, no rows',
    body: () => `${CSV_HEADER}\n`,
    expected: passes(),
  },

  // CSV structure.
  {
    id: 'csv-short-row',
    family: 'csv',
    what: 'row with 3 of 4 fields',
    body: () => `${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3.5\n`,
    expected: fails('FormatError', /3 fields.*line 3/),
  },
  {
    id: 'csv-long-row',
    family: 'csv',
    what: 'row with 6 of 4 fields',
    body: () => `${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z,x,y\n`,
    expected: fails('FormatError', /6 fields.*line 2/),
  },
  {
    id: 'csv-unterminated-quote',
    family: 'csv',
    what: 'quote opened, never closed',
    body: () => `${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n"o-2,2,3.5,2026-11-01T00:00:00Z\n`,
    expected: fails('FormatError', /unterminated quote.*line 3/),
  },
  {
    id: 'csv-stray-quote',
    family: 'csv',
    what: 'quote inside an unquoted field',
    body: () => `${CSV_HEADER}\no-"1,1,10.5,2026-11-01T00:00:00Z\n`,
    expected: fails('FormatError', /quote inside an unquoted field.*line 2/),
  },
  {
    id: 'csv-text-after-quote',
    family: 'csv',
    what: 'text after a closing quote',
    body: () => `${CSV_HEADER}\n"o-1"x,1,10.5,2026-11-01T00:00:00Z\n`,
    expected: fails('FormatError', /after a closing quote.*line 2/),
  },
  {
    id: 'csv-duplicate-header',
    family: 'csv',
    what: 'header names a column twice',
    body: () => 'order_id,order_id,amount,ordered_at\no-1,1,10.5,2026-11-01T00:00:00Z\n',
    expected: fails('FormatError', "column 'order_id' twice"),
  },
  {
    id: 'csv-no-trailing-newline',
    family: 'csv',
    what: 'last row without a line end',
    body: () => GOOD_CSV.trimEnd(),
    expected: passes(),
  },
  {
    id: 'csv-crlf-bom',
    family: 'csv',
    what: 'UTF-8 BOM and CRLF line ends',
    body: () => `\uFEFF${GOOD_CSV.replace(/\n/g, '\r\n')}`,
    expected: passes(),
  },
  {
    id: 'csv-wrong-delimiter',
    family: 'csv',
    what: 'semicolon-delimited under a comma contract',
    body: () => GOOD_CSV.replace(/,/g, ';'),
    expected: fails('schema_compatibility', 'customer_id'),
  },
  {
    id: 'csv-missing-column',
    family: 'csv',
    what: 'a required column absent',
    body: () => 'order_id,amount,ordered_at\no-1,10.5,2026-11-01T00:00:00Z\n',
    expected: fails('schema_compatibility', 'customer_id'),
  },
  {
    id: 'csv-wrong-types',
    family: 'csv',
    what: 'text in int64 and timestamp columns',
    body: () => `${CSV_HEADER}\no-1,one,10.5,yesterday\no-2,2,3.5,2026-11-01T00:00:00Z\n`,
    expected: fails('schema_compatibility', 'customer_id'),
  },
  {
    id: 'csv-rule-broken',
    family: 'csv',
    what: 'negative amount',
    body: () => `${CSV_HEADER}\no-1,1,-10.5,2026-11-01T00:00:00Z\n`,
    expected: fails('amount_positive', 'amount_positive'),
  },
  {
    id: 'csv-nul-bytes',
    family: 'csv',
    what: 'NUL bytes in the header',
    body: () => bytes('order_id\u0000,customer_id,amount,ordered_at\no-1,1,10.5,2026-11-01T00:00:00Z\n'),
    expected: fails('schema_compatibility', 'order_id'),
  },
  {
    id: 'csv-random-binary',
    family: 'csv',
    what: '64 KiB of random bytes named .csv',
    body: () => bytes([0x80], randomBytes(64 * 1024)),
    expected: fails('FormatError', /not valid UTF-8.*byte 0/),
  },
  {
    id: 'csv-html-injection',
    family: 'csv',
    what: 'script and formula text in values',
    body: () =>
      `${CSV_HEADER}\n"<script>alert(1)</script>",1,10.5,2026-11-01T00:00:00Z\n"=cmd|' /C calc'!A0",2,1,2026-11-01T00:00:00Z\n`,
    expected: passes(),
  },

  // Text encodings.
  {
    id: 'utf8-invalid-mid',
    family: 'csv',
    what: 'invalid UTF-8 byte (0xFF) mid-file',
    body: () =>
      bytes(`${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-`, [0xff], ',2,3.5,2026-11-01T00:00:00Z\n'),
    expected: fails('FormatError', /not valid UTF-8.*byte 73/),
  },
  {
    id: 'utf8-truncated-at-end',
    family: 'csv',
    what: 'file ends inside a 3-byte character',
    body: () => bytes(`${CSV_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-€`.slice(0, -1), [0xe2, 0x82]),
    expected: fails('FormatError', /inside a UTF-8 character/),
  },
  {
    id: 'utf8-overlong',
    family: 'csv',
    what: 'overlong encoding of "/" (C0 AF)',
    body: () => bytes(`${CSV_HEADER}\no-1`, [0xc0, 0xaf], ',1,10.5,2026-11-01T00:00:00Z\n'),
    expected: fails('FormatError', /not valid UTF-8.*byte 42/),
  },
  {
    id: 'utf8-surrogate',
    family: 'csv',
    what: 'encoded UTF-16 surrogate (ED A0 80)',
    body: () => bytes(`${CSV_HEADER}\no-1`, [0xed, 0xa0, 0x80], ',1,10.5,2026-11-01T00:00:00Z\n'),
    expected: fails('FormatError', /not valid UTF-8.*byte 42/),
  },
  {
    id: 'utf16-le',
    family: 'csv',
    what: 'UTF-16 LE file with BOM',
    body: () => bytes([0xff, 0xfe], Buffer.from(GOOD_CSV, 'utf16le')),
    expected: fails('FormatError', /not valid UTF-8.*byte 0/),
  },
  {
    id: 'latin1',
    family: 'csv',
    what: 'Latin-1 "café" in a value',
    body: () => bytes(`${CSV_HEADER}\ncaf`, [0xe9], ',1,10.5,2026-11-01T00:00:00Z\n'),
    expected: fails('FormatError', /not valid UTF-8.*byte 42/),
  },

  // Large values.
  {
    id: 'field-100mb',
    family: 'large',
    what: 'one 100 MB field',
    body: hundredMbField,
    expected: fails('FormatError', /field longer than \d+ characters.*line 2/),
    timeoutMs: 90_000,
  },
  {
    id: 'runaway-quote-20mb',
    family: 'large',
    what: 'quote opened on line 2, 20 MB to the end',
    body: () =>
      `${CSV_HEADER}\n"o-1,1,10.5,2026-11-01T00:00:00Z\n${'o-2,2,3.5,2026-11-01T00:00:00Z\n'.repeat(650_000)}`,
    expected: fails('FormatError', /field longer than \d+ characters.*line 2/),
    timeoutMs: 60_000,
  },
  {
    id: 'jsonl-record-70mb',
    family: 'large',
    what: 'one 70 MB JSON Lines record',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => `{"event_id":"e-1","user_id":1,"kind":"${'x'.repeat(70 * 1000 * 1000)}"}\n`,
    expected: fails('FormatError', /record longer than \d+ characters/),
    timeoutMs: 90_000,
  },

  {
    id: 'json-element-70mb',
    family: 'large',
    what: 'one 70 MB element in a JSON array',
    output: 'documents',
    file: 'part-0.json',
    body: () => `[{"event_id":"e-1","user_id":1,"kind":"${'x'.repeat(70 * 1000 * 1000)}"}]`,
    expected: fails('FormatError', /element longer than \d+ characters/),
    timeoutMs: 90_000,
  },

  // Gzip.
  {
    id: 'gzip-bomb-zeros',
    family: 'gzip',
    what: '≈10 MB gzip of NUL bytes inflating to 10 GiB',
    file: 'part-00000.csv.gz',
    body: () => gzipBomb('\u0000', 10),
    expected: fails('FormatError', /decompress|gzip|longer than/),
    timeoutMs: 60_000,
  },
  {
    id: 'gzip-bomb-rows',
    family: 'gzip',
    what: 'gzip of valid rows inflating to 32 GiB',
    file: 'part-00000.csv.gz',
    body: () => gzipBomb('o-1,1,10.5,2026-11-01T00:00:00Z\n', 32, 64, `${CSV_HEADER}\n`),
    expected: fails('FormatError', /decompression bomb/),
    timeoutMs: 120_000,
  },
  {
    id: 'gzip-truncated',
    family: 'gzip',
    what: 'gzip cut in half',
    file: 'part-00000.csv.gz',
    body: () => {
      const z = gzipSync(Buffer.from(GOOD_CSV.repeat(200)));
      return z.subarray(0, z.length >> 1);
    },
    expected: fails('FormatError', /gzip input is corrupt or truncated/),
  },
  {
    id: 'gzip-bad-crc',
    family: 'gzip',
    what: 'gzip with a wrong CRC-32 trailer',
    file: 'part-00000.csv.gz',
    body: () => {
      const z = Buffer.from(gzipSync(Buffer.from(GOOD_CSV)));
      z.writeUInt32LE(~z.readUInt32LE(z.length - 8) >>> 0, z.length - 8);
      return z;
    },
    expected: fails('FormatError', /gzip input is corrupt or truncated/),
  },
  {
    id: 'gzip-corrupt-deflate',
    family: 'gzip',
    what: 'gzip whose deflate data is overwritten',
    file: 'part-00000.csv.gz',
    body: () => scribble(gzipSync(Buffer.from(GOOD_CSV.repeat(50))), 12, 40, 0xff),
    expected: fails('FormatError', /gzip input is corrupt or truncated/),
  },
  {
    id: 'gzip-header-only',
    family: 'gzip',
    what: 'the 10-byte gzip header alone',
    file: 'part-00000.csv.gz',
    body: () => gzipSync(Buffer.from(GOOD_CSV)).subarray(0, 10),
    expected: fails('FormatError', /gzip input is corrupt or truncated/),
  },
  {
    id: 'gzip-invalid-utf8',
    family: 'gzip',
    what: 'gzip of Latin-1 text',
    file: 'part-00000.csv.gz',
    body: () => gzipSync(bytes(`${CSV_HEADER}\ncaf`, [0xe9], ',1,10.5,2026-11-01T00:00:00Z\n')),
    expected: fails('FormatError', /not valid UTF-8.*byte 42/),
  },
  {
    id: 'gzip-multi-member',
    family: 'gzip',
    what: 'two concatenated gzip members (legal)',
    file: 'part-00000.csv.gz',
    body: () =>
      bytes(gzipSync(Buffer.from(GOOD_CSV)), gzipSync(Buffer.from('o-3,3,1.5,2026-11-01T02:00:00Z\n'))),
    expected: passes(),
  },
  {
    id: 'gzip-parquet',
    family: 'gzip',
    what: 'gzip-compressed Parquet',
    output: 'features',
    file: 'part-0.parquet.gz',
    body: () => gzipSync(goodParquet),
    expected: fails('FormatError', /gzip-compressed Parquet/),
  },

  // Parquet.
  {
    id: 'parquet-truncated-half',
    family: 'parquet',
    what: 'Parquet cut in half',
    output: 'features',
    file: 'part-0.parquet',
    body: () => goodParquet.subarray(0, goodParquet.length >> 1),
    expected: fails('FormatError', /does not end with PAR1/),
  },
  {
    id: 'parquet-truncated-1',
    family: 'parquet',
    what: 'Parquet missing its last byte',
    output: 'features',
    file: 'part-0.parquet',
    body: () => goodParquet.subarray(0, goodParquet.length - 1),
    expected: fails('FormatError', /does not end with PAR1/),
  },
  {
    id: 'parquet-magic-only',
    family: 'parquet',
    what: '"PAR1PAR1" and nothing else',
    output: 'features',
    file: 'part-0.parquet',
    body: () => 'PAR1PAR1',
    expected: fails('FormatError', /Parquet/),
  },
  {
    id: 'parquet-footer-length-huge',
    family: 'parquet',
    what: 'footer length 4 GB',
    output: 'features',
    file: 'part-0.parquet',
    body: () => withFooterLength(goodParquet, 0xfffffff0),
    expected: fails('FormatError', /footer/),
  },
  {
    id: 'parquet-footer-length-zero',
    family: 'parquet',
    what: 'footer length 0',
    output: 'features',
    file: 'part-0.parquet',
    body: () => withFooterLength(goodParquet, 0),
    expected: fails('FormatError', /footer/),
  },
  {
    id: 'parquet-footer-garbage',
    family: 'parquet',
    what: 'footer metadata overwritten',
    output: 'features',
    file: 'part-0.parquet',
    body: () =>
      scribble(goodParquet, goodParquet.length - 8 - footerLength(goodParquet), goodParquet.length - 8),
    expected: fails('FormatError', /footer/),
  },
  {
    id: 'parquet-pages-garbage',
    family: 'parquet',
    what: 'column pages overwritten',
    output: 'features',
    file: 'part-0.parquet',
    body: () => scribble(goodParquet, 4, goodParquet.length - 8 - footerLength(goodParquet), 0xff),
    expected: fails('FormatError', /row group 0/),
  },
  {
    id: 'parquet-random-body',
    family: 'parquet',
    what: 'PAR1 + 4 KiB random + PAR1',
    output: 'features',
    file: 'part-0.parquet',
    body: () => bytes('PAR1', randomBytes(4096), 'PAR1'),
    expected: fails('FormatError', /Parquet|footer/),
  },
  {
    id: 'parquet-missing-columns',
    family: 'parquet',
    what: 'valid Parquet without required columns',
    output: 'features',
    file: 'part-0.parquet',
    body: () => parquetWithoutAmountOrCustomer,
    expected: fails('schema_compatibility', 'customer_id'),
  },
  {
    id: 'parquet-as-csv',
    family: 'parquet',
    what: 'Parquet bytes under a CSV contract',
    body: () => goodParquet,
    expected: fails('format', 'expected csv, found parquet'),
  },
  {
    id: 'csv-as-parquet',
    family: 'parquet',
    what: 'CSV text under a Parquet contract',
    output: 'features',
    file: 'part-0.parquet',
    body: () => GOOD_CSV,
    expected: fails('format', 'expected parquet, found csv'),
  },

  // JSON Lines and JSON arrays.
  {
    id: 'jsonl-deep-nesting',
    family: 'jsonl',
    what: 'a value nested 200 000 deep',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => `{"event_id":"e-1","user_id":1,"kind":${nested(200_000)}}\n`,
    expected: fails('FormatError', /nested too deeply/),
  },
  {
    id: 'jsonl-truncated',
    family: 'jsonl',
    what: 'last record cut off',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => `${GOOD_JSONL}{"event_id":"e-3","user_`,
    expected: fails('FormatError', /not valid JSON.*line 3/),
  },
  {
    id: 'jsonl-not-object',
    family: 'jsonl',
    what: 'a record that is an array',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => `${GOOD_JSONL}[1,2,3]\n`,
    expected: fails('FormatError', /expected a JSON object per record, found an array.*line 3/),
  },
  {
    id: 'jsonl-nan',
    family: 'jsonl',
    what: 'NaN literal (not JSON)',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => '{"event_id":"e-1","user_id":NaN,"kind":"click"}\n',
    expected: fails('FormatError', /not valid JSON.*line 1/),
  },
  {
    id: 'jsonl-invalid-utf8',
    family: 'jsonl',
    what: 'invalid UTF-8 in a string',
    output: 'events',
    file: 'part-0.jsonl',
    body: () => bytes('{"event_id":"e-', [0xff], '","user_id":1,"kind":"click"}\n'),
    expected: fails('FormatError', /not valid UTF-8/),
  },
  {
    id: 'jsonl-proto-key',
    family: 'jsonl',
    what: '"__proto__" and "constructor" keys',
    output: 'events',
    file: 'part-0.jsonl',
    body: () =>
      '{"event_id":"e-1","user_id":1,"kind":"click","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}\n',
    expected: passes(),
  },
  {
    id: 'jsonl-huge-number',
    family: 'jsonl',
    what: '1e400 and a 40-digit id in int64',
    output: 'events',
    file: 'part-0.jsonl',
    body: () =>
      '{"event_id":"e-1","user_id":1e400,"kind":"click"}\n{"event_id":"e-2","user_id":1234567890123456789012345678901234567890,"kind":"view"}\n',
    expected: fails('schema_compatibility', 'user_id'),
  },
  {
    id: 'json-deep-nesting',
    family: 'json',
    what: 'an element nested 100 000 deep',
    output: 'documents',
    file: 'part-0.json',
    body: () => `[{"event_id":"e-1","user_id":1,"kind":${nested(100_000, '{"a":', '}')}}]`,
    expected: fails('FormatError', /nested too deeply/),
  },
  {
    id: 'json-unclosed',
    family: 'json',
    what: 'array never closed',
    output: 'documents',
    file: 'part-0.json',
    body: () => GOOD_JSON.slice(0, -1),
    expected: fails('FormatError', /not closed/),
  },
  {
    id: 'json-trailing-garbage',
    family: 'json',
    what: 'text after the closing bracket',
    output: 'documents',
    file: 'part-0.json',
    body: () => `${GOOD_JSON} trailing`,
    expected: fails('FormatError', /after the end of the JSON array/),
  },
  {
    id: 'json-object-not-array',
    family: 'json',
    what: 'a single object under a JSON-array contract',
    output: 'documents',
    file: 'part-0.json',
    body: () => '{"event_id":"e-1","user_id":1,"kind":"click"}',
    expected: fails('format', 'expected json, found jsonl'),
  },
  {
    id: 'json-bad-element',
    family: 'json',
    what: 'an element with a missing value',
    output: 'documents',
    file: 'part-0.json',
    body: () => '[{"event_id":"e-1","user_id":,"kind":"click"}]',
    expected: fails('FormatError', /not valid JSON/),
  },

  // Contracts that cannot be loaded, each claiming a dedicated output that then receives good data.
  ...(
    [
      [
        'type-unknown',
        'unknown column type',
        ORDERS_SCHEMA.replace('type: int64', 'type: integer'),
        String.raw`line 8: schema\[1\]\.type: 'integer' is not a type`,
      ],
      [
        'type-wrong-kind',
        'nullable: "maybe"',
        ORDERS_SCHEMA.replace('nullable: false }', 'nullable: maybe }'),
        String.raw`line 7: schema\[0\]\.nullable: 'maybe' is not a boolean`,
      ],
      [
        'decimal-precision',
        'decimal(50,2)',
        ORDERS_SCHEMA.replace('type: float64', "type: 'decimal(50,2)'"),
        String.raw`schema\[2\]\.type: precision 50 must be 1\.\.38`,
      ],
      [
        'rule-unknown-condition',
        'unknown rule condition',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, field: amount, condition: is_positive }`,
        String.raw`quality\[0\]\.condition: 'is_positive' is not valid`,
      ],
      [
        'rule-unknown-field',
        'rule on a column not in the schema',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, field: price, condition: not_null }`,
        String.raw`quality\[0\]\.field: 'price' is not a column of the schema`,
      ],
      [
        'rule-bad-regex',
        'matches with an invalid regex',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, field: order_id, condition: matches, value: '([' }`,
        String.raw`quality\[0\]\.value: not a valid regular expression`,
      ],
      [
        'rule-threshold',
        'threshold 5',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, field: amount, condition: not_null, threshold: 5 }`,
        String.raw`quality\[0\]\.threshold: '5': Too big`,
      ],
      [
        'rule-between-one-bound',
        'between with one bound',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, field: amount, condition: between, value: 5 }`,
        String.raw`quality\[0\]\.value: '5' must be \[min, max\]`,
      ],
      [
        'rule-bad-expression',
        'expression that does not parse',
        `${ORDERS_SCHEMA}\nquality:\n  - { name: r1, condition: expression, expression: 'amount >> (' }`,
        String.raw`quality\[0\]\.expression: unexpected '>'`,
      ],
      [
        'unknown-key',
        'misspelt top-level key',
        ORDERS_SCHEMA.replace('schema:', 'schemas:'),
        "unknown key 'schemas'",
      ],
      ['empty-schema', 'schema: []', 'schema: []', String.raw`schema: '\[\]': Too small`],
      [
        'yaml-syntax',
        'YAML that does not parse',
        `${ORDERS_SCHEMA}\n  - { name: x, type: string`,
        'line 12: not valid YAML/JSON',
      ],
    ] as const
  ).map(([id, what, body, reason]): HostileCase => ({
    id: `contract-${id}`,
    family: 'contract',
    what,
    output: `broken/${id}`,
    contract: brokenContract(id, body),
    body: () => GOOD_CSV,
    expected: BROKEN_CONTRACT(reason),
  })),
  {
    id: 'contract-not-a-map',
    family: 'contract',
    what: 'a contract file that is a YAML list',
    output: 'broken/not-a-map',
    contract: '- pipeline: hostile\n- path: pipelines/hostile/{run_id}/broken/not-a-map/\n',
    body: () => GOOD_CSV,
    expected: { status: 'untracked', error: '-', reason: /is not an object/ },
  },
  {
    id: 'contract-type-mismatch-data',
    family: 'contract',
    what: 'valid contract whose types do not fit the data (int64 vs text)',
    output: 'broken/type-mismatch-data',
    contract: brokenContract(
      'type-mismatch-data',
      ORDERS_SCHEMA.replace('order_id, type: string', 'order_id, type: int64'),
    ),
    body: () => GOOD_CSV,
    expected: fails('schema_compatibility', 'order_id'),
  },

  // Keys. Legitimate S3 names are tested like any other key.
  {
    id: 'key-spaces',
    family: 'key',
    what: 'spaces in the file name',
    file: 'part 00000 final.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-unicode',
    family: 'key',
    what: 'unicode file name (é, 日本, emoji)',
    file: 'données-日本-🚀.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-nfd',
    family: 'key',
    what: 'decomposed unicode (e + U+0301)',
    file: 'cafe\u0301.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-percent-encoded',
    family: 'key',
    what: 'literal %20 and %2F in the name',
    file: 'part%2000000%2Fx.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-plus',
    family: 'key',
    what: '"+" in the name (a space in encoded notifications)',
    file: 'part+00000.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-dotdot-inside',
    family: 'key',
    what: '`..` segment that stays inside the prefix',
    keyTail: 'orders/tmp/../part-00000.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-dotdot-out-of-output',
    family: 'key',
    what: '`..` that leaves the output folder (still inside the bucket)',
    keyTail: 'orders/../../../elsewhere/part-00000.csv',
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-special-chars',
    family: 'key',
    what: 'quotes, #, ?, &, ; in the name',
    file: `it's "a" #1 ?&;.csv`,
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-long',
    family: 'key',
    what: '≈870-byte key in 8 long segments',
    // Segments below 255 bytes: the embedded S3 stores a key as files, one per segment.
    file: `${Array.from({ length: 8 }, (_, i) => `${i}${'k'.repeat(99)}`).join('/')}.csv`,
    body: () => GOOD_CSV,
    expected: passes(),
  },
  {
    id: 'key-unicode-bad-data',
    family: 'key',
    what: 'unicode name with failing data',
    file: 'ñandú.csv',
    body: () => `${CSV_HEADER}\no-1,1,-1,2026-11-01T00:00:00Z\n`,
    expected: fails('amount_positive', 'amount_positive'),
  },
];

// ---------------------------------------------------------------------------------------------
// Measuring

let h: Harness;
const outcomes: Outcome[] = [];
const active = new Set<{ rss: number; heap: number }>();
let sampler: NodeJS.Timeout | undefined;
let baselineRss = 0;
let baselineHeap = 0;
let suiteStarted = 0;

function sample(): void {
  const m = process.memoryUsage();
  for (const a of active) {
    a.rss = Math.max(a.rss, m.rss);
    a.heap = Math.max(a.heap, m.heapUsed);
  }
}

function keyOf(c: HostileCase): string {
  const run = h.runId(c.id);
  if (c.keyTail) return `pipelines/hostile/${run}/${c.keyTail}`;
  const output = c.output ?? 'orders';
  return `pipelines/hostile/${run}/${output}/${c.file ?? 'part-00000.csv'}`;
}

/** The part of an untracked note about one contract file ("<file> (<error>)"), or the whole note. */
function noteAbout(note: string, contractFile: string): string {
  const start = note.indexOf(`${contractFile} (`);
  if (start < 0) return note;
  const end = note.indexOf('); contracts/', start);
  return note.slice(start, end < 0 ? undefined : end + 1);
}

function describeOutcome(entry: RegistryEntry): { error: string; reason: string } {
  if (entry.status === 'failed' && entry.failedRules && entry.failedRules.size > 0) {
    return { error: [...entry.failedRules].sort().join(', '), reason: entry.failureReason ?? '' };
  }
  if (entry.status === 'failed' || entry.status === 'error') {
    let message = entry.failureCause ?? '';
    try {
      message = (JSON.parse(message) as { errorMessage?: string }).errorMessage ?? message;
    } catch {
      // not JSON: keep the cause as it is
    }
    return { error: entry.failureReason ?? '', reason: message };
  }
  return { error: '-', reason: entry.note ?? entry.summary ?? '' };
}

async function readArtifact(uri: string): Promise<string> {
  const key = uri.replace(`s3://${h.resources.artifactsBucket}/`, '');
  const object = await h.s3.send(new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key }));
  return object.Body!.transformToString();
}

/** The reason as the table shows it: without the object's URI or the contract file named twice. */
function readable(reason: string, c: HostileCase): string {
  const file = `${ARTIFACT_PREFIXES.contracts}hostile-${c.id}.yaml`;
  return reason
    .replace(`s3://${h.resources.outputsBucket}/${keyOf(c)}: `, '')
    .replace(`s3://${h.resources.outputsBucket}/${keyOf(c)} `, 'the object ')
    .replace(`${file} (${file}: `, `${file}: `);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no final status within ${ms} ms (a hang)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const shorten = (s: string, n = 110): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
const mb = (b: number): number => Math.round(b / MIB);

async function runCase(c: HostileCase): Promise<Outcome> {
  const body = c.body();
  const key = keyOf(c);
  const window = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  active.add(window);
  const started = Date.now();
  try {
    await h.upload(key, body);
    const entry = await withTimeout(h.waitForStatus(key), c.timeoutMs ?? 30_000, c.id);
    const durationMs = Date.now() - started;
    const described = describeOutcome(entry);
    const { error } = described;
    const reason = c.contract
      ? noteAbout(described.reason, `${ARTIFACT_PREFIXES.contracts}hostile-${c.id}.yaml`)
      : described.reason;
    const outcome: Outcome = {
      id: c.id,
      family: c.family,
      what: c.what,
      expected: c.expected,
      status: entry.status,
      error,
      reason,
      shown: readable(reason, c),
      durationMs,
      rssPeakMb: mb(window.rss - baselineRss),
      heapPeakMb: mb(window.heap - baselineHeap),
      ok: false,
    };
    outcomes.push(outcome);
    return outcome;
  } finally {
    active.delete(window);
  }
}

async function assertCase(c: HostileCase, o: Outcome): Promise<void> {
  const key = keyOf(c);
  const uri = `s3://${h.resources.outputsBucket}/${key}`;
  expect(o.status, `${c.id}: ${o.error} ${o.reason}`).toBe(c.expected.status);
  if (c.expected.error === '-') expect(o.error).toBe('-');
  else expect(o.error.split(', ')).toContain(c.expected.error);
  const fragment = c.expected.reason;
  if (typeof fragment === 'string') expect(o.reason.toLowerCase()).toContain(fragment.toLowerCase());
  else expect(o.reason).toMatch(fragment);
  // One execution, stopped, on the path the status implies; a failure alerts.
  const executions = await h.executionsFor(key);
  expect(executions).toHaveLength(1);
  const [execution] = executions;
  if (o.status === 'failed' || o.status === 'error') {
    expect(execution?.status).toBe('FAILED');
    expect(o.status === 'error' ? ['ProcessingFailed'] : ['ObjectUnreadable', 'ValidationFailed']).toContain(
      execution?.error,
    );
    // No crash: an error that reached the registry is one the core throws on purpose.
    if (execution?.error !== 'ValidationFailed') expect(TYPED_ERRORS).toContain(o.error);
    if (h.capabilities.alerts) {
      const alerts = await h.alertsFor(uri);
      expect(alerts.map((a) => a.message['kind'])).toEqual([
        { ValidationFailed: 'validation-failed', ObjectUnreadable: 'unreadable-data' }[
          execution?.error ?? ''
        ] ?? 'processing-error',
      ]);
    }
  } else {
    expect(execution?.status).toBe('SUCCEEDED');
  }
  // A tested version has its report where the registry says, whatever its key looks like.
  if (o.status === 'passed' || execution?.error === 'ValidationFailed') {
    const entry = await h.registry.find(uri);
    const report = JSON.parse(await readArtifact(entry!.reportUri!)) as {
      status: string;
      object: { uri: string };
    };
    expect(report).toMatchObject({ status: o.status, object: { uri } });
  }
  expect(o.rssPeakMb).toBeLessThan(MEMORY_MB);
  expect(o.heapPeakMb).toBeLessThan(MEMORY_MB);
  o.ok = true;
}

beforeAll(async () => {
  h = await startHarness();
  [goodParquet, parquetWithoutAmountOrCustomer] = await Promise.all([
    parquetOf(PARQUET_SCHEMA, [
      ['o-1', 1, 10.5],
      ['o-2', 2, null],
    ]),
    parquetOf([{ name: 'order_id', type: 'string', nullable: false }], [['o-1'], ['o-2']]),
  ]);
  // Contracts first: a warm Register keeps the contract list it read for a minute.
  const contracts: [string, string][] = [
    ...Object.entries(CONTRACTS),
    ...CASES.filter((c) => c.contract).map((c): [string, string] => [`hostile-${c.id}.yaml`, c.contract!]),
  ];
  await Promise.all(
    contracts.map(([name, text]) =>
      h.s3.send(
        new PutObjectCommand({
          Bucket: h.resources.artifactsBucket,
          Key: `${ARTIFACT_PREFIXES.contracts}${name}`,
          Body: text,
        }),
      ),
    ),
  );
  sampler = setInterval(sample, 10);
  sampler.unref();
  const m = process.memoryUsage();
  baselineRss = m.rss;
  baselineHeap = m.heapUsed;
  suiteStarted = Date.now();
});

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  await h?.close();
  if (outcomes.length === 0) return;
  const order = new Map(CASES.map((c, i) => [c.id, i]));
  const rows = [...outcomes].sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const families = [...new Set(rows.map((r) => r.family))];
  const byFamily = families.map((f) => `${f} ${rows.filter((r) => r.family === f).length}`).join(', ');
  const byStatus = ['failed', 'error', 'passed', 'warned', 'untracked']
    .map((s) => [s, rows.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const met = rows.filter((r) => r.ok).length;
  recordFigures({
    id: 'hostile-inputs',
    title: 'Hostile and malformed inputs',
    body: `${rows.length} hostile inputs (${byFamily}) uploaded through S3 into the embedded stack; each must
end with the expected registry status, a typed error or failed rule, and a reason naming the defect, within
its time bound, while the test process (which runs the Lambdas) stays below the ${MEMORY_MB} MB the
validate and convert functions get. Peaks are the process's RSS and heap above its level before the first
case, sampled every 10 ms, while the case (and the cases running beside it) ran.

**${met} of ${rows.length} met their expectation** · ${byStatus} · slowest ${Math.max(...rows.map((r) => r.durationMs))} ms ·
largest RSS peak +${Math.max(...rows.map((r) => r.rssPeakMb))} MB · heap peak +${Math.max(...rows.map((r) => r.heapPeakMb))} MB ·
whole suite ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s

${markdownTable(
  [
    'case',
    'input',
    'expected',
    'status',
    'error / failed rules',
    'reason (shortened)',
    'ms',
    'RSS +MB',
    'heap +MB',
  ],
  rows.map((r) => [
    `${r.ok ? '' : '✗ '}${r.id}`,
    r.what,
    r.expected.status,
    r.status,
    shorten(r.error, 60),
    shorten(r.shown),
    r.durationMs,
    r.rssPeakMb,
    r.heapPeakMb,
  ]),
)}`,
  });
});

const LIGHT = CASES.filter((c) => c.family !== 'large' && !c.id.startsWith('gzip-bomb'));
const HEAVY = CASES.filter((c) => !LIGHT.includes(c));

describe('hostile inputs, a few at a time', () => {
  it('covers at least 60 cases across files, contracts and keys', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

  it.concurrent.for(LIGHT.map((c) => [c.id, c] as const))('%s', async ([, c]) => {
    const outcome = await runCase(c);
    expect(outcome.status, `${c.id}: ${outcome.error} ${outcome.reason}`).toBe(c.expected.status);
    await assertCase(c, outcome);
  });
});

describe('heavy hostile inputs, one at a time', () => {
  it.for(HEAVY.map((c) => [c.id, c] as const))('%s', async ([, c]) => {
    const outcome = await runCase(c);
    expect(outcome.status, `${c.id}: ${outcome.error} ${outcome.reason}`).toBe(c.expected.status);
    await assertCase(c, outcome);
  });
});
