import { describe, expect, it } from 'vitest';

import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import {
  newestPerKey,
  registeredFolderOf,
  resolveOutput,
} from '../../../../lambdas/core/registry/resolve-output';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const RAW = { pipeline: 'sales', step: 'ingestion', output: 'raw_orders' };

function version(
  runId: string | null,
  file: string,
  id: string,
  at: string,
  status: TestStatus = 'passed',
): RegistryEntry {
  const key = `pipelines/sales/${runId ?? 'static'}/ingestion/raw_orders/${file}`;
  const uri = `s3://landing/${key}`;
  return {
    pk: `OBJ#${uri}`,
    sk: id.startsWith('etag:') ? `VER#${id}` : `VER#${id}`,
    uri,
    bucket: 'landing',
    key,
    versionId: id.startsWith('etag:') ? null : id,
    etag: id.startsWith('etag:') ? id.slice(5) : `e-${id}`,
    size: 10,
    status,
    dataType: 'pipeline',
    registeredAt: at,
    eventTime: at,
    ...RAW,
    ...(runId
      ? { runId, gsi2pk: `RUN#sales#${runId}`, gsi2sk: `ingestion#raw_orders#${uri}#VER#${id}` }
      : {}),
  };
}

const SEED = [
  version('r1', 'part-0.csv', 'a', '2024-06-01T10:00:00.000Z'),
  version('r1', 'part-1.csv', 'b', '2024-06-01T10:00:01.000Z'),
  version('r1', 'part-0.csv', 'a2', '2024-06-01T10:00:05.000Z', 'failed'),
  version('r2', 'part-0.csv', 'c', '2024-06-02T10:00:00.000Z'),
  version('r2', 'part-1.csv', 'd', '2024-06-02T10:00:01.000Z', 'warned'),
];

describe('resolveOutput', () => {
  it("takes the latest run: every key of the newest registration's run, newest version of each", async () => {
    // Prepare
    const registry = new InMemoryRegistry(SEED);

    // Act
    const resolved = await resolveOutput(registry, RAW);

    // Assess
    expect(resolved).toMatchObject({ strategy: 'latest', runId: 'r2' });
    expect(resolved.entries.map((e) => e.sk)).toEqual(['VER#c', 'VER#d']);
  });

  it('takes the objects of a given run, each key at its newest version', async () => {
    // Prepare
    const registry = new InMemoryRegistry(SEED);

    // Act
    const resolved = await resolveOutput(registry, RAW, { runId: 'r1' });

    // Assess
    expect(resolved).toMatchObject({ strategy: 'run', runId: 'r1' });
    expect(resolved.entries.map((e) => e.sk)).toEqual(['VER#a2', 'VER#b']);
  });

  it('filters by status after choosing the newest version of each key', async () => {
    // Prepare
    const registry = new InMemoryRegistry(SEED);

    // Act
    const resolved = await resolveOutput(registry, RAW, { runId: 'r1', statuses: ['passed', 'warned'] });

    // Assess: part-0's newest version failed; its older passed version is not silently used instead.
    expect(resolved.entries.map((e) => e.sk)).toEqual(['VER#b']);
  });

  it('returns nothing for an unknown run unless told to fall back to the latest', async () => {
    // Prepare
    const registry = new InMemoryRegistry(SEED);

    // Act
    const strict = await resolveOutput(registry, RAW, { runId: 'r9' });
    const lenient = await resolveOutput(registry, RAW, { runId: 'r9', fallbackToLatest: true });

    // Assess
    expect(strict).toEqual({ name: RAW, strategy: 'run', runId: 'r9', entries: [] });
    expect(lenient).toMatchObject({ strategy: 'latest', runId: 'r2' });
  });

  it.each([
    ['a version id', 'b', 'VER#b'],
    ['a VER# sort key', 'VER#c', 'VER#c'],
    ['a bare ETag', 'e-d', 'VER#d'],
  ])('pins one version given as %s', async (_case, pin, sk) => {
    // Prepare
    const registry = new InMemoryRegistry(SEED);

    // Act
    const resolved = await resolveOutput(registry, RAW, { version: pin });

    // Assess
    expect(resolved.strategy).toBe('version');
    expect(resolved.entries.map((e) => e.sk)).toEqual([sk]);
  });

  it('pins an etag: version of an unversioned object and searches past the first page', async () => {
    // Prepare: 450 newer versions push the pinned one to the third page.
    const many = Array.from({ length: 450 }, (_v, i) =>
      version(
        null,
        `f${i}.csv`,
        `v${i}`,
        `2024-07-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`,
      ),
    );
    const registry = new InMemoryRegistry([
      ...many,
      version(null, 'old.csv', 'etag:0cc1', '2024-01-01T00:00:00.000Z'),
    ]);

    // Act
    const resolved = await resolveOutput(registry, RAW, { version: 'etag:0cc1' });

    // Assess
    expect(resolved.entries.map((e) => e.key)).toEqual([
      'pipelines/sales/static/ingestion/raw_orders/old.csv',
    ]);
    expect(registry.queries.filter((q) => q.startsWith('versions'))).toHaveLength(3);
  });

  it('resolves a run-less output to its single newest object', async () => {
    // Prepare
    const registry = new InMemoryRegistry([
      version(null, 'a.csv', 'x', '2024-06-01T00:00:00.000Z'),
      version(null, 'b.csv', 'y', '2024-06-02T00:00:00.000Z'),
    ]);

    // Act
    const resolved = await resolveOutput(registry, RAW);

    // Assess
    expect(resolved).toMatchObject({ strategy: 'latest', runId: null });
    expect(resolved.entries.map((e) => e.sk)).toEqual(['VER#y']);
  });

  it('keeps the newest registration of each key', () => {
    // Act
    const newest = newestPerKey(SEED);

    // Assess
    expect(newest.map((e) => `${e.key.split('/').at(-1)}@${e.runId}:${e.sk}`)).toEqual([
      'part-0.csv@r1:VER#a2',
      'part-1.csv@r1:VER#b',
      'part-0.csv@r2:VER#c',
      'part-1.csv@r2:VER#d',
    ]);
  });
});

describe('registeredFolderOf', () => {
  const folder = 'datasets/sales/r1/orders/';
  const uri = `s3://landing/${folder}`;
  const entry: RegistryEntry = {
    ...version('r1', 'x', 'marker-1', '2024-06-01T10:00:00.000Z'),
    pk: `OBJ#${uri}`,
    sk: 'VER#marker-1',
    uri,
    key: folder,
    partitioned: true,
  };

  it("finds a nested part's registered folder", async () => {
    // Prepare
    const registry = new InMemoryRegistry([entry]);

    // Act
    const found = await registeredFolderOf(registry, `${uri}date=2026-11-01/hour=03/part-0.parquet`);

    // Assess
    expect(found?.uri).toBe(uri);
  });

  it.each([['_SUCCESS'], ['date=2026-11-01/.part-0.parquet.crc'], ['_temporary/0/part-0.parquet']])(
    'finds none for %s, which is not a part',
    async (name) => {
      // Prepare
      const registry = new InMemoryRegistry([entry]);

      // Act
      const found = await registeredFolderOf(registry, `${uri}${name}`);

      // Assess
      expect(found).toBeUndefined();
    },
  );
});
