/**
 * Opens an arrived object version as record batches through the format layer, with the
 * contract's CSV dialect and the expected format as a hint when the content does not settle it.
 */
import type { OutputContract } from '../contracts/output-contract';
import type { RecordBatch } from '../formats/record-batch';
import { openTable } from '../formats/open-table';
import type { ObjectStore } from '../storage/object-store';
import type { ObjectRef } from './workflow-types';

export async function openRecords(
  store: ObjectStore,
  object: ObjectRef,
  contract: OutputContract,
): Promise<AsyncIterable<RecordBatch>> {
  const opened = await openTable(store.source(object.bucket, object.key, object.versionId ?? undefined), {
    format: contract.format,
    csv: contract.csv,
    ...(contract.csv.header ? {} : { columns: contract.schema.map((c) => c.name) }),
  });
  return opened.batches;
}
