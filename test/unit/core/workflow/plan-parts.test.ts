import { describe, expect, it } from 'vitest';

import type { ObjectStore, ObjectSummary } from '../../../../lambdas/core/storage/object-store';
import {
  manifestKey,
  planParts,
  readManifestKeys,
  type ManifestItem,
  type PlanDeps,
} from '../../../../lambdas/core/workflow/plan-parts';
import type { ObjectRef } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const FOLDER = 'datasets/sales/r1/orders/';
const VERSION = 'marker-0062E99A88DC407460';
const ARTIFACTS = 'prt-artifacts';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:prt-dev-output-testing:3f1c-e2a9';

function dataset(): ObjectRef {
  return {
    ...objectRef({ key: FOLDER, etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }),
    sk: `VER#${VERSION}`,
  };
}

/**
 * The in-memory store, listed a page of at most 1,000 keys at a time as S3's ListObjectsV2 answers,
 * counting the pages: the plan must read past the first.
 */
function pagedStore(inner: InMemoryObjectStore): { store: ObjectStore; pages: () => number } {
  let pages = 0;
  const store = Object.create(inner) as ObjectStore;
  store.list = async function* (bucket: string, prefix: string): AsyncIterable<ObjectSummary> {
    const all: ObjectSummary[] = [];
    for await (const o of inner.list(bucket, prefix)) all.push(o);
    for (let start = 0; start < all.length; start += 1000) {
      pages++;
      await Promise.resolve();
      yield* all.slice(start, start + 1000);
    }
  };
  return { store, pages: () => pages };
}

function setup() {
  const inner = new InMemoryObjectStore();
  const { store, pages } = pagedStore(inner);
  const deps: PlanDeps = { store, artifactsBucket: ARTIFACTS, manifestsPrefix: 'manifests/' };
  return { inner, deps, pages };
}

function manifestOf(inner: InMemoryObjectStore, key: string): ManifestItem[] {
  return JSON.parse(inner.text(ARTIFACTS, key)) as ManifestItem[];
}

describe('planParts', () => {
  it('lists the folder past its first 1,000 keys and writes every part to the manifest', async () => {
    // Prepare: 1,001 parts and the marker, two pages of the listing.
    const { inner, deps, pages } = setup();
    for (let i = 0; i < 1001; i++)
      inner.put(LANDING_BUCKET, `${FOLDER}part-${String(i).padStart(5, '0')}.csv`, `row ${i}\n`);
    inner.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '');

    // Act
    const planned = await planParts({ dataset: dataset(), execution: EXECUTION }, deps);

    // Assess
    expect(pages()).toBe(2);
    expect(planned).toEqual({
      kind: 'parts',
      bucket: ARTIFACTS,
      key: `manifests/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.3f1c-e2a9.json`,
      parts: 1001,
    });
    const items = manifestOf(inner, planned.key);
    expect(items).toHaveLength(1001);
    expect(items.at(-1)?.Key).toBe(`${FOLDER}part-01000.csv`);
  });

  it("keeps only data parts, in S3's byte order, in the shape the ListObjectsV2 reader gives", async () => {
    // Prepare
    const { inner, deps } = setup();
    const at = new Date('2026-11-02T08:00:00.500Z');
    const part = inner.put(LANDING_BUCKET, `${FOLDER}p=é/part-0.csv`, 'a\n', { lastModified: at });
    inner.put(LANDING_BUCKET, `${FOLDER}p=z/part-0.csv`, 'b\n', { lastModified: at });
    for (const skipped of ['_SUCCESS', '_temporary/0/part-1.csv', '.part-0.csv.crc', 'p=z/', 'p=z_$folder$'])
      inner.put(LANDING_BUCKET, `${FOLDER}${skipped}`, '');

    // Act
    const planned = await planParts({ dataset: dataset(), execution: EXECUTION }, deps);

    // Assess: 'z' (0x7A) sorts before 'é' (0xC3 0xA9) in UTF-8.
    expect(planned.parts).toBe(2);
    const items = manifestOf(inner, planned.key);
    expect(items.map((i) => i.Key)).toEqual([`${FOLDER}p=z/part-0.csv`, `${FOLDER}p=é/part-0.csv`]);
    expect(items[1]).toEqual({
      Key: `${FOLDER}p=é/part-0.csv`,
      Size: 2,
      Etag: `"${part.etag}"`,
      LastModified: Math.floor(at.getTime() / 1000),
      StorageClass: 'STANDARD',
    });
  });

  it('writes the same key again when retried, with what the folder holds now', async () => {
    // Prepare
    const { inner, deps } = setup();
    inner.put(LANDING_BUCKET, `${FOLDER}part-0.csv`, 'a\n');
    const first = await planParts({ dataset: dataset(), execution: EXECUTION }, deps);
    inner.put(LANDING_BUCKET, `${FOLDER}part-1.csv`, 'b\n');

    // Act
    const retried = await planParts({ dataset: dataset(), execution: EXECUTION }, deps);

    // Assess
    expect(retried.key).toBe(first.key);
    expect(retried.parts).toBe(2);
    expect(manifestOf(inner, retried.key)).toHaveLength(2);
  });

  it('writes an empty array for a folder without parts', async () => {
    // Prepare
    const { inner, deps } = setup();
    inner.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '');

    // Act
    const planned = await planParts({ dataset: dataset() }, deps);

    // Assess
    expect(planned.parts).toBe(0);
    expect(manifestOf(inner, planned.key)).toEqual([]);
  });
});

describe('manifestKey', () => {
  it.each([
    [EXECUTION, `${VERSION}.3f1c-e2a9.json`],
    ['local/exec 1', `${VERSION}.local_exec_1.json`],
    [undefined, `${VERSION}.json`],
  ])('derives the key of execution %s from the version, under the manifests prefix', (execution, file) => {
    // Act
    const key = manifestKey({ manifestsPrefix: 'manifests/' }, dataset(), execution);

    // Assess
    expect(key).toBe(`manifests/${LANDING_BUCKET}/datasets/sales/r1/orders/${file}`);
  });

  it('gives two executions of the same version two manifests', () => {
    // Act
    const keys = ['a', 'b'].map((e) => manifestKey({ manifestsPrefix: 'manifests/' }, dataset(), e));

    // Assess
    expect(new Set(keys).size).toBe(2);
  });
});

describe('readManifestKeys', () => {
  it('reads back the keys a plan wrote, and undefined for a manifest that is not there', async () => {
    // Prepare
    const { inner, deps } = setup();
    inner.put(LANDING_BUCKET, `${FOLDER}part-0.csv`, 'a\n');
    const planned = await planParts({ dataset: dataset(), execution: EXECUTION }, deps);

    // Act
    const keys = await readManifestKeys(deps, planned.key);
    const missing = await readManifestKeys(deps, 'manifests/none.json');

    // Assess
    expect(keys).toEqual(new Set([`${FOLDER}part-0.csv`]));
    expect(missing).toBeUndefined();
  });
});
