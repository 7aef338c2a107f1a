/**
 * `prt infer` on typed files with TIME and binary columns: the readers carry a time of day as whole
 * units since midnight and bytes as base64 text, so the draft keeps the integer type for a TIME
 * column and says what its numbers are, drafts bytes as a string with a base64 pattern (no
 * categories, lengths or keys of the encoding), and the file passes validation against its draft.
 */
import {
  Binary,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimeMicrosecond,
  tableToIPC,
  Table,
} from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { ColumnSpec, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { inferContract, type ContractDraft } from '../../../../lib/cli/profiling/infer-contract';
import { BASE64_PATTERN } from '../../../../lib/cli/profiling/infer-column';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';

const ROWS = 40;
/** Bytes of varying length, some not UTF-8, some repeated. */
const blobOf = (i: number): Uint8Array =>
  new Uint8Array(Array.from({ length: (i % 5) + 1 }, (_, k) => (i * 37 + k * 101) % 256));

function parquetFile(): Uint8Array {
  const buffer = parquetWriteBuffer({
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'at_ms', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'TIME_MILLIS' },
      {
        name: 'at_us',
        type: 'INT64',
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' },
      },
      { name: 'blob', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
    ],
    columnData: [
      { name: 'at_ms', data: Array.from({ length: ROWS }, (_, i) => i * 61_000) },
      { name: 'at_us', data: Array.from({ length: ROWS }, (_, i) => BigInt(i) * 61_000_000n) },
      { name: 'blob', data: Array.from({ length: ROWS }, (_, i) => blobOf(i % 7)) },
    ],
  });
  return new Uint8Array(buffer);
}

function arrowFile(): Uint8Array {
  const fields = [new Field('at_us', new TimeMicrosecond(), true), new Field('blob', new Binary(), true)];
  const blobs = Array.from({ length: ROWS }, (_, i) => blobOf(i % 7));
  const offsets = new Int32Array(ROWS + 1);
  blobs.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
  const bytes = new Uint8Array(offsets[ROWS]!);
  blobs.forEach((b, i) => bytes.set(b, offsets[i]));
  const children = [
    makeData({
      type: new TimeMicrosecond(),
      length: ROWS,
      data: BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i) * 61_000_000n),
    }),
    makeData({ type: new Binary(), length: ROWS, valueOffsets: offsets, data: bytes }),
  ];
  const batch = new RecordBatch(
    new Schema(fields),
    makeData({ type: new Struct(fields), length: ROWS, children }),
  );
  return tableToIPC(new Table([batch]), 'file');
}

function columnOf(draft: ContractDraft, name: string): ColumnSpec {
  const column = draft.contract.schema.find((c) => c.name === name);
  if (!column) throw new Error(`no column ${name}`);
  return column;
}

describe('inferContract: TIME and binary columns of typed files', () => {
  it.each<[DataFormat, () => Uint8Array]>([
    ['parquet', parquetFile],
    ['arrow', arrowFile],
  ])(
    'Compliance (%s): TIME keeps its integer type and says what it counts; bytes get a base64 pattern',
    async (format, make) => {
      // Prepare
      const bytes = make();
      const name = `times.${format}`;

      // Act
      const draft = await inferContract(bufferSource(bytes, name), {});
      const opened = await openTable(bufferSource(bytes, name), { format });
      const report = await validateRecords(draft.contract, opened.batches);

      // Assess
      expect(columnOf(draft, 'at_us').type).toBe('int64');
      expect(draft.yaml).toContain(
        'the file declares a time of day (TIME, us); the readers give whole microseconds since midnight: int64',
      );
      expect(columnOf(draft, 'blob')).toMatchObject({ type: 'string', pattern: BASE64_PATTERN });
      expect(columnOf(draft, 'blob').allowed).toBeUndefined();
      expect(columnOf(draft, 'blob').unique).toBeFalsy();
      expect(draft.yaml).toContain('the file declares bytes; the readers give them as base64 text');
      expect(report.status).toBe('passed');
    },
  );
});
