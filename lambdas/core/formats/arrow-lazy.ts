/**
 * Arrow IPC support, loaded when an Arrow object is read. apache-arrow is the heaviest module the
 * readers use (about 0.2 s of CPU to import on the benchmark machine, 40% of the validation path's
 * start-up), and most outputs are CSV, JSON or Parquet: a validation, an inspection or a CLI
 * command that never meets an Arrow file does not pay for it. Bundled Lambdas keep the module in
 * the bundle; esbuild initialises a dynamically imported module on first use.
 */
import type { ByteSource } from './byte-io';
import type { InferredColumn } from './parquet-types';
import type { RecordBatch } from './record-batch';
import type { ArrowFileBlocks, ArrowReadOptions } from './arrow-reader';

/** The columns of an Arrow IPC stream or file in contract terms (arrow-reader's arrowSchemaOf). */
export async function arrowSchemaOf(source: ByteSource): Promise<InferredColumn[]> {
  const { arrowSchemaOf: read } = await import('./arrow-reader');
  return read(source);
}

/** arrow-reader's readArrow, imported on the first batch asked for. */
export async function* readArrow(
  source: ByteSource,
  options: ArrowReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const { readArrow: read } = await import('./arrow-reader');
  yield* read(source, options);
}

/** arrow-reader's arrowFileBlocks: the footer's blocks of an IPC file, null when it cannot be split. */
export async function arrowFileBlocks(source: ByteSource): Promise<ArrowFileBlocks | null> {
  const { arrowFileBlocks: blocks } = await import('./arrow-reader');
  return blocks(source);
}
