import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { S3DownloadSource } from '../../../../lambdas/adapters/aws/s3-download-source';
import { parseContract, type OutputContract } from '../../../../lambdas/core/contracts';
import { DownloadCache } from '../../../../lambdas/core/download/download-cache';
import { ObjectDownloader } from '../../../../lambdas/core/download/object-downloader';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import {
  STAGED_MANIFEST,
  StagingError,
  stageOutput,
  type StageRequest,
} from '../../../../lambdas/core/inputs/stage-output';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { NotRegisteredError } from '../../../../lambdas/core/registry/registry-errors';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { FakeBucket } from '../../../fixtures/fake-s3-bucket';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { md5Etag } from '../../../fixtures/s3-object-digests';

const s3Mock = mockClient(S3Client);
const KEY = new Uint8Array(32).fill(3);
const CUSTOMERS_CSV = [
  'customer_id,email,segment',
  '1001,ada@example.com,gold',
  '1002,grace@example.org,silver',
  '1003,,gold',
  '1004,alan@example.net,bronze',
  '1005,edsger@example.com,gold',
].join('\n');
const ORDERS_CSV = ['order_id,customer_id,amount', 'o-1,1002,10.5', 'o-2,1004,3.25', 'o-3,1002,7'].join('\n');

const CONTRACTS: OutputContract[] = [
  parseContract(
    [
      'pipeline: shop',
      'step: ingestion',
      'output: customers',
      'path: raw/customers/{run_id}/',
      'schema:',
      '  - { name: customer_id, type: int64, nullable: false, classification: restricted }',
      '  - { name: email, type: string, pii: true }',
      '  - { name: segment, type: string, classification: internal }',
    ].join('\n'),
    'customers.yaml',
  ),
  parseContract(
    [
      'pipeline: shop',
      'step: ingestion',
      'output: orders',
      'path: raw/orders/{run_id}/',
      'schema:',
      '  - { name: order_id, type: string, nullable: false }',
      '  - { name: customer_id, type: int64, nullable: false, pii: true }',
      '  - { name: amount, type: float64 }',
    ].join('\n'),
    'orders.yaml',
  ),
];

let dir: string;
let bucket: FakeBucket;
let registry: InMemoryRegistry;
let lineage: InMemoryLineageStore;
let staging: InMemoryObjectStore;

function register(
  output: string,
  runId: string,
  file: string,
  body: string,
  status: TestStatus,
): RegistryEntry {
  const key = `raw/${output}/${runId}/${file}`;
  const bytes = Buffer.from(body);
  const etag = md5Etag(bytes);
  bucket.put(key, { bytes });
  const uri = `s3://landing/${key}`;
  const at = '2026-12-01T09:00:00.000Z';
  const entry: RegistryEntry = {
    pk: `OBJ#${uri}`,
    sk: `VER#etag:${etag}`,
    uri,
    bucket: 'landing',
    key,
    versionId: null,
    etag,
    size: bytes.length,
    status,
    dataType: 'pipeline',
    registeredAt: at,
    eventTime: at,
    pipeline: 'shop',
    step: 'ingestion',
    output,
    runId,
    format: 'csv',
    gsi2pk: `RUN#shop#${runId}`,
    gsi2sk: `ingestion#${output}#${uri}#VER#etag:${etag}`,
  };
  registry.items.set(`${entry.pk}|${entry.sk}`, entry);
  return entry;
}

function deps(limits = { maxObjects: 100, maxObjectBytes: 1e9 }) {
  const cache = new DownloadCache({ dir: join(dir, 'cache'), ttlMs: 86_400_000, maxBytes: 1e9 });
  return {
    registry,
    lineage,
    downloader: new ObjectDownloader(new S3DownloadSource(new S3Client({ region: 'eu-west-1' })), cache),
    store: staging,
    contracts: () => Promise.resolve(CONTRACTS),
    maskingKey: { key: () => Promise.resolve(KEY) },
    limits,
    now: () => new Date('2026-12-02T00:00:00Z'),
  };
}

function request(overrides: Partial<StageRequest> = {}): StageRequest {
  return {
    output: 'shop/ingestion/customers',
    runId: 'r1',
    mask: true,
    destination: { bucket: 'staging', prefix: 'staged/' },
    stagingId: 'exec-1',
    ...overrides,
  };
}

async function rows(text: string): Promise<string[][]> {
  const opened = await openTable(bufferSource(Buffer.from(text), 'staged.csv'));
  const out: string[][] = [];
  for await (const batch of opened.batches) out.push(...batch.rows.map((r) => r.map((c) => String(c ?? ''))));
  return out;
}

describe('stageOutput', () => {
  beforeEach(() => {
    s3Mock.reset();
    dir = mkdtempSync(join(tmpdir(), 'prt-stage-'));
    bucket = new FakeBucket(s3Mock);
    lineage = new InMemoryLineageStore();
    registry = new InMemoryRegistry([], lineage);
    staging = new InMemoryObjectStore();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('stages a masked sample of a run with a manifest and lineage to the source version', async () => {
    // Arrange
    const source = register('customers', 'r1', 'part-0.csv', CUSTOMERS_CSV, 'passed');

    // Act
    const summary = await stageOutput(deps(), request({ sample: { rows: 3 } }));

    // Assess
    const stagedKey = 'staged/exec-1/shop/ingestion/customers/part-0.csv';
    const text = staging.text('staging', stagedKey);
    const staged = await rows(text);
    expect(staged).toHaveLength(3);
    expect(text).not.toMatch(/ada@|grace@|1001|1002|1003/);
    expect(staged.map((r) => r[2])).toEqual(['gold', 'silver', 'gold']);
    expect(staged[0]![1]).toMatch(/^[a-z]{3}@[a-z]{7}\.com$/);
    expect(staged[2]![1]).toBe('');
    for (const row of staged) expect(row[0]).toMatch(/^\d{4}$/);
    expect(summary).toMatchObject({
      objects: 1,
      rowsWritten: 3,
      masked: ['customer_id', 'email'],
      lineageEdges: 1,
    });
    const manifest = JSON.parse(
      staging.text('staging', `staged/exec-1/shop/ingestion/customers/${STAGED_MANIFEST}`),
    ) as {
      copies: { source: { uri: string; version: string } }[];
      masking: { columns: string[]; keyFingerprint: string };
    };
    expect(manifest.copies[0]!.source).toEqual({
      uri: source.uri,
      version: `etag:${source.etag}`,
      status: 'passed',
    });
    expect(manifest.masking.columns).toEqual(['customer_id', 'email']);
    expect(JSON.stringify(manifest)).not.toContain(Buffer.from(KEY).toString('hex'));
    const edge = lineage.edges[0]!;
    expect(edge.from).toBe(`${source.uri}#etag:${source.etag}`);
    expect(edge.to).toMatch(new RegExp(`^s3://staging/${stagedKey}#etag:[0-9a-f]{32}$`));
    expect(edge.kind).toBe('staging');
  });

  it('keeps masked keys joinable across two outputs staged with one key', async () => {
    // Arrange
    register('customers', 'r1', 'part-0.csv', CUSTOMERS_CSV, 'passed');
    register('orders', 'r1', 'part-0.csv', ORDERS_CSV, 'passed');

    // Act
    await stageOutput(deps(), request());
    await stageOutput(deps(), request({ output: 'shop/ingestion/orders' }));

    // Assess
    const customers = await rows(
      staging.text('staging', 'staged/exec-1/shop/ingestion/customers/part-0.csv'),
    );
    const orders = await rows(staging.text('staging', 'staged/exec-1/shop/ingestion/orders/part-0.csv'));
    const byId = new Map(customers.map((r) => [r[0], r[3] ?? r[2]]));
    expect(orders.map((r) => byId.get(r[1]))).toEqual(['silver', 'bronze', 'silver']);
    expect(orders.map((r) => r[1])).not.toContain('1002');
  });

  it('copies the verified bytes unchanged when nothing is asked of them', async () => {
    // Arrange
    register('customers', 'r1', 'part-0.csv', CUSTOMERS_CSV, 'warned');

    // Act
    const summary = await stageOutput(deps(), request({ mask: false }));

    // Assess
    expect(staging.text('staging', 'staged/exec-1/shop/ingestion/customers/part-0.csv')).toBe(CUSTOMERS_CSV);
    expect(summary.rowsWritten).toBeNull();
    expect(summary.masked).toEqual([]);
  });

  it('takes the same rows for the same seed of a fraction sample', async () => {
    // Arrange
    const many = [
      'order_id,customer_id,amount',
      ...Array.from({ length: 400 }, (_, i) => `o-${i},${1000 + i},1`),
    ].join('\n');
    register('orders', 'r1', 'part-0.csv', many, 'passed');
    const ask = request({
      output: 'shop/ingestion/orders',
      mask: false,
      sample: { fraction: 0.25, seed: 42 },
    });

    // Act
    const first = await stageOutput(deps(), ask);
    const firstText = staging.text('staging', 'staged/exec-1/shop/ingestion/orders/part-0.csv');
    await stageOutput(deps(), { ...ask, stagingId: 'exec-2' });
    const again = staging.text('staging', 'staged/exec-2/shop/ingestion/orders/part-0.csv');
    await stageOutput(deps(), { ...ask, stagingId: 'exec-3', sample: { fraction: 0.25, seed: 7 } });
    const otherSeed = staging.text('staging', 'staged/exec-3/shop/ingestion/orders/part-0.csv');

    // Assess
    expect(first.rowsWritten).toBeGreaterThan(60);
    expect(first.rowsWritten).toBeLessThan(140);
    expect(again).toBe(firstText);
    expect(otherSeed).not.toBe(firstText);
  });

  it('refuses a failed version, a masking without a contract and a staging past its bounds', async () => {
    // Arrange
    register('customers', 'r1', 'part-0.csv', CUSTOMERS_CSV, 'failed');
    register('unknown', 'r1', 'part-0.csv', CUSTOMERS_CSV, 'passed');
    register('orders', 'r1', 'part-0.csv', ORDERS_CSV, 'passed');
    register('orders', 'r1', 'part-1.csv', ORDERS_CSV, 'passed');

    // Act
    const failed = stageOutput(deps(), request());
    const noContract = stageOutput(deps(), request({ output: 'shop/ingestion/unknown' }));
    const tooMany = stageOutput(
      deps({ maxObjects: 1, maxObjectBytes: 1e9 }),
      request({ output: 'shop/ingestion/orders' }),
    );
    const tooLarge = stageOutput(
      deps({ maxObjects: 10, maxObjectBytes: 10 }),
      request({ output: 'shop/ingestion/orders' }),
    );

    // Assess
    await expect(failed).rejects.toThrow(NotRegisteredError);
    await expect(noContract).rejects.toThrow(/masking needs one/);
    await expect(tooMany).rejects.toThrow(/2 objects to stage; at most 1/);
    await expect(tooLarge).rejects.toThrow(StagingError);
    expect(staging.keys()).toEqual([]);
  });
});
