/**
 * Converts typed records to JSON Lines or Parquet and proves the result equivalent: the written
 * bytes are read back with an independent reader (JSON.parse, hyparquet) and their row count and
 * per-column canonical checksums must equal the source's. A mismatch is an IntegrityError, never a
 * warning.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { parquetReadObjects } from 'hyparquet';
import type { ColumnSpec, ColumnType, DataFormat, OutputContract } from '../contracts/output-contract';
import { FormatError, IntegrityError } from '../errors';
import type { RecordBatch } from '../formats/record-batch';
import { NOT_CONFORMING, parseCell, type TypedValue } from '../formats/typed-values';
import { TableDigest } from './canonical-digest';

export interface ConversionResult {
  readonly format: DataFormat;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly checksums: Readonly<Record<string, string>>;
  readonly equivalent: true;
}

type ParquetSchemaElement = {
  name: string;
  type?: string;
  converted_type?: string;
  repetition_type?: string;
  num_children?: number;
};

function parquetElement(col: ColumnSpec): ParquetSchemaElement {
  const repetition_type = col.nullable ? 'OPTIONAL' : 'REQUIRED';
  const physical: Record<ColumnType, Omit<ParquetSchemaElement, 'name'>> = {
    string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
    int32: { type: 'INT32' },
    int64: { type: 'INT64' },
    float32: { type: 'FLOAT' },
    float64: { type: 'DOUBLE' },
    boolean: { type: 'BOOLEAN' },
    date: { type: 'INT32', converted_type: 'DATE' },
    timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
  };
  return { name: col.name, ...physical[col.type], repetition_type };
}

function toParquetValue(type: ColumnType, v: TypedValue): unknown {
  if (v === null) return null;
  if (type === 'int64') return typeof v === 'bigint' ? v : BigInt(v as number);
  if (type === 'date') return new Date(`${String(v)}T00:00:00Z`);
  return v;
}

function toJsonValue(type: ColumnType, v: TypedValue): unknown {
  if (v === null) return null;
  if (typeof v === 'bigint') return v.toString(); // JSON numbers lose precision past 2^53
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON has no NaN/Infinity
  if (type === 'int64' && typeof v === 'number' && !Number.isSafeInteger(v)) return String(v);
  return v;
}

function fromJsonValue(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if ((type === 'float32' || type === 'float64') && typeof v === 'string')
    return Number(v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
  if (type === 'int64' && typeof v === 'string') return BigInt(v);
  return v;
}

async function* typedRows(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
): AsyncGenerator<TypedValue[][]> {
  for await (const batch of batches) {
    const indexOf = contract.schema.map((c) => batch.columns.indexOf(c.name));
    const out: TypedValue[][] = [];
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      out.push(
        contract.schema.map((col, i) => {
          const raw = indexOf[i]! >= 0 ? (row[indexOf[i]!] ?? null) : null;
          if (raw === null) {
            if (!col.nullable)
              throw new FormatError(
                `row ${batch.firstRow + r}: ${col.name} is null but not nullable; cannot convert`,
              );
            return null;
          }
          const v = parseCell(col.type, raw);
          if (v === NOT_CONFORMING)
            throw new FormatError(
              `row ${batch.firstRow + r}: '${raw}' in ${col.name} is not ${col.type}; cannot convert`,
            );
          return v;
        }),
      );
    }
    yield out;
  }
}

export async function convertRecords(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
  to: DataFormat,
): Promise<ConversionResult> {
  const source = new TableDigest(contract.schema);
  let body: Uint8Array;
  if (to === 'jsonl') {
    const parts: string[] = [];
    for await (const rows of typedRows(contract, batches)) {
      for (const row of rows) {
        source.addRow(row);
        const obj: Record<string, unknown> = {};
        contract.schema.forEach((c, i) => (obj[c.name] = toJsonValue(c.type, row[i]!)));
        parts.push(`${JSON.stringify(obj)}\n`);
      }
    }
    body = Buffer.from(parts.join(''), 'utf8');
  } else if (to === 'parquet') {
    const writer = new ByteWriter();
    const schema = [
      { name: 'root', num_children: contract.schema.length },
      ...contract.schema.map(parquetElement),
    ];
    const pw = new ParquetWriter({ writer, schema: schema as never, codec: 'SNAPPY' });
    for await (const rows of typedRows(contract, batches)) {
      if (rows.length === 0) continue;
      for (const row of rows) source.addRow(row);
      // One row group per batch: row groups are written as they fill instead of at the end.
      await pw.write({
        columnData: contract.schema.map((c, i) => ({
          name: c.name,
          data: rows.map((row) => toParquetValue(c.type, row[i]!)),
        })),
        rowGroupSize: rows.length,
      });
    }
    await pw.finish();
    body = writer.getBytes();
  } else {
    throw new FormatError(`conversion to ${to} is not supported by the converter yet; use jsonl or parquet`);
  }

  // Read back with an independent reader and compare.
  const check = new TableDigest(contract.schema);
  if (to === 'jsonl') {
    const text = Buffer.from(body).toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const obj = JSON.parse(line) as Record<string, unknown>;
      check.addRow(contract.schema.map((c) => fromJsonValue(c.type, obj[c.name])));
    }
  } else if (source.rows > 0) {
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file, utf8: true })) as Record<string, unknown>[];
    for (const row of rows) check.addRow(contract.schema.map((c) => row[c.name]));
  }
  const expected = source.digest();
  const actual = check.digest();
  if (check.rows !== source.rows) {
    throw new IntegrityError(`conversion to ${to} wrote ${check.rows} rows for ${source.rows} read`);
  }
  const differing = Object.keys(expected).filter((k) => expected[k] !== actual[k]);
  if (differing.length > 0) {
    throw new IntegrityError(`conversion to ${to} changed the values of column(s) ${differing.join(', ')}`);
  }
  return {
    format: to,
    body,
    contentType: to === 'parquet' ? 'application/vnd.apache.parquet' : 'application/x-ndjson',
    rowsIn: source.rows,
    rowsOut: check.rows,
    checksums: expected,
    equivalent: true,
  };
}
