/**
 * Streams a plan's batches into a sink in any format and compression. Cells are computed column
 * by column into typed column builders (no row arrays, no BigInt per safe timestamp or decimal)
 * and handed to the writer's column-fed path; writers without one take the same rows. Nothing is
 * published unless every row was written: any failure aborts the sink (a file sink removes its
 * temporary file, an S3 sink aborts its multipart upload).
 */
import type { Compression, CsvOptions, DataFormat } from '../contracts/output-contract';
import { countingSink, type ByteSink } from '../formats/byte-io';
import { createTableWriter } from '../formats/create-table-writer';
import type { ParquetCodec } from '../formats/table-io';
import { rowsOfColumns, TypedColumnBuilder, type TypedColumn } from '../formats/typed-column';
import type { ColumnSpec } from '../contracts/output-contract';
import type { ColumnPlan } from './column-plan';
import type { TablePlan } from './table-plan';

export interface WriteTableOptions {
  readonly format: DataFormat;
  readonly compression?: Compression;
  readonly csv?: CsvOptions;
  readonly parquetCodec?: ParquetCodec;
  readonly onProgress?: (rows: number, bytes: number) => void;
}

export interface WrittenTable {
  readonly rows: number;
  /** Bytes handed to the sink (compressed size when compressed). */
  readonly bytes: number;
}

/**
 * Rows per batch, fixed: Arrow writes one record batch per write, so the batch size is part of the
 * bytes and must not vary. Memory is bounded by one batch plus the writer's buffer.
 */
const BATCH_ROWS = 8192;

/**
 * A column computed a batch at a time (ColumnPlan.fill) into buffers of its own, handed to the
 * writer in the flat layout TypedColumnBuilder would give the same values: `integer` for int64,
 * decimal and timestamp, `float64` for floats, `int32`, and `dictionary` for texts (which a writer
 * writes as the same texts). Its buffers hold one batch (BATCH_ROWS values) and are reused.
 */
interface FilledColumn {
  /** Computes rows [0, n) of the batch whose keys are given and returns them as a column. */
  column(keys: Float64Array, n: number): TypedColumn;
}

function filledColumn(plan: ColumnPlan, spec: ColumnSpec): FilledColumn | undefined {
  const fill = plan.fill;
  if (!fill) return undefined;
  const isNull = fill.isNull;
  // With a null layer, the fill computes the non-null cells, packed, and they are spread over the
  // rows as the builder would hold them: a value row written, a null row left as it was (the
  // writers read its validity byte only), `valid` given only for a batch with a null.
  const live = new Float64Array(isNull ? BATCH_ROWS : 0);
  const valid = new Uint8Array(isNull ? BATCH_ROWS : 0);
  /** Marks rows [0, n) valid or null and puts the keys of the valid ones in `live`; their count. */
  const mark = (keys: Float64Array, n: number): number => {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      if (isNull!(key)) valid[i] = 0;
      else {
        valid[i] = 1;
        live[m++] = key;
      }
    }
    return m;
  };
  if (fill.kind === 'indices') {
    if (spec.type !== 'string') return undefined;
    const indices = new Int32Array(BATCH_ROWS);
    const packed = new Int32Array(isNull ? BATCH_ROWS : 0);
    const dictionary = fill.dictionary;
    return {
      column(keys, n) {
        if (!isNull) fill.fill(keys, n, indices);
        else {
          const m = mark(keys, n);
          fill.fill(live, m, packed);
          for (let i = 0, j = 0; i < n; i++) indices[i] = valid[i] === 1 ? packed[j++]! : -1;
        }
        return { kind: 'dictionary', indices: indices.subarray(0, n), dictionary };
      },
    };
  }
  const numbers = new Float64Array(BATCH_ROWS);
  const packed = new Float64Array(isNull ? BATCH_ROWS : 0);
  /** Computes rows [0, n) into `numbers`; the batch's validity bytes, or null without a null. */
  const compute = (keys: Float64Array, n: number): Uint8Array | null => {
    if (!isNull) {
      fill.fill(keys, n, numbers);
      return null;
    }
    const m = mark(keys, n);
    fill.fill(live, m, packed);
    for (let i = 0, j = 0; i < n; i++) if (valid[i] === 1) numbers[i] = packed[j++]!;
    return m < n ? valid.subarray(0, n) : null;
  };
  switch (spec.type) {
    case 'int64':
    case 'decimal':
    case 'timestamp':
      return {
        column(keys, n) {
          const v = compute(keys, n);
          return { kind: 'integer', values: numbers.subarray(0, n), valid: v };
        },
      };
    case 'float32':
    case 'float64':
      return {
        column(keys, n) {
          const v = compute(keys, n);
          return { kind: 'float64', values: numbers.subarray(0, n), valid: v };
        },
      };
    case 'int32': {
      const ints = new Int32Array(BATCH_ROWS);
      return {
        column(keys, n) {
          const v = compute(keys, n);
          for (let i = 0; i < n; i++) ints[i] = numbers[i]!;
          return { kind: 'int32', values: ints.subarray(0, n), valid: v };
        },
      };
    }
    default:
      return undefined;
  }
}

export async function writeGeneratedTable(
  plan: TablePlan,
  sink: ByteSink,
  options: WriteTableOptions,
): Promise<WrittenTable> {
  let rows = 0;
  const counted = countingSink(sink);
  const csv = options.csv ?? plan.contract.csv;
  const writer = createTableWriter(options.format, counted, {
    schema: plan.schema,
    ...(csv ? { csv } : {}),
    ...(options.parquetCodec ? { parquet: { codec: options.parquetCodec } } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
  });
  const builders = plan.schema.map((spec) => new TypedColumnBuilder(spec, BATCH_ROWS));
  const cells = plan.columns.map((c) => c.cell);
  const filled = plan.columns.map((c, i) => filledColumn(c, plan.schema[i]!));
  const skip = plan.skip;
  // The batch's keys (series gaps left out), so that each column is computed in one tight loop.
  const keys = new Float64Array(BATCH_ROWS);
  try {
    let key = 0;
    while (key < plan.keys) {
      let n = 0;
      for (; key < plan.keys && n < BATCH_ROWS; key++) if (!skip?.(key)) keys[n++] = key;
      if (n === 0) break;
      const columns: TypedColumn[] = [];
      for (let c = 0; c < builders.length; c++) {
        const fill = filled[c];
        if (fill) {
          columns.push(fill.column(keys, n));
          continue;
        }
        const builder = builders[c]!;
        const cell = cells[c]!;
        builder.reset();
        for (let i = 0; i < n; i++) builder.append(cell(keys[i]!));
        columns.push(builder.finish());
      }
      if (writer.writeColumns) await writer.writeColumns(columns, n);
      else await writer.write(rowsOfColumns(columns, plan.schema, n));
      rows += n;
      options.onProgress?.(rows, counted.bytes);
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  options.onProgress?.(rows, counted.bytes);
  return { rows, bytes: counted.bytes };
}
