/**
 * Convert step: writes the output in the format its contract asks for (`convert_to`), with the
 * equivalence proof from convertRecords, under the artifacts bucket's converted prefix.
 */
import { convertRecords } from '../conversion/convert-records';
import type { ContractCatalog } from '../contracts/contract-catalog';
import { InvalidInputError } from '../errors';
import { s3Uri, type ObjectStore } from '../storage/object-store';
import { artifactKey } from './artifact-keys';
import { openRecords } from './open-records';
import type { ConvertInput, ConvertResult } from './workflow-types';

export interface ConvertDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly convertedPrefix: string;
}

export async function convertOutput(input: ConvertInput, deps: ConvertDeps): Promise<ConvertResult> {
  const { object, output, inspection } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const to = contract.convertTo;
  if (!to)
    throw new InvalidInputError(
      `${output.contractKey} has no convert_to; the state machine should not have called Convert`,
    );
  const result = await convertRecords(contract, await openRecords(deps.store, object, inspection), to);
  const key = artifactKey(deps.convertedPrefix, object, to);
  const written = await deps.store.write(deps.artifactsBucket, key, result.body, result.contentType);
  return {
    uri: s3Uri(deps.artifactsBucket, key),
    versionId: written.versionId ?? null,
    etag: written.etag,
    size: result.body.byteLength,
    format: to,
    rowsIn: result.rowsIn,
    rowsOut: result.rowsOut,
    equivalent: result.equivalent,
    checksums: result.checksums,
  };
}
