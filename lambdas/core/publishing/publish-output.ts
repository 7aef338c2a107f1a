/**
 * The Publish step of write-audit-publish (decision 0026): a gated output's tested version is
 * copied server-side from its staging path to the path consumers read, only when its status is one
 * the contract's `publish.when` allows. A version that may not be published stays in staging and
 * its registry entry says why. A published version records where it went, and a `published`
 * lineage edge joins the staged version to its copy.
 *
 * Idempotent: every copy carries the staged version it came from in its metadata, and a retry finds
 * it there and copies nothing again; the registry write and the lineage edge are idempotent too.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import type { OutputContract } from '../contracts/output-contract';
import { InvalidInputError } from '../errors';
import { lineageNode, type LineageStore } from '../lineage/lineage-store';
import {
  versionSk,
  versionTokenOf,
  type OutputRegistry,
  type Publication,
} from '../registry/output-registry';
import { ObjectNotFoundError, readText, s3Uri, type ObjectStore } from '../storage/object-store';
import { versionToken } from '../workflow/artifact-keys';
import type { ObjectRef, RegisteredOutput } from '../workflow/workflow-types';
import { planFolderPublication, planObjectCopy, type CopyPlanOptions, type StagedPart } from './copy-plan';
import {
  PUBLISHED_FROM_METADATA,
  StagedVersionChangedError,
  type CopiedObject,
  type CopySource,
  type ObjectCopier,
  type ObjectLocation,
} from './object-copier';
import { publishedKeyOf, requirePublishedPrefix } from './published-key';

export interface PublishInput {
  readonly object: ObjectRef;
  readonly output: RegisteredOutput;
  /** The version's test status, as validation (or the merge) ended. */
  readonly status: string;
  /** A partitioned output's plan manifest: the parts that were validated, with their ETags. */
  readonly manifest?: { readonly bucket: string; readonly key: string } | null;
}

export type PublishResult =
  | {
      readonly published: true;
      readonly uri: string;
      readonly bucket: string;
      readonly key: string;
      readonly versionId: string | null;
      readonly etag: string;
      /** The published copy's version token (a version id, or `etag:<etag>`). */
      readonly version: string;
      /** Objects copied: 1 for an object, the parts of a folder. */
      readonly objects: number;
      /** Objects a retry found already published from the same version, and left as they were. */
      readonly alreadyPublished: number;
    }
  | { readonly published: false; readonly reason: string };

export interface PublishDeps {
  readonly catalog: Pick<ContractCatalog, 'get'>;
  /** Heads the staged version and reads the plan manifest. */
  readonly store: ObjectStore;
  readonly copier: ObjectCopier;
  readonly registry: Pick<OutputRegistry, 'recordPublication'>;
  readonly lineage: Pick<LineageStore, 'record'>;
  readonly now: () => Date;
  /** The environment's published prefix: the only prefix the step writes. */
  readonly publishedPrefix: string;
  readonly copy?: CopyPlanOptions;
}

/** Parts copied at once: enough to hide each copy's round trip, few enough for S3's per-prefix rates. */
const PART_CONCURRENCY = 8;

export async function publishOutput(input: PublishInput, deps: PublishDeps): Promise<PublishResult> {
  const { object, output } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const publish = contract.publish;
  if (!publish) return { published: false, reason: 'the contract asks for no publication' };
  const ref = { pk: object.pk, sk: object.sk };
  const at = deps.now().toISOString();
  if (!(publish.when as readonly string[]).includes(input.status)) {
    const reason = `not published: the version ${input.status}, and the contract publishes only ${publish.when.join(' or ')} versions; it stays in staging`;
    await deps.registry.recordPublication(ref, { state: 'withheld', reason, at });
    return { published: false, reason };
  }
  const gated = { path: contract.path, publish };
  const targetKey = publishedKeyOf(gated, object.key);
  requirePublishedPrefix(targetKey, deps.publishedPrefix);
  const from = lineageNode(object.uri, versionToken(object));

  const done = object.key.endsWith('/')
    ? await publishFolder(input, contract, targetKey, from, deps)
    : await publishObject(object, targetKey, from, deps);

  const uri = s3Uri(object.bucket, targetKey);
  const version = versionTokenOf({ sk: versionSk(done.copied.versionId, done.copied.etag) });
  const publication: Publication = { state: 'published', uri, version, at };
  await deps.registry.recordPublication(ref, publication);
  const name = `${output.pipeline}/${output.step}/${output.output}`;
  await deps.lineage.record({
    from,
    to: lineageNode(uri, version),
    kind: 'published',
    fromOutput: name,
    toOutput: name,
    recordedAt: at,
    dataType: 'pipeline',
    // The copy is made by prt's publish function, not by the pipeline's job.
    jobType: 'prt-publish',
    ...(output.runId ? { runId: output.runId } : {}),
  });
  return {
    published: true,
    uri,
    bucket: object.bucket,
    key: targetKey,
    versionId: done.copied.versionId,
    etag: done.copied.etag,
    version,
    objects: done.objects,
    alreadyPublished: done.alreadyPublished,
  };
}

interface Done {
  readonly copied: CopiedObject;
  readonly objects: number;
  readonly alreadyPublished: number;
}

async function publishObject(
  object: ObjectRef,
  targetKey: string,
  from: string,
  deps: PublishDeps,
): Promise<Done> {
  const target = { bucket: object.bucket, key: targetKey };
  const existing = await deps.copier.inspect(target);
  if (existing?.from === from) return { copied: existing, objects: 1, alreadyPublished: 1 };
  const source: CopySource = {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    etag: object.etag,
  };
  const head = await headStaged(source, deps);
  const copied = await copyOne(source, head.size, target, from, head.contentType, deps);
  return { copied, objects: 1, alreadyPublished: 0 };
}

/** The staged version as it is now; one that changed or went away since its test is not published. */
async function headStaged(
  source: CopySource,
  deps: PublishDeps,
): Promise<{ size: number; contentType?: string }> {
  const uri = s3Uri(source.bucket, source.key);
  try {
    const head = await deps.store.head(source.bucket, source.key, source.versionId ?? undefined);
    if (head.etag !== source.etag)
      throw new StagedVersionChangedError(
        `${uri} changed since it was tested (ETag ${head.etag}, tested ${source.etag}); the new upload is tested and published by its own execution`,
      );
    return { size: head.size, ...(head.contentType ? { contentType: head.contentType } : {}) };
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      throw new StagedVersionChangedError(
        `${uri} (the tested version) is gone from staging; nothing to publish`,
      );
    throw error;
  }
}

async function copyOne(
  source: CopySource,
  size: number,
  target: ObjectLocation,
  from: string,
  contentType: string | undefined,
  deps: PublishDeps,
): Promise<CopiedObject> {
  const options = {
    metadata: { [PUBLISHED_FROM_METADATA]: encodeURIComponent(from) },
    ...(contentType ? { contentType } : {}),
  };
  const plan = planObjectCopy(size, deps.copy);
  if (plan.kind === 'single') return deps.copier.copy(source, target, options);
  const uploadId = await deps.copier.startMultipartCopy(target, options);
  try {
    const etags: { partNumber: number; etag: string }[] = [];
    for (const part of plan.parts)
      etags.push({
        partNumber: part.partNumber,
        etag: await deps.copier.copyPart(uploadId, source, target, part),
      });
    return await deps.copier.completeMultipartCopy(uploadId, target, etags);
  } catch (error) {
    // An upload left open keeps its parts (and their cost) until a lifecycle rule removes them.
    await deps.copier.abortMultipartCopy(uploadId, target).catch(() => undefined);
    throw error;
  }
}

interface ManifestEntry {
  readonly Key: string;
  readonly Etag: string;
  readonly Size: number;
}

async function plannedParts(input: PublishInput, deps: PublishDeps): Promise<StagedPart[]> {
  const manifest = input.manifest;
  if (!manifest)
    throw new InvalidInputError(
      `${input.object.uri} is a folder but the step was given no plan manifest: the parts that were validated are unknown`,
    );
  const text = await readText(deps.store, manifest.bucket, manifest.key);
  const items = JSON.parse(text) as ManifestEntry[];
  return items.map((i) => ({ key: i.Key, etag: i.Etag.replace(/"/g, ''), size: i.Size }));
}

/**
 * Every part, then `_manifest.json` (each part's published ETag and its staged source), then
 * `_SUCCESS` last. A marker an older version left is removed first, so a reader that waits for the
 * marker never takes a folder that is half old and half new for a complete one.
 */
async function publishFolder(
  input: PublishInput,
  contract: OutputContract,
  targetFolder: string,
  from: string,
  deps: PublishDeps,
): Promise<Done> {
  const { object } = input;
  const plan = planFolderPublication(object.key, targetFolder, await plannedParts(input, deps));
  const bucket = object.bucket;
  const marker = { bucket, key: plan.markerKey };
  const manifestAt = { bucket, key: plan.manifestKey };
  const previous = await deps.copier.inspect(marker);
  if (previous?.from === from) {
    const manifest = await deps.copier.inspect(manifestAt);
    if (manifest?.from === from)
      return { copied: manifest, objects: plan.copies.length, alreadyPublished: plan.copies.length };
  }
  if (previous) await deps.copier.remove(marker);

  const published: { key: string; source: string; etag: string; sourceEtag: string; size: number }[] = [];
  let alreadyPublished = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.copies.length) {
      const { source: part, targetKey } = plan.copies[next++]!;
      const source: CopySource = { bucket, key: part.key, versionId: null, etag: part.etag };
      const partFrom = lineageNode(s3Uri(bucket, part.key), `etag:${part.etag}`);
      const target = { bucket, key: targetKey };
      const existing = await deps.copier.inspect(target);
      let copied: CopiedObject;
      if (existing?.from === partFrom) {
        copied = existing;
        alreadyPublished++;
      } else {
        const head = await headStaged(source, deps);
        copied = await copyOne(source, head.size, target, partFrom, head.contentType, deps);
      }
      published.push({
        key: targetKey,
        source: part.key,
        etag: copied.etag,
        sourceEtag: part.etag,
        size: part.size,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, plan.copies.length) }, worker));
  published.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const options = { metadata: { [PUBLISHED_FROM_METADATA]: encodeURIComponent(from) } };
  const manifest = {
    schemaVersion: 1,
    source: object.uri,
    version: versionToken(object),
    output: `${contract.pipeline}/${contract.step}/${contract.output}`,
    parts: published,
  };
  const written = await deps.copier.put(manifestAt, JSON.stringify(manifest), 'application/json', options);
  // Last: the marker says every part and the manifest are in place.
  await deps.copier.put(marker, '', 'application/octet-stream', options);
  return { copied: written, objects: plan.copies.length, alreadyPublished };
}
