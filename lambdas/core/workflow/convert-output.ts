/**
 * Convert step: writes the output in the format its contract asks for (`convert_to`) under the
 * artifacts bucket's converted prefix, with convertTable's equivalence proof (rows and per-column
 * checksums read back from the written object).
 */
import { convertTable } from '../conversion/convert-table';
import type { ContractCatalog } from '../contracts/contract-catalog';
import { InvalidInputError } from '../errors';
import { contentTypeOf } from '../formats/content-type';
import type { ReaderLimits } from '../formats/table-io';
import { s3Uri, type ObjectStore } from '../storage/object-store';
import { artifactKey } from './artifact-keys';
import type { ConvertInput, ConvertResult } from './workflow-types';

export interface ConvertDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly convertedPrefix: string;
  /** Bounds the object is read within; each absent limit is its reader's default. */
  readonly readerLimits?: ReaderLimits;
}

export async function convertOutput(input: ConvertInput, deps: ConvertDeps): Promise<ConvertResult> {
  const { object, output } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const to = contract.convertTo;
  if (!to) {
    throw new InvalidInputError(
      `${output.contractKey} has no convert_to; the state machine should not have called Convert`,
    );
  }
  const key = artifactKey(deps.convertedPrefix, object, to);
  const sink = deps.store.sink(deps.artifactsBucket, key, contentTypeOf(to));
  const result = await convertTable(
    deps.store.source(object.bucket, object.key, object.versionId ?? undefined),
    sink,
    () => deps.store.source(deps.artifactsBucket, key, sink.result?.versionId),
    { to, contract, ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}) },
  );
  return {
    uri: s3Uri(deps.artifactsBucket, key),
    versionId: sink.result?.versionId ?? null,
    etag: sink.result?.etag ?? '',
    size: sink.result?.size ?? 0,
    format: to,
    rowsIn: result.rowsIn,
    rowsOut: result.rowsOut,
    equivalent: result.equivalent,
    checksums: result.checksums,
  };
}
