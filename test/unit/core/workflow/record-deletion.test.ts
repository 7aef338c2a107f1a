import { describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { recordDeletion } from '../../../../lambdas/core/workflow/record-deletion';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const URI = 's3://outputs/pipelines/sales/r1/preprocessing/training_data/part-0.csv';

function version(token: string, registeredAt: string, extra: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    pk: `OBJ#${URI}`,
    sk: `VER#${token}`,
    uri: URI,
    bucket: 'outputs',
    key: 'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
    versionId: token.startsWith('etag:') ? null : token,
    etag: '"e"',
    size: 10,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt,
    eventTime: registeredAt,
    pipeline: 'sales',
    step: 'preprocessing',
    output: 'training_data',
    runId: 'r1',
    ...extra,
  };
}

const deletion = (versionId: string | null, deletionType: string) => ({
  bucket: 'outputs',
  key: 'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
  versionId,
  deletionType,
  eventTime: '2026-12-06T12:00:00Z',
});

describe('recording a deletion', () => {
  it('marks every version of a key deleted on an unversioned bucket, and latest then finds none', async () => {
    // Prepare
    const registry = new InMemoryRegistry([
      version('etag:a', '2026-12-01T00:00:00Z'),
      version('etag:b', '2026-12-02T00:00:00Z', { status: 'failed' }),
    ]);

    // Act
    const result = await recordDeletion(deletion(null, 'Permanently Deleted'), { registry });

    // Assess
    expect([...result.deleted].sort()).toEqual(['VER#etag:a', 'VER#etag:b']);
    expect((await registry.versionsOf(URI)).map((e) => e.status)).toEqual(['deleted', 'deleted']);
    expect(await registry.latest('sales', 'preprocessing', 'training_data')).toBeUndefined();
  });

  it('hides only the current version behind a delete marker; latest falls back to the one before', async () => {
    // Prepare
    const registry = new InMemoryRegistry([
      version('v1', '2026-12-01T00:00:00Z'),
      version('v2', '2026-12-02T00:00:00Z'),
    ]);

    // Act
    const result = await recordDeletion(deletion('marker-version', 'Delete Marker Created'), { registry });

    // Assess
    expect(result.deleted).toEqual(['VER#v2']);
    const latest = await registry.latest('sales', 'preprocessing', 'training_data');
    expect(latest?.sk).toBe('VER#v1');
    const deleted = await registry.find(URI, 'v2');
    expect(deleted).toMatchObject({
      status: 'deleted',
      deletedAt: '2026-12-06T12:00:00Z',
      deletionType: 'Delete Marker Created',
    });
  });

  it('marks the one version a permanent delete removed', async () => {
    // Prepare
    const registry = new InMemoryRegistry([
      version('v1', '2026-12-01T00:00:00Z'),
      version('v2', '2026-12-02T00:00:00Z', { status: 'error' }),
    ]);

    // Act
    const result = await recordDeletion(deletion('v1', 'Permanently Deleted'), { registry });

    // Assess
    expect(result.deleted).toEqual(['VER#v1']);
    expect((await registry.find(URI, 'v2'))?.status).toBe('error');
  });

  it('changes nothing for a key that was never registered (or was untracked)', async () => {
    // Prepare
    const registry = new InMemoryRegistry([
      version('etag:a', '2026-12-01T00:00:00Z', { status: 'untracked' }),
    ]);

    // Act
    const result = await recordDeletion(deletion(null, 'Permanently Deleted'), { registry });

    // Assess
    expect(result.deleted).toEqual([]);
    expect((await registry.versionsOf(URI))[0]?.status).toBe('untracked');
  });

  it("takes a partitioned folder's version with its deleted _SUCCESS marker", async () => {
    // Prepare
    const folder = 's3://outputs/datasets/sales/r1/orders/';
    const marker = `${folder}_SUCCESS`;
    const registry = new InMemoryRegistry([
      version('marker-1', '2026-12-01T00:00:00Z', {
        pk: `OBJ#${folder}`,
        uri: folder,
        key: 'datasets/sales/r1/orders/',
        versionId: null,
        partitioned: true,
        marker,
      }),
    ]);

    // Act
    const result = await recordDeletion(
      { ...deletion(null, 'Permanently Deleted'), key: 'datasets/sales/r1/orders/_SUCCESS' },
      { registry },
    );

    // Assess
    expect(result).toEqual({ uri: folder, deleted: ['VER#marker-1'] });
  });
});
