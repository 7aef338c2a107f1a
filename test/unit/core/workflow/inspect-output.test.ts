import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { IntegrityError } from '../../../../lambdas/core/errors';
import { inspectOutput } from '../../../../lambdas/core/workflow/inspect-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { LANDING_BUCKET, objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';

/** Seeds an object and returns the `object` the state machine would announce for it. */
function arrived(store: InMemoryObjectStore, body: Uint8Array | string, key = KEY, versionId?: string) {
  const stored = store.put(LANDING_BUCKET, key, body, versionId !== undefined ? { versionId } : {});
  return objectRef({ key, etag: stored.etag, size: stored.body.byteLength, versionId: versionId ?? null });
}

describe('inspectOutput', () => {
  it('confirms the announced version and detects plain CSV', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, 'order_id,customer_id\no1,1\n', KEY, 'v1');

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toEqual({
      format: 'csv',
      compression: 'none',
      size: object.size,
      etag: object.etag,
      versionId: 'v1',
      formatMatches: true,
      extensionFormat: 'csv',
    });
  });

  it('pins head and range read to the announced version and reads the first 64 KiB', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, 'a,b\n1,2\n', KEY, 'v1');

    // Act
    await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(store.calls).toEqual([
      { op: 'head', bucket: LANDING_BUCKET, key: KEY, versionId: 'v1' },
      { op: 'readRange', bucket: LANDING_BUCKET, key: KEY, start: 0, end: 65535 },
    ]);
  });

  it('reads the current object when the bucket is unversioned', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, 'a,b\n1,2\n');

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result.versionId).toBeNull();
    expect(store.calls[0]).toEqual({ op: 'head', bucket: LANDING_BUCKET, key: KEY });
  });

  it('raises IntegrityError when the stored size differs from the announced size', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = { ...arrived(store, 'a,b\n1,2\n'), size: 100 };

    // Act
    const act = inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    await expect(act).rejects.toBeInstanceOf(IntegrityError);
    await expect(act).rejects.toThrow(
      `${object.uri} is 8 bytes; the arrival event announced 100. It was overwritten or truncated`,
    );
  });

  it('raises IntegrityError when the stored ETag differs from the announced ETag', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const announced = arrived(store, 'a,b\n1,2\n');
    const object = arrived(store, 'a,b\n3,4\n'); // overwritten with a body of the same size

    // Act
    const act = inspectOutput(
      { object: { ...object, etag: announced.etag }, output: trainingDataOutput() },
      { store },
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(IntegrityError);
    await expect(act).rejects.toThrow(
      `has ETag ${object.etag}; the arrival event announced ${announced.etag}`,
    );
  });

  it('detects gzip-compressed CSV', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, gzipSync('order_id,customer_id\no1,1\n'), `${KEY}.gz`);

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toMatchObject({ format: 'csv', compression: 'gzip', formatMatches: true });
  });

  it('detects gzip-compressed CSV larger than the head it reads', async () => {
    // Prepare: incompressible rows so the gzip stream is cut off in the 64 KiB head
    const rows = Array.from({ length: 2000 }, (_, i) => `o${i},${randomBytes(40).toString('base64')}`).join(
      '\n',
    );
    const gz = gzipSync(`order_id,payload\n${rows}\n`);
    const store = new InMemoryObjectStore();
    const object = arrived(store, gz, 'pipelines/sales/r1/preprocessing/training_data/part-0');

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(gz.byteLength).toBeGreaterThan(64 * 1024);
    expect(result).toMatchObject({ format: 'csv', compression: 'gzip', formatMatches: true });
  });

  it('reports a Parquet body under a CSV contract as a format mismatch', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(
      store,
      Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(20), Buffer.from('PAR1')]),
    );

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toMatchObject({ format: 'parquet', compression: 'none', formatMatches: false });
  });

  it('reports JSON Lines under a CSV contract as a format mismatch', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, '{"order_id": "o1"}\n');

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toMatchObject({ format: 'jsonl', formatMatches: false });
  });

  it('does not read an empty object and judges it by its extension', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, '');

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toMatchObject({ format: 'csv', size: 0, formatMatches: true });
    expect(store.calls.map((c) => c.op)).toEqual(['head']);
  });

  it('reports a corrupt gzip head by extension instead of failing', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const object = arrived(store, Uint8Array.of(0x1f, 0x8b, 0xff, 0xff, 0xff, 0xff), `${KEY}.gz`);

    // Act
    const result = await inspectOutput({ object, output: trainingDataOutput() }, { store });

    // Assess
    expect(result).toMatchObject({ format: 'csv', compression: 'gzip' });
  });
});
