/**
 * Partition values as columns. Spark, Glue and Hive write a partitioned table's parts under
 * folders that name a column and its value (`date=2026-11-01/region=eu/part-0.parquet`) and leave
 * those columns out of the part files. A contract declares them (`partition_by`, typed in its
 * schema); each part's values come from its key, parsed as their column's type, and join every
 * batch of the part as constant columns, so column checks and rules see them as any other column.
 *
 * A part whose folders do not give exactly the declared columns, in order, or whose folder value is
 * not of its column's type, is refused with a PartitionPathError naming its key: read without them
 * it would pass or fail on columns it does not have.
 */
import type { OutputContract } from '../contracts/output-contract';
import { columnCodec, NOT_CONFORMING, type TypedValue } from '../contracts/typed-values';
import { PartitionPathError } from '../errors';
import type { ColumnBatch, ColumnVector } from '../formats/column-batch';

/** Hive's folder for a null partition value. */
export const HIVE_NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** Keys are bounded by S3 at 1,024 bytes; a folder segment longer than that is not a key's. */
const MAX_SEGMENT_CHARS = 1024;

export interface PartitionValue {
  readonly column: string;
  /** The folder's value as written (unescaped), or null for Hive's null partition. */
  readonly text: string | null;
  /** The value typed by the contract's column. */
  readonly value: TypedValue;
}

/** Undoes Hive's escaping of a folder value (`%3A` for ':', `%2F` for '/'). */
function unescapeHive(text: string, key: string, segment: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new PartitionPathError(`folder '${segment}' holds a malformed %-escape`, key);
  }
}

/**
 * The partition values of one part: `partKey` lies under the folder `datasetKey` (ending in '/').
 * Without declared partition columns there is nothing to give, whatever the folders say.
 */
export function partitionValuesOf(
  contract: Pick<OutputContract, 'partitionBy' | 'schema'>,
  datasetKey: string,
  partKey: string,
): readonly PartitionValue[] {
  const declared = contract.partitionBy ?? [];
  if (declared.length === 0) return [];
  if (!partKey.startsWith(datasetKey))
    throw new PartitionPathError(`the part is not under the output's folder ${datasetKey}`, partKey);
  const folders = partKey.slice(datasetKey.length).split('/').slice(0, -1);
  const expected = declared.map((c) => `${c}=…`).join('/');
  if (folders.length !== declared.length) {
    throw new PartitionPathError(
      `${folders.length} folder${folders.length === 1 ? '' : 's'} below the output's folder, expected ${declared.length} (${expected}, as partition_by declares)`,
      partKey,
    );
  }
  return declared.map((column, i): PartitionValue => {
    const segment = folders[i]!;
    const eq = segment.indexOf('=');
    const name = eq < 0 ? undefined : segment.slice(0, eq);
    if (name !== column || segment.length > MAX_SEGMENT_CHARS) {
      throw new PartitionPathError(
        `folder ${i + 1} is '${segment.slice(0, 100)}', expected '${column}=<value>' (partition_by: ${declared.join(', ')})`,
        partKey,
      );
    }
    const raw = segment.slice(eq + 1);
    if (raw === HIVE_NULL_PARTITION) return { column, text: null, value: null };
    const text = unescapeHive(raw, partKey, segment);
    const spec = contract.schema.find((c) => c.name === column);
    // parseContract makes every partition column a schema column; a hand-built contract may not.
    if (!spec) throw new PartitionPathError(`partition column '${column}' is not in the schema`, partKey);
    const value = columnCodec(spec).parse(text);
    if (value === NOT_CONFORMING) {
      throw new PartitionPathError(
        `folder '${segment}': '${text}' is not a ${spec.type} value for partition column '${column}'`,
        partKey,
      );
    }
    return { column, text, value };
  });
}

/**
 * The batches of a part with its partition values appended as columns. Each is a cells vector of
 * the folder's text (null for Hive's null partition), so the engine types it with the column's
 * codec exactly as a CSV cell; a part that holds a column of the same name is refused, since the
 * file and the folder would each claim the value.
 */
export async function* withPartitionColumns(
  batches: AsyncIterable<ColumnBatch>,
  values: readonly PartitionValue[],
  partKey: string,
): AsyncIterable<ColumnBatch> {
  if (values.length === 0) {
    yield* batches;
    return;
  }
  const names = values.map((v) => v.column);
  let checked = false;
  for await (const batch of batches) {
    if (!checked) {
      const clash = names.find((n) => batch.columns.includes(n));
      if (clash !== undefined)
        throw new PartitionPathError(
          `column '${clash}' is both in the file and in its folder; a partition column lives in the folder only`,
          partKey,
        );
      checked = true;
    }
    const extra = values.map((v): ColumnVector => ({
      kind: 'cells',
      values: new Array<string | null>(batch.length).fill(v.text),
    }));
    yield { ...batch, columns: [...batch.columns, ...names], vectors: [...batch.vectors, ...extra] };
  }
}

/** The contract a part's own file is converted by: its columns without those of its folders. */
export function withoutPartitionColumns(contract: OutputContract): OutputContract {
  const declared = new Set(contract.partitionBy ?? []);
  if (declared.size === 0) return contract;
  return {
    ...contract,
    schema: contract.schema.filter((c) => !declared.has(c.name)),
    quality: [],
  };
}
