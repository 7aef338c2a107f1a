/**
 * One object rewritten for staging: read batch by batch, typed by the contract (else by the file's
 * own schema), optionally cut to a sample (its first N rows, or a seeded fraction of its rows),
 * optionally masked (the contract's personal columns replaced by keyed pseudonyms,
 * lambdas/core/masking) and written in the format asked for. Memory holds one batch, not the
 * object: a fraction sample or a masked copy of a large object streams through.
 *
 * A sampled or masked copy is by design not equivalent to its source, so it carries no
 * equivalence proof; a plain format change goes through convertTable instead, which proves it.
 */
import type { ColumnSpec, DataFormat, OutputContract } from '../contracts/output-contract';
import { columnCodec, NOT_CONFORMING, type TypedValue } from '../contracts/typed-values';
import { FormatError } from '../errors';
import type { ByteSink, ByteSource } from '../formats/byte-io';
import { ColumnMapping } from '../formats/column-mapping';
import { createTableWriter } from '../formats/create-table-writer';
import { openTable } from '../formats/open-table';
import type { ReaderLimits, TypedRow } from '../formats/table-io';
import type { Pseudonymizer } from '../masking/pseudonymize';
import { schemaOf } from '../download/sample-object';

/** Rows read per batch: the memory a staging holds at once. */
const BATCH_ROWS = 10_000;

/** A sample: the first `rows` rows, or each row kept with probability `fraction` (seeded). */
export type SampleSpec = { readonly rows: number } | { readonly fraction: number; readonly seed: number };

export interface StageTableOptions {
  readonly contract?: OutputContract;
  readonly sample?: SampleSpec;
  /** Rows still wanted by a first-N sample spread over several objects (default sample.rows). */
  readonly rowBudget?: number;
  readonly mask?: { readonly pseudonymizer: Pseudonymizer; readonly columns: readonly ColumnSpec[] };
  /** Output format; default the input's. */
  readonly to?: DataFormat;
  readonly readerLimits?: ReaderLimits;
}

export interface StagedTable {
  readonly from: DataFormat;
  readonly to: DataFormat;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly masked: readonly string[];
}

/** Checks a sample's numbers; the message says what is wrong with which. */
export function checkSample(sample: SampleSpec): SampleSpec {
  if ('rows' in sample) {
    if (!Number.isSafeInteger(sample.rows) || sample.rows < 1)
      throw new RangeError(`sample.rows must be a whole number of at least 1, not ${sample.rows}`);
  } else {
    if (!(sample.fraction > 0 && sample.fraction <= 1))
      throw new RangeError(`sample.fraction must be above 0 and at most 1, not ${sample.fraction}`);
    if (!Number.isSafeInteger(sample.seed))
      throw new RangeError(`sample.seed must be a whole number, not ${sample.seed}`);
  }
  return sample;
}

/**
 * Whether row `row` (1-based) is in a seeded fraction sample: a 32-bit mix of seed and row number
 * (splitmix32) against the fraction, so the same seed keeps the same rows on every run and a row's
 * fate does not depend on the rows before it.
 */
export function keepsRow(seed: number, row: number, fraction: number): boolean {
  let z = (Math.imul(seed | 0, 0x9e3779b9) ^ Math.imul(row | 0, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return z / 0x1_0000_0000 < fraction;
}

export async function stageTable(
  source: ByteSource,
  sink: ByteSink,
  options: StageTableOptions,
): Promise<StagedTable> {
  const { contract, sample, mask } = options;
  if (sample) checkSample(sample);
  const csv = contract?.csv;
  const opened = await openTable(source, {
    batchSize: BATCH_ROWS,
    ...options.readerLimits,
    ...(contract ? { formatHint: contract.format } : {}),
    ...(csv ? { csv } : {}),
    ...(contract && csv && !csv.header ? { columns: contract.schema.map((c) => c.name) } : {}),
  });
  const budget = sample && 'rows' in sample ? (options.rowBudget ?? sample.rows) : Infinity;
  const iterator = opened.batches[Symbol.asyncIterator]();
  const head = budget > 0 ? await iterator.next() : { done: true as const, value: undefined };
  const first = head.done ? undefined : head.value;
  const schema = await schemaOf(source, opened.format, first, contract);
  if (schema.length === 0) throw new FormatError(`${source.name} has no columns to stage`);
  const codecs = schema.map(columnCodec);
  const mapping = new ColumnMapping(schema);
  const maskedAt = new Set(
    (mask?.columns ?? []).map((c) => {
      const at = schema.findIndex((s) => s.name === c.name);
      if (at < 0) throw new FormatError(`masked column ${c.name} is not in the schema of ${source.name}`);
      return at;
    }),
  );
  const to = options.to ?? opened.format;
  const writer = createTableWriter(to, sink, { schema, ...(csv ? { csv } : {}) });
  let rowsRead = 0;
  let rowsWritten = 0;
  try {
    let batch = first;
    while (batch && rowsWritten < budget) {
      mapping.update(batch.columns);
      const typed: TypedRow[] = [];
      for (const [r, row] of batch.rows.entries()) {
        rowsRead++;
        const number = batch.firstRow + r;
        if (sample && 'fraction' in sample && !keepsRow(sample.seed, number, sample.fraction)) continue;
        typed.push(
          schema.map((column, i): TypedValue => {
            const at = mapping.indexOf[i]!;
            const raw = at >= 0 ? (row[at] ?? null) : null;
            if (raw === null) return null;
            const value = codecs[i]!.parse(raw);
            if (value === NOT_CONFORMING)
              throw new FormatError(
                `${source.name} row ${number}: a value in ${column.name} is not ${column.type}`,
              );
            return maskedAt.has(i) ? mask!.pseudonymizer.mask(column, value) : value;
          }),
        );
        if (rowsWritten + typed.length >= budget) break;
      }
      await writer.write(typed);
      rowsWritten += typed.length;
      if (rowsWritten >= budget) break;
      const next = await iterator.next();
      batch = next.done ? undefined : next.value;
    }
    // Leaving early stops the reader and its fetches.
    await iterator.return?.();
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  return {
    from: opened.format,
    to,
    rowsRead,
    rowsWritten,
    masked: [...maskedAt].map((i) => schema[i]!.name),
  };
}
