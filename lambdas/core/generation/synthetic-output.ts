/**
 * Where a generated output goes and how it is remembered. Keys follow the contract's path
 * template (run placeholders filled with the run id, a trailing `/` completed with a part file
 * name), so synthetic objects sit where the pipeline's own would and match their contract. Objects
 * written to S3 are registered as data type `synthetic`, with the generation settings in the note.
 */
import {
  logicalName,
  type Compression,
  type DataFormat,
  type OutputContract,
} from '../contracts/output-contract';
import { extensionOf } from '../formats/content-type';
import { randomUUID } from 'node:crypto';
import {
  GENERATED_WRITER,
  objectPk,
  outputIndexKey,
  runIndexKey,
  versionSk,
  type OutputRegistry,
  type RegistryEntry,
} from '../registry/output-registry';
import { s3Uri } from '../storage/object-store';

const RUN_VARIABLES = ['run_id', 'run', 'execution_id'];

/** The object key (or relative file path) of a generated output. */
export function syntheticKey(
  contract: OutputContract,
  runId: string,
  format: DataFormat,
  compression: Compression = 'none',
): string {
  const filled = contract.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) =>
    RUN_VARIABLES.includes(name) ? runId : 'synthetic',
  );
  return filled.endsWith('/') ? `${filled}part-00000.${extensionOf(format, compression)}` : filled;
}

export interface SyntheticObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
}

export interface SyntheticDescription {
  readonly contract: OutputContract;
  readonly contractKey?: string;
  readonly runId: string;
  readonly rows: number;
  readonly seed: number;
  readonly format: DataFormat;
  readonly violations: readonly string[];
}

/** The registry entry of a synthetic object (status pending: it has not been tested). */
export function syntheticEntry(
  object: SyntheticObject,
  what: SyntheticDescription,
  now: Date,
): RegistryEntry {
  const uri = s3Uri(object.bucket, object.key);
  const sk = versionSk(object.versionId, object.etag);
  const registeredAt = now.toISOString();
  const { contract } = what;
  return {
    pk: objectPk(uri),
    sk,
    uri,
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    etag: object.etag,
    size: object.size,
    status: 'pending',
    dataType: 'synthetic',
    // Not an execution's token: the object's arrival takes this entry over and tests it.
    registeredBy: `${GENERATED_WRITER}${randomUUID()}`,
    registeredAt,
    eventTime: registeredAt,
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    runId: what.runId,
    format: what.format,
    rowCount: what.rows,
    ...(what.contractKey ? { contractKey: what.contractKey } : {}),
    ...(contract.jobType ? { jobType: contract.jobType } : {}),
    note: `synthetic data for ${logicalName(contract)}: ${what.rows} rows, seed ${what.seed}${what.violations.length ? `, violating ${what.violations.join(', ')}` : ''}`,
    gsi1pk: outputIndexKey(contract.pipeline, contract.step, contract.output),
    gsi1sk: `${registeredAt}#${uri}#${sk}`,
    gsi2pk: runIndexKey(contract.pipeline, what.runId),
    gsi2sk: `${contract.step}#${contract.output}#${uri}#${sk}`,
  };
}

export async function registerSynthetic(
  registry: OutputRegistry,
  object: SyntheticObject,
  what: SyntheticDescription,
  now: Date,
): Promise<RegistryEntry> {
  const { entry } = await registry.register(syntheticEntry(object, what, now));
  return entry;
}
