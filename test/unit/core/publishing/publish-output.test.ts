/** The Publish step of write-audit-publish, through the ports production uses, held in memory. */
import { describe, expect, it } from 'vitest';

import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { ContractError } from '../../../../lambdas/core/errors';
import {
  publishOutput,
  StagedVersionChangedError,
  type PublishDeps,
} from '../../../../lambdas/core/publishing';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { ObjectRef } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectCopier } from '../../../fixtures/in-memory-object-copier';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { outputContract } from '../../../fixtures/output-contract';
import { objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const BUCKET = 'outputs-bucket';
const ARTIFACTS = 'artifacts-bucket';
const NOW = new Date('2026-11-07T06:00:00.000Z');
const STAGED_KEY = 'pipelines/sales/r1/preprocessing/training_data/part-0.csv';
const PUBLISHED_KEY = 'published/sales/r1/training_data/part-0.csv';
const BODY = 'order_id,amount\na,1.5\nb,2.5\nc,3.5\n';

function gated(when: readonly ('passed' | 'warned')[] = ['passed']): OutputContract {
  return outputContract({ publish: { to: 'published/sales/{run_id}/training_data/', when } });
}

function entryOf(object: ObjectRef): RegistryEntry {
  return {
    pk: object.pk,
    sk: object.sk,
    uri: object.uri,
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    etag: object.etag,
    size: object.size,
    status: 'pending',
    dataType: 'pipeline',
    registeredAt: NOW.toISOString(),
    eventTime: NOW.toISOString(),
  };
}

function setup(contract: OutputContract, copy: PublishDeps['copy'] = {}) {
  const store = new InMemoryObjectStore();
  const stored = store.put(BUCKET, STAGED_KEY, BODY, { contentType: 'text/csv' });
  const object = objectRef({
    bucket: BUCKET,
    key: STAGED_KEY,
    etag: stored.etag,
    size: stored.body.byteLength,
  });
  const copier = new InMemoryObjectCopier(store);
  const registry = new InMemoryRegistry([entryOf(object)]);
  const lineage = new InMemoryLineageStore();
  const deps: PublishDeps = {
    catalog: { get: () => Promise.resolve(contract) },
    store,
    copier,
    registry,
    lineage,
    now: () => NOW,
    publishedPrefix: 'published/',
    copy,
  };
  return { store, object, copier, registry, lineage, deps };
}

const output = trainingDataOutput({ runId: 'r1', convertTo: null });

describe('publishOutput: one object', () => {
  it('copies a passed version byte for byte, records where it went, and links it to the staged version', async () => {
    // Arrange
    const { store, object, copier, registry, lineage, deps } = setup(gated());

    // Act
    const result = await publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    expect(store.text(BUCKET, PUBLISHED_KEY)).toBe(BODY);
    expect(store.get(BUCKET, PUBLISHED_KEY)!.contentType).toBe('text/csv');
    expect(copier.calls.filter((c) => c.op === 'copy')).toEqual([
      { op: 'copy', key: PUBLISHED_KEY, from: STAGED_KEY },
    ]);
    const version = `etag:${object.etag}`;
    expect(result).toEqual({
      published: true,
      uri: `s3://${BUCKET}/${PUBLISHED_KEY}`,
      bucket: BUCKET,
      key: PUBLISHED_KEY,
      versionId: null,
      etag: object.etag,
      version,
      objects: 1,
      alreadyPublished: 0,
    });
    expect((await registry.get(object.pk, object.sk))?.publication).toEqual({
      state: 'published',
      uri: `s3://${BUCKET}/${PUBLISHED_KEY}`,
      version,
      at: NOW.toISOString(),
    });
    expect(lineage.edges).toEqual([
      expect.objectContaining({
        from: `${object.uri}#${version}`,
        to: `s3://${BUCKET}/${PUBLISHED_KEY}#${version}`,
        kind: 'published',
        fromOutput: 'sales/preprocessing/training_data',
        jobType: 'prt-publish',
        runId: 'r1',
      }),
    ]);
  });

  it('withholds a warned version when the contract publishes passed ones only, and says why', async () => {
    // Arrange
    const { store, object, copier, registry, lineage, deps } = setup(gated(['passed']));

    // Act
    const result = await publishOutput({ object, output, status: 'warned' }, deps);

    // Assess
    const reason =
      'not published: the version warned, and the contract publishes only passed versions; it stays in staging';
    expect(result).toEqual({ published: false, reason });
    expect(store.get(BUCKET, PUBLISHED_KEY)).toBeUndefined();
    expect(copier.calls).toEqual([]);
    expect(lineage.edges).toEqual([]);
    expect((await registry.get(object.pk, object.sk))?.publication).toEqual({
      state: 'withheld',
      reason,
      at: NOW.toISOString(),
    });
  });

  it.each(['failed', 'error'])('never publishes a %s version', async (status) => {
    // Arrange
    const { store, object, deps } = setup(gated(['passed', 'warned']));

    // Act
    const result = await publishOutput({ object, output, status }, deps);

    // Assess
    expect(result.published).toBe(false);
    expect(store.get(BUCKET, PUBLISHED_KEY)).toBeUndefined();
  });

  it('publishes a warned version when the contract allows it', async () => {
    // Arrange
    const { store, object, deps } = setup(gated(['passed', 'warned']));

    // Act
    const result = await publishOutput({ object, output, status: 'warned' }, deps);

    // Assess
    expect(result.published).toBe(true);
    expect(store.text(BUCKET, PUBLISHED_KEY)).toBe(BODY);
  });

  it('copies nothing again when retried after a copy that succeeded', async () => {
    // Arrange
    const { object, copier, lineage, deps } = setup(gated());
    await publishOutput({ object, output, status: 'passed' }, deps);
    copier.calls.length = 0;

    // Act
    const result = await publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    expect(result).toMatchObject({ published: true, alreadyPublished: 1 });
    expect(copier.calls).toEqual([{ op: 'inspect', key: PUBLISHED_KEY }]);
    expect(lineage.edges).toHaveLength(1);
  });

  it('copies in parts above the multipart threshold, each part a range of the exact source', async () => {
    // Arrange
    const { store, object, copier, deps } = setup(gated(), { multipartAboveBytes: 8, partBytes: 10 });

    // Act
    await publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    expect(store.text(BUCKET, PUBLISHED_KEY)).toBe(BODY);
    const parts = copier.calls.flatMap((c) => (c.op === 'copyPart' ? [[c.part.first, c.part.last]] : []));
    expect(parts).toEqual([
      [0, 9],
      [10, 19],
      [20, 29],
      [30, BODY.length - 1],
    ]);
    expect(copier.calls.map((c) => c.op)).toEqual([
      'inspect',
      'start',
      'copyPart',
      'copyPart',
      'copyPart',
      'copyPart',
      'complete',
    ]);
  });

  it('aborts a multipart copy that lost a part, and a retry publishes the whole object', async () => {
    // Arrange
    const { store, object, copier, deps } = setup(gated(), { multipartAboveBytes: 8, partBytes: 10 });
    copier.failPart = 2;

    // Act
    const first = publishOutput({ object, output, status: 'passed' }, deps);
    await expect(first).rejects.toThrow('part 2 was dropped');
    const retried = await publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    expect(copier.calls.map((c) => c.op)).toContain('abort');
    expect(copier.openUploads()).toBe(0);
    expect(retried.published).toBe(true);
    expect(store.text(BUCKET, PUBLISHED_KEY)).toBe(BODY);
  });

  it('does not publish a staged key overwritten since its test', async () => {
    // Arrange
    const { store, object, registry, deps } = setup(gated());
    store.put(BUCKET, STAGED_KEY, 'order_id,amount\nnewer,9\n');

    // Act
    const act = publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    await expect(act).rejects.toThrow(StagedVersionChangedError);
    expect(store.get(BUCKET, PUBLISHED_KEY)).toBeUndefined();
    expect((await registry.get(object.pk, object.sk))?.publication).toBeUndefined();
  });

  it('refuses a published path outside the environment published prefix', async () => {
    // Arrange
    const { object, deps } = setup(
      outputContract({ publish: { to: 'consumers/sales/{run_id}/training_data/', when: ['passed'] } }),
    );

    // Act
    const act = publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    await expect(act).rejects.toThrow(ContractError);
  });

  it('publishes nothing for a contract without publish', async () => {
    // Arrange
    const { store, object, deps } = setup(outputContract());

    // Act
    const result = await publishOutput({ object, output, status: 'passed' }, deps);

    // Assess
    expect(result).toEqual({ published: false, reason: 'the contract asks for no publication' });
    expect(store.keys()).toEqual([`${BUCKET}/${STAGED_KEY}`]);
  });
});

describe('publishOutput: a partitioned output', () => {
  const FOLDER = 'pipelines/sales/r1/preprocessing/training_data/';
  const PUBLISHED = 'published/sales/r1/training_data/';
  const PARTS = {
    'date=2026-11-01/part-0.csv': 'order_id,amount\na,1\n',
    'date=2026-11-01/part-1.csv': 'order_id,amount\nb,2\n',
    'date=2026-11-02/part-0.csv': 'order_id,amount\nc,3\n',
  };

  function folderSetup() {
    const store = new InMemoryObjectStore();
    const items = Object.entries(PARTS).map(([name, body]) => {
      const stored = store.put(BUCKET, `${FOLDER}${name}`, body);
      return {
        Key: `${FOLDER}${name}`,
        Size: stored.body.byteLength,
        Etag: `"${stored.etag}"`,
        LastModified: 0,
        StorageClass: 'STANDARD',
      };
    });
    const marker = store.put(BUCKET, `${FOLDER}_SUCCESS`, '');
    store.put(ARTIFACTS, 'manifests/plan.json', JSON.stringify(items));
    const object = objectRef({ bucket: BUCKET, key: FOLDER, etag: marker.etag, size: 0 });
    const copier = new InMemoryObjectCopier(store);
    const registry = new InMemoryRegistry([entryOf(object)]);
    const lineage = new InMemoryLineageStore();
    const deps: PublishDeps = {
      catalog: { get: () => Promise.resolve({ ...gated(), partitioned: true }) },
      store,
      copier,
      registry,
      lineage,
      now: () => NOW,
      publishedPrefix: 'published/',
    };
    const manifest = { bucket: ARTIFACTS, key: 'manifests/plan.json' };
    return { store, object, copier, registry, lineage, deps, manifest };
  }

  it('copies every planned part, then the manifest, then _SUCCESS last', async () => {
    // Arrange
    const { store, object, copier, lineage, deps, manifest } = folderSetup();

    // Act
    const result = await publishOutput({ object, output, status: 'passed', manifest }, deps);

    // Assess
    for (const [name, body] of Object.entries(PARTS))
      expect(store.text(BUCKET, `${PUBLISHED}${name}`)).toBe(body);
    const writes = copier.calls
      .filter((c) => c.op === 'copy' || c.op === 'put')
      .map((c) => c.key.slice(PUBLISHED.length));
    expect(writes.slice(-2)).toEqual(['_manifest.json', '_SUCCESS']);
    expect(writes.slice(0, -2).sort()).toEqual(Object.keys(PARTS).sort());
    const published = JSON.parse(store.text(BUCKET, `${PUBLISHED}_manifest.json`)) as {
      source: string;
      parts: { key: string; source: string }[];
    };
    expect(published.source).toBe(object.uri);
    expect(published.parts.map((p) => p.key)).toEqual(Object.keys(PARTS).map((n) => `${PUBLISHED}${n}`));
    expect(result).toMatchObject({ published: true, uri: `s3://${BUCKET}/${PUBLISHED}`, objects: 3 });
    expect(lineage.edges.map((e) => e.kind)).toEqual(['published']);
  });

  it('removes the marker an older version left before copying any part', async () => {
    // Arrange
    const { store, object, copier, deps, manifest } = folderSetup();
    store.put(BUCKET, `${PUBLISHED}_SUCCESS`, '');

    // Act
    await publishOutput({ object, output, status: 'passed', manifest }, deps);

    // Assess
    const ops = copier.calls.map((c) => `${c.op} ${c.key.slice(PUBLISHED.length)}`);
    expect(ops.indexOf('remove _SUCCESS')).toBeLessThan(ops.findIndex((o) => o.startsWith('copy ')));
    expect(ops.at(-1)).toBe('put _SUCCESS');
  });

  it('does not publish a folder whose part was replaced after its plan, and writes no marker', async () => {
    // Arrange
    const { store, object, deps, manifest } = folderSetup();
    store.put(BUCKET, `${FOLDER}date=2026-11-02/part-0.csv`, 'order_id,amount\nz,-1\n');

    // Act
    const act = publishOutput({ object, output, status: 'passed', manifest }, deps);

    // Assess
    await expect(act).rejects.toThrow(StagedVersionChangedError);
    expect(store.get(BUCKET, `${PUBLISHED}_SUCCESS`)).toBeUndefined();
  });

  it('copies nothing again when retried after it published the folder', async () => {
    // Arrange
    const { object, copier, deps, manifest } = folderSetup();
    await publishOutput({ object, output, status: 'passed', manifest }, deps);
    copier.calls.length = 0;

    // Act
    const result = await publishOutput({ object, output, status: 'passed', manifest }, deps);

    // Assess
    expect(result).toMatchObject({ published: true, alreadyPublished: 3 });
    expect(copier.calls.map((c) => c.op)).toEqual(['inspect', 'inspect']);
  });
});
