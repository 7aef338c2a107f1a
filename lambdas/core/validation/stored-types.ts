/**
 * The types a typed file (Parquet, Arrow IPC) declares for its columns, and how its values fit the
 * narrower types its readers ask for. A Parquet INT32 column under an int64 contract column is a
 * widening whatever the values, but an INT64 column under an int32 one is a cast that holds only
 * while every value fits: the declared types are read from the footer (schema message), and the
 * values of the narrowed columns alone are read once more to measure the fit. Text formats declare
 * nothing and keep the value-based grading; so does a column a typed file stores as text.
 */
import { narrowingNeedsValues, typeText, type ValueFit } from '../contracts/contract-diff';
import type { ColumnSpec, DataFormat } from '../contracts/output-contract';
import { columnCodec, NOT_CONFORMING, type ColumnCodec } from '../contracts/typed-values';
import { arrowSchemaOf } from '../formats/arrow-lazy';
import type { ByteSource } from '../formats/byte-io';
import { rawCellOf } from '../formats/column-batch';
import { openTable } from '../formats/open-table';
import { parquetSchemaOf } from '../formats/parquet-reader';
import type { RawCell } from '../formats/record-batch';
import type { ReaderLimits } from '../formats/table-io';

/** A column's declared type in contract terms, as a report keeps it. */
export type StoredType = Pick<ColumnSpec, 'type' | 'precision' | 'scale' | 'unit'>;

export interface StoredTypes {
  /** Declared type per column name (typed columns only: a column stored as text is not here). */
  readonly columns: ReadonlyMap<string, ColumnSpec>;
  /** Per column, how its values fit each narrower type asked for. */
  readonly fits: ReadonlyMap<string, readonly ValueFit[]>;
}

/** Whether a format declares its column types. */
export function declaresTypes(format: DataFormat): boolean {
  return format === 'parquet' || format === 'arrow';
}

/** The fields of a declared type a report keeps (the rest are the reader's hints). */
export function storedTypeOf(c: ColumnSpec): StoredType {
  return {
    type: c.type,
    ...(c.type === 'decimal' ? { precision: c.precision ?? 38, scale: c.scale ?? 0 } : {}),
    ...(c.type === 'timestamp' ? { unit: c.unit ?? 'us' } : {}),
  };
}

/** Whether a non-null raw value of a typed file holds exactly as `codec`'s column type. */
function fitsExactly(raw: Exclude<RawCell, null>, codec: ColumnCodec): boolean {
  if (codec.parse(raw) === NOT_CONFORMING) return false;
  // The float32 codec rounds; a value that changes in the rounding does not fit.
  if (codec.column.type === 'float32') {
    const n = typeof raw === 'number' ? raw : Number(raw);
    return Number.isNaN(n) || Math.fround(n) === n;
  }
  return true;
}

/**
 * The declared types of a typed file's columns and, for each `targets` column whose declared type
 * is wider than the target's (int64 for int32, float64 for float32, a decimal or a timestamp unit
 * with more room), how many values fit. Undefined for formats that declare no types. The second
 * read decodes the narrowed columns only, within the same reader limits as the validation.
 */
export async function readStoredTypes(
  source: ByteSource,
  format: DataFormat,
  targets: readonly ColumnSpec[],
  limits: ReaderLimits = {},
): Promise<StoredTypes | undefined> {
  if (!declaresTypes(format)) return undefined;
  const declared = format === 'parquet' ? await parquetSchemaOf(source) : await arrowSchemaOf(source);
  const columns = new Map<string, ColumnSpec>();
  for (const c of declared) if (c.type !== 'string') columns.set(c.name, c);

  interface Measure {
    readonly column: string;
    readonly codec: ColumnCodec;
    checked: number;
    misfits: number;
    example?: string;
  }
  const measures: Measure[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const stored = columns.get(target.name);
    const key = `${target.name}\u0000${typeText(target)}`;
    if (!stored || seen.has(key) || !narrowingNeedsValues(stored, target)) continue;
    seen.add(key);
    measures.push({ column: target.name, codec: columnCodec(target), checked: 0, misfits: 0 });
  }
  const fits = new Map<string, ValueFit[]>();
  if (measures.length > 0) {
    const opened = await openTable(source, { ...limits, format });
    const names = [...new Set(measures.map((m) => m.column))];
    for await (const batch of opened.columnBatches(names)) {
      for (const m of measures) {
        const vector = batch.vectors[batch.columns.indexOf(m.column)];
        if (!vector) continue;
        for (let r = 0; r < batch.length; r++) {
          const raw = rawCellOf(vector, r);
          if (raw === null) continue;
          m.checked++;
          if (fitsExactly(raw, m.codec)) continue;
          m.misfits++;
          m.example ??= String(raw);
        }
      }
    }
    for (const m of measures) {
      const list = fits.get(m.column) ?? [];
      list.push({
        to: typeText(m.codec.column),
        checked: m.checked,
        misfits: m.misfits,
        ...(m.example !== undefined ? { example: m.example } : {}),
      });
      fits.set(m.column, list);
    }
  }
  return { columns, fits };
}
