/**
 * The partitioned branch's plan step: before the Distributed Map, lists the whole folder once,
 * keeps its data parts and writes them as a JSON array (the manifest) to the artifacts bucket. The
 * map reads its items from the manifest (an `s3:getObject` ItemReader), not from a listing of its
 * own, so:
 *
 * - the map is given exactly the parts `isDataPart` accepts: no child execution is spent on a
 *   marker, a `_temporary/` file or a folder placeholder;
 * - the folder is listed by our own store, which pages through every key: an ItemReader's listing
 *   is the service's, and the local emulators' stops at the first 1,000 keys;
 * - the merge knows the set of parts the map was given, and can tell a part that appeared after it
 *   from one whose validation failed (see validate-partitions.ts, mergeParts).
 *
 * The key depends on the dataset version and the execution only, so a retried plan overwrites its
 * own manifest and a second execution for the same version never reads another's.
 */
import { byteOrder, isDataPart } from '../registry/dataset-parts';
import { ObjectNotFoundError, readText, type ObjectStore } from '../storage/object-store';
import { artifactKey } from './artifact-keys';
import type { ObjectRef } from './workflow-types';

/** One part as the manifest lists it: the shape an S3 ListObjectsV2 ItemReader gives an item. */
export interface ManifestItem {
  readonly Key: string;
  readonly Size: number;
  /** Quoted, as ListObjectsV2 returns it. */
  readonly Etag: string;
  /** Seconds since the epoch, as the ItemReader gives it; 0 when the store does not tell it. */
  readonly LastModified: number;
  readonly StorageClass: string;
}

export interface PlanPartsInput {
  /** The dataset: its folder as `key`, its version fixed by the marker. */
  readonly dataset: ObjectRef;
  /** The execution's id (an ARN on AWS); absent, the manifest is the version's alone. */
  readonly execution?: string;
}

/** What the plan hands the state machine: where the manifest is, and how many parts it lists. */
export interface PartsManifest {
  /** The parts of a folder; the ranges of one object are planned by validate-ranges.ts. */
  readonly kind: 'parts';
  readonly bucket: string;
  readonly key: string;
  readonly parts: number;
}

export interface PlanDeps {
  readonly store: ObjectStore;
  readonly artifactsBucket: string;
  readonly manifestsPrefix: string;
}

/**
 * The execution's name, the last segment of its ARN, kept to characters safe in a key (the
 * embedded stack's ids are not ARNs).
 */
function executionToken(execution: string | undefined): string | undefined {
  if (execution === undefined || execution === '') return undefined;
  return (execution.split(':').pop() ?? execution).replace(/[^A-Za-z0-9._-]/g, '_');
}

export function manifestKey(
  deps: Pick<PlanDeps, 'manifestsPrefix'>,
  dataset: ObjectRef,
  execution?: string,
): string {
  const token = executionToken(execution);
  return artifactKey(deps.manifestsPrefix, dataset, token === undefined ? 'json' : `${token}.json`);
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

export async function planParts(input: PlanPartsInput, deps: PlanDeps): Promise<PartsManifest> {
  const { dataset } = input;
  const items: ManifestItem[] = [];
  for await (const o of deps.store.list(dataset.bucket, dataset.key)) {
    if (!isDataPart(dataset.key, o.key)) continue;
    items.push({
      Key: o.key,
      Size: o.size,
      Etag: quoted(o.etag),
      LastModified: o.lastModified ? Math.floor(o.lastModified.getTime() / 1000) : 0,
      // The store's summary has no storage class; the parts a job just wrote are STANDARD.
      StorageClass: 'STANDARD',
    });
  }
  // The order S3 lists in, whatever the store's: the map's items come in the parts' order.
  items.sort((a, b) => byteOrder(a.Key, b.Key));
  const key = manifestKey(deps, dataset, input.execution);
  await deps.store.write(deps.artifactsBucket, key, JSON.stringify(items), 'application/json');
  return { kind: 'parts', bucket: deps.artifactsBucket, key, parts: items.length };
}

/** The parts a manifest lists, by key; undefined when there is no manifest (an older execution). */
export async function readManifestKeys(
  deps: Pick<PlanDeps, 'store' | 'artifactsBucket'>,
  key: string,
): Promise<Set<string> | undefined> {
  try {
    const items = JSON.parse(await readText(deps.store, deps.artifactsBucket, key)) as ManifestItem[];
    return new Set(items.map((i) => i.Key));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
