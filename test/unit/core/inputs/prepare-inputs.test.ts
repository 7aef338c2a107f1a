import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadContractDirectory, type LoadedContracts } from '../../../../lambdas/core/inputs/contract-source';
import { INPUTS_MANIFEST, prepareInputs } from '../../../../lambdas/core/inputs/prepare-inputs';
import { DownloadCache } from '../../../../lambdas/core/download/download-cache';
import { ObjectDownloader } from '../../../../lambdas/core/download/object-downloader';
import { S3DownloadSource } from '../../../../lambdas/adapters/aws/s3-download-source';
import { ContractError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { NotRegisteredError } from '../../../../lambdas/core/registry/registry-errors';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { PROJECT_ROOT } from '../../../../lib/config/project-paths';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { FakeBucket } from '../../../fixtures/fake-s3-bucket';
import { md5Etag } from '../../../fixtures/s3-object-digests';

const s3Mock = mockClient(S3Client);
const RAW_CSV =
  'order_id,customer_id,amount,ordered_at\no-1,7,10.5,2026-11-01T09:00:00Z\no-2,8,,2026-11-01T10:00:00Z\n';

let contracts: LoadedContracts;
let dir: string;
let bucket: FakeBucket;
let registry: InMemoryRegistry;
let lineage: InMemoryLineageStore;

function register(
  step: string,
  output: string,
  runId: string,
  file: string,
  body: Uint8Array,
  status: TestStatus,
  format: string,
  at: string,
): RegistryEntry {
  const key = output.includes('@')
    ? `converted/landing/pipelines/sales/${runId}/${step}/${output.split('@')[0]}/${file}`
    : `pipelines/sales/${runId}/${step}/${output}/${file}`;
  const etag = md5Etag(body);
  bucket.put(key, { bytes: Buffer.from(body) });
  const uri = `s3://landing/${key}`;
  const entry: RegistryEntry = {
    pk: `OBJ#${uri}`,
    sk: `VER#etag:${etag}`,
    uri,
    bucket: 'landing',
    key,
    versionId: null,
    etag,
    size: body.length,
    status,
    dataType: output.includes('@') ? 'converted' : 'pipeline',
    registeredAt: at,
    eventTime: at,
    pipeline: 'sales',
    step,
    output,
    runId,
    format,
    gsi2pk: `RUN#sales#${runId}`,
    gsi2sk: `${step}#${output}#${uri}#VER#etag:${etag}`,
  };
  registry.items.set(`${entry.pk}|${entry.sk}`, entry);
  return entry;
}

function deps() {
  const cache = new DownloadCache({ dir: join(dir, 'cache'), ttlMs: 86_400_000, maxBytes: 1e9 });
  return {
    registry,
    lineage,
    downloader: new ObjectDownloader(new S3DownloadSource(new S3Client({ region: 'eu-west-1' })), cache),
    now: () => new Date('2026-11-02T00:00:00Z'),
  };
}

async function rowsIn(path: string): Promise<unknown[][]> {
  const opened = await openTable(bufferSource(readFileSync(path), path));
  const rows: unknown[][] = [];
  for await (const batch of opened.batches) rows.push(...batch.rows.map((r) => [...r]));
  return rows;
}

describe('prepareInputs', () => {
  beforeEach(async () => {
    s3Mock.reset();
    contracts = await loadContractDirectory(join(PROJECT_ROOT, 'contracts'));
    dir = mkdtempSync(join(tmpdir(), 'prt-inputs-'));
    bucket = new FakeBucket(s3Mock);
    lineage = new InMemoryLineageStore();
    registry = new InMemoryRegistry([], lineage);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("downloads a step's declared inputs of a run and writes a manifest of the versions used", async () => {
    // Prepare
    const raw = register(
      'ingestion',
      'raw_orders',
      'r1',
      'orders.csv',
      Buffer.from(RAW_CSV),
      'passed',
      'csv',
      '2026-11-01T09:00:00.000Z',
    );
    const out = join(dir, 'inputs');

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir: out,
      runId: 'r1',
    });

    // Assess
    expect(result.inputs).toEqual([
      {
        input: 'sales/ingestion/raw_orders',
        strategy: 'run',
        runId: 'r1',
        files: [
          {
            uri: raw.uri,
            version: `etag:${raw.etag}`,
            status: 'passed',
            path: 'sales/ingestion/raw_orders/orders.csv',
            format: 'csv',
            via: 'download',
          },
        ],
      },
    ]);
    expect(readFileSync(join(out, 'sales/ingestion/raw_orders/orders.csv'), 'utf8')).toBe(RAW_CSV);
    const manifest = JSON.parse(readFileSync(join(out, INPUTS_MANIFEST), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      step: 'sales/preprocessing',
      runId: 'r1',
      preparedAt: '2026-11-02T00:00:00.000Z',
      statuses: ['passed', 'warned'],
      inputs: result.inputs,
    });
  });

  it("converts an input to the format the step reads, typed by the input's contract", async () => {
    // Prepare
    register(
      'ingestion',
      'raw_orders',
      'r1',
      'orders.csv',
      Buffer.from(RAW_CSV),
      'warned',
      'csv',
      '2026-11-01T09:00:00.000Z',
    );

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir,
      format: 'parquet',
    });

    // Assess
    const [file] = result.inputs[0]!.files;
    expect(file).toMatchObject({
      path: 'sales/ingestion/raw_orders/orders.parquet',
      format: 'parquet',
      via: 'converted',
      convertedFrom: { format: 'csv', rows: 2 },
    });
    expect(await rowsIn(join(dir, file!.path))).toEqual([
      ['o-1', 7, 10.5, '2026-11-01T09:00:00Z'],
      ['o-2', 8, null, '2026-11-01T10:00:00Z'],
    ]);
  });

  it('uses the copy the state machine converted and registered instead of converting again', async () => {
    // Prepare: training_data (csv) of r1 and its registered Parquet copy, linked by a conversion edge.
    const csv = register(
      'preprocessing',
      'training_data',
      'r1',
      'part-0.csv',
      Buffer.from('order_id\no-1\n'),
      'passed',
      'csv',
      '2026-11-01T09:00:00.000Z',
    );
    const sink = new BufferSink();
    const writer = createParquetWriter(sink, {
      schema: [{ name: 'order_id', type: 'string', nullable: false }],
    });
    await writer.write([['o-1']]);
    await writer.close();
    const parquet = register(
      'preprocessing',
      'training_data@parquet',
      'r1',
      'part-0.parquet',
      sink.bytes(),
      'passed',
      'parquet',
      '2026-11-01T09:00:01.000Z',
    );
    await lineage.record({
      from: `${csv.uri}#etag:${csv.etag}`,
      to: `${parquet.uri}#etag:${parquet.etag}`,
      kind: 'conversion',
      toOutput: 'sales/preprocessing/training_data@parquet',
      recordedAt: 't',
    });

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/features',
      contracts: contracts.contracts,
      dir,
      format: 'parquet',
    });

    // Assess
    expect(result.inputs[0]!.files[0]).toMatchObject({
      uri: csv.uri,
      via: 'registered-copy',
      format: 'parquet',
      path: 'sales/preprocessing/training_data/part-0.parquet',
    });
    expect(bucket.gets.map((g) => g.Key)).toEqual([parquet.key]);
  });

  it('keeps the part files of one run apart', async () => {
    // Prepare
    register(
      'ingestion',
      'raw_orders',
      'r1',
      'a/part-0.csv',
      Buffer.from(RAW_CSV),
      'passed',
      'csv',
      '2026-11-01T09:00:00.000Z',
    );
    register(
      'ingestion',
      'raw_orders',
      'r1',
      'b/part-0.csv',
      Buffer.from(RAW_CSV),
      'passed',
      'csv',
      '2026-11-01T09:00:01.000Z',
    );

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir,
    });

    // Assess
    expect(result.inputs[0]!.files.map((f) => f.path)).toEqual([
      'sales/ingestion/raw_orders/a/part-0.csv',
      'sales/ingestion/raw_orders/b/part-0.csv',
    ]);
  });

  it('refuses an input whose only version failed its tests, unless failed versions are accepted', async () => {
    // Prepare
    register(
      'ingestion',
      'raw_orders',
      'r2',
      'orders.csv',
      Buffer.from(RAW_CSV),
      'failed',
      'csv',
      '2026-11-02T09:00:00.000Z',
    );

    // Act
    // Settled before the next call, so its rejection is never left unhandled meanwhile.
    const refused = prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const refusal = await refused;
    const accepted = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir,
      statuses: ['passed', 'warned', 'failed'],
    });

    // Assess
    expect(refusal).toBeInstanceOf(NotRegisteredError);
    expect((refusal as Error).message).toContain(
      'sales/ingestion/raw_orders has no version with status passed or warned (found: failed); pass --include-failed',
    );
    expect(accepted.inputs[0]!.files[0]!.status).toBe('failed');
  });

  it('uses a pinned version of an input', async () => {
    // Prepare
    const old = register(
      'ingestion',
      'raw_orders',
      'r1',
      'orders.csv',
      Buffer.from(RAW_CSV),
      'passed',
      'csv',
      '2026-11-01T09:00:00.000Z',
    );
    register(
      'ingestion',
      'raw_orders',
      'r2',
      'orders.csv',
      Buffer.from(`${RAW_CSV}o-3,9,1,2026-11-02T00:00:00Z\n`),
      'passed',
      'csv',
      '2026-11-02T09:00:00.000Z',
    );

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir,
      pins: { 'ingestion/raw_orders': `etag:${old.etag}` },
    });

    // Assess
    expect(result.inputs[0]).toMatchObject({ strategy: 'version', runId: 'r1', files: [{ uri: old.uri }] });
  });

  it.each([
    [
      'a step without contracts',
      { step: 'sales/nowhere' },
      /no contract describes an output of step sales\/nowhere; steps with contracts: .*sales\/preprocessing/,
    ],
    ['a malformed step', { step: 'sales' }, "'sales' is not a step; write pipeline/step"],
    [
      'a pin of something that is not an input',
      { step: 'sales/preprocessing', pins: { 'features/order_features': 'v1' } },
      /sales\/features\/order_features is pinned but is not an input of sales\/preprocessing/,
    ],
  ])('explains %s', async (_case, options, message) => {
    // Act
    const act = prepareInputs(deps(), { contracts: contracts.contracts, dir, ...options });

    // Assess
    await expect(act).rejects.toBeInstanceOf(ContractError);
    await expect(act).rejects.toThrow(message);
  });

  it('prepares nothing, with a manifest, for a step without declared inputs', async () => {
    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/ingestion',
      contracts: contracts.contracts,
      dir,
    });

    // Assess
    expect(result.inputs).toEqual([]);
    expect(JSON.parse(readFileSync(result.manifest, 'utf8'))).toMatchObject({
      step: 'sales/ingestion',
      inputs: [],
    });
  });

  it('stages a registered folder as its parts, each under the folder name, none overwriting another', async () => {
    // Prepare: a partitioned raw_orders; both partitions have a part named data_0.csv.
    const folder = 'pipelines/sales/r3/ingestion/raw_orders/';
    const parts = {
      'p=1/data_0.csv': 'order_id,customer_id,amount,ordered_at\no-1,7,10.5,2026-11-01T09:00:00Z\n',
      'p=2/data_0.csv': 'order_id,customer_id,amount,ordered_at\no-2,8,,2026-11-01T10:00:00Z\n',
    };
    for (const [key, body] of Object.entries(parts))
      bucket.put(`${folder}${key}`, {
        bytes: Buffer.from(body),
        lastModified: new Date('2026-11-01T09:00:00Z'),
      });
    bucket.put(`${folder}_SUCCESS`, { bytes: Buffer.alloc(0) });
    const uri = `s3://landing/${folder}`;
    registry.items.set(`OBJ#${uri}|VER#marker-0001`, {
      pk: `OBJ#${uri}`,
      sk: 'VER#marker-0001',
      uri,
      bucket: 'landing',
      key: folder,
      versionId: null,
      etag: 'd41d8cd98f00b204e9800998ecf8427e',
      size: 0,
      status: 'passed',
      dataType: 'pipeline',
      registeredAt: '2026-11-01T09:00:05.000Z',
      eventTime: '2026-11-01T09:00:01.000Z',
      updatedAt: '2026-11-01T09:01:00.000Z',
      partitioned: true,
      marker: `${uri}_SUCCESS`,
      pipeline: 'sales',
      step: 'ingestion',
      output: 'raw_orders',
      runId: 'r3',
      format: 'csv',
      gsi2pk: 'RUN#sales#r3',
      gsi2sk: `ingestion#raw_orders#${uri}#VER#marker-0001`,
    });
    const out = join(dir, 'inputs');

    // Act
    const result = await prepareInputs(deps(), {
      step: 'sales/preprocessing',
      contracts: contracts.contracts,
      dir: out,
      runId: 'r3',
    });

    // Assess
    const files = result.inputs[0]!.files;
    expect(files.map((f) => [f.path, f.uri, f.partOf])).toEqual([
      [
        'sales/ingestion/raw_orders/raw_orders/p=1/data_0.csv',
        `${uri}p=1/data_0.csv`,
        { uri, version: 'marker-0001' },
      ],
      [
        'sales/ingestion/raw_orders/raw_orders/p=2/data_0.csv',
        `${uri}p=2/data_0.csv`,
        { uri, version: 'marker-0001' },
      ],
    ]);
    for (const [key, body] of Object.entries(parts))
      expect(readFileSync(join(out, 'sales/ingestion/raw_orders/raw_orders', key), 'utf8')).toBe(body);
  });
});
