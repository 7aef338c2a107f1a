/**
 * Lineage without changes to pipeline jobs, end to end on the integration target (the embedded
 * stack by default, or a deployed stack): three steps of one run (raw_orders → training_data →
 * order_features, contracts in contracts/) land in S3, the state machine registers and links them,
 * and `prt lineage` / `prt inputs prepare` read the result.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LineageGraph } from '../../lib/cli/lineage/lineage-graph';
import { type LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { versionTokenOf, type OutputRegistry } from '../../lambdas/core/registry/output-registry';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { orderFeaturesParquet } from '../fixtures/order-features-parquet';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
const RAW =
  'order_id,customer_id,amount,ordered_at\no-1,17,120.5,2026-11-01T09:00:00Z\no-2,42,9.99,2026-11-01T10:00:00Z\n';
const TRAINING =
  'order_id,customer_id,purchase_amount,ordered_at\no-1,17,120.5,2026-11-01T09:00:00Z\no-2,42,9.99,2026-11-01T10:00:00Z\n';
let h: Harness;
let registry: OutputRegistry;
let lineage: LineageStore;
let work: string;

function prt(args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...h.cliEnv(), PRT_REGISTRY_TABLE: h.resources.registryTable, PRT_CACHE_DIR: join(work, 'cache') },
  });
}

async function node(key: string): Promise<string> {
  const uri = `s3://${h.resources.outputsBucket}/${key}`;
  const [entry] = await registry.versionsOf(uri);
  if (!entry) throw new Error(`${uri} is not registered`);
  return lineageNode(uri, versionTokenOf(entry));
}

let RUN: string;
let KEYS: { raw: string; training: string; features: string };

beforeAll(async () => {
  h = await startHarness();
  registry = h.registry;
  lineage = new DynamoLineageStore(h.db, h.resources.registryTable);
  work = mkdtempSync(join(tmpdir(), 'prt-lineage-it-'));
  RUN = h.runId('run-L');
  KEYS = {
    raw: `pipelines/sales/${RUN}/ingestion/raw_orders/orders.csv`,
    training: `pipelines/sales/${RUN}/preprocessing/training_data/part-0.csv`,
    features: `pipelines/sales/${RUN}/features/order_features/part-0.parquet`,
  };
  // One run of the pipeline, each step landing after the one before it.
  await h.upload(KEYS.raw, RAW);
  await h.waitForStatus(KEYS.raw);
  await h.upload(KEYS.training, TRAINING);
  await h.waitForStatus(KEYS.training);
  await h.upload(KEYS.features, await orderFeaturesParquet());
  await h.waitForStatus(KEYS.features);
});

afterAll(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

describe('lineage across three steps of a run', () => {
  it('links each step to the version of its declared input in the same run, and the converted copy to its source', async () => {
    // Prepare
    const [raw, training, featuresNode] = await Promise.all([
      node(KEYS.raw),
      node(KEYS.training),
      node(KEYS.features),
    ]);

    // Act
    const intoTraining = await lineage.upstream(training);
    const outOfTraining = await lineage.downstream(training);
    const intoFeatures = await lineage.upstream(featuresNode);

    // Assess
    expect(intoTraining).toEqual([
      expect.objectContaining({
        from: raw,
        to: training,
        kind: 'declared-input',
        fromOutput: 'sales/ingestion/raw_orders',
        toOutput: 'sales/preprocessing/training_data',
        runId: RUN,
        dataType: 'pipeline',
      }),
    ]);
    expect(outOfTraining.map((e) => [e.kind, e.toOutput]).sort()).toEqual([
      ['conversion', 'sales/preprocessing/training_data@parquet'],
      ['declared-input', 'sales/features/order_features'],
    ]);
    expect(intoFeatures).toEqual([
      expect.objectContaining({ from: training, kind: 'declared-input', jobType: 'spark' }),
    ]);
  });

  it('answers prt lineage for a logical name, N hops, as JSON', async () => {
    // Act
    const { stdout } = await prt([
      'lineage',
      'sales/features/order_features',
      '--run',
      RUN,
      '--depth',
      '3',
      '--format',
      'json',
    ]);

    // Assess
    const graph = JSON.parse(stdout) as LineageGraph;
    expect(graph.roots).toEqual([await node(KEYS.features)]);
    expect(graph.nodes.map((n) => [n.depth, n.output, n.status])).toEqual([
      [-2, 'sales/ingestion/raw_orders', 'passed'],
      [-1, 'sales/preprocessing/training_data', 'passed'],
      [0, 'sales/features/order_features', 'passed'],
    ]);
    expect(graph.edges).toHaveLength(2);
  });

  it('draws the whole run from its first step as a Mermaid graph', async () => {
    // Act
    const { stdout } = await prt([
      'lineage',
      `s3://${h.resources.outputsBucket}/${KEYS.raw}`,
      '--direction',
      'down',
      '--format',
      'mermaid',
    ]);

    // Assess: read the node labels back, then the edges between them by logical name.
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const names = new Map(
      lines.flatMap((l) => {
        const m = /^ {2}(n\d+)\["<b>([^<]+)<\/b>/.exec(l);
        return m ? [[m[1]!, m[2]!] as const] : [];
      }),
    );
    const edges = lines.flatMap((l) => {
      const m = /^ {2}(n\d+) -->\|([a-z-]+)\| (n\d+)$/.exec(l);
      return m ? [`${names.get(m[1]!)} -${m[2]}-> ${names.get(m[3]!)}`] : [];
    });
    expect(edges.sort()).toEqual(
      [
        'sales/ingestion/raw_orders -declared-input-> sales/preprocessing/training_data',
        'sales/preprocessing/training_data -conversion-> sales/preprocessing/training_data@parquet',
        'sales/preprocessing/training_data -declared-input-> sales/features/order_features',
      ].sort(),
    );
    expect(lines.filter((l) => l.includes(':::passed'))).toHaveLength(4);
  });

  it('limits the walk to --depth and says the graph goes on', async () => {
    // Act
    const { stdout } = await prt([
      'lineage',
      `s3://${h.resources.outputsBucket}/${KEYS.raw}`,
      '--depth',
      '1',
      '--direction',
      'down',
    ]);

    // Assess
    expect(stdout).toContain('↓ [declared-input] sales/preprocessing/training_data');
    expect(stdout).toContain('… more beyond --depth 1');
    // Beyond depth 1 no edge is walked (the consumers an entry records are named, not walked).
    expect(stdout).not.toMatch(/↓ \[[^\]]+\] sales\/features\/order_features/);
  });
});

describe('lineage recorded at registration', () => {
  it('keeps the input of an output that failed its tests (the Lineage step never runs for it)', async () => {
    // Prepare
    const key = `pipelines/sales/${RUN}/preprocessing/training_data/part-1.csv`;

    // Act
    await h.upload(key, 'order_id,customer_id,purchase_amount,ordered_at\no-3,,-5,2026-11-01T11:00:00Z\n');
    const entry = await h.waitForStatus(key);

    // Assess
    const [execution] = await h.executionsFor(key);
    expect(execution?.path).not.toContain('Lineage');
    expect(entry.status).toBe('failed');
    expect((await lineage.upstream(await node(key))).map((e) => e.from)).toEqual([await node(KEYS.raw)]);
  });

  it('links an upstream that lands after its consumer', async () => {
    // Prepare: the consumer of a new run arrives first, with nothing to link to in its own run.
    const late = h.runId('run-late');
    const consumer = `pipelines/sales/${late}/preprocessing/training_data/part-0.csv`;
    const upstream = `pipelines/sales/${late}/ingestion/raw_orders/orders.csv`;
    await h.upload(consumer, TRAINING);
    await h.waitForStatus(consumer);
    const before = (await lineage.upstream(await node(consumer))).map((e) => e.from);

    // Act
    await h.upload(upstream, RAW);
    await h.waitForStatus(upstream);

    // Assess: before, the consumer fell back to the latest raw_orders of another run; now its own run's is linked too.
    expect(before).toHaveLength(1);
    expect(before[0]).not.toContain(late);
    const after = (await lineage.upstream(await node(consumer))).map((e) => e.from).sort();
    expect(after).toEqual([...before, await node(upstream)].sort());
  });
});

describe('prt inputs prepare', () => {
  it('fetches the registered Parquet copy when the step reads Parquet, with a manifest of versions', async () => {
    // Prepare
    const dir = join(work, 'features-inputs');

    // Act
    const { stdout } = await prt([
      'inputs',
      'prepare',
      'sales/features',
      '--dir',
      dir,
      '--run',
      RUN,
      '--format',
      'parquet',
    ]);

    // Assess
    expect(stdout).toContain('[registered-copy]');
    const manifest = JSON.parse(readFileSync(join(dir, 'prt-inputs.json'), 'utf8')) as {
      inputs: { input: string; files: { path: string; version: string; via: string }[] }[];
    };
    expect(manifest.inputs).toHaveLength(1);
    expect(manifest.inputs[0]!.input).toBe('sales/preprocessing/training_data');
    // part-1 of the run failed its tests: only part-0 is used.
    expect(manifest.inputs[0]!.files.map((f) => [f.path, f.via])).toEqual([
      ['sales/preprocessing/training_data/part-0.parquet', 'registered-copy'],
    ]);
    expect(
      readFileSync(join(dir, 'sales/preprocessing/training_data/part-0.parquet')).subarray(0, 4).toString(),
    ).toBe('PAR1');
  });

  it('converts an input locally, with the proof, when no registered copy has the format', async () => {
    // Prepare
    const dir = join(work, 'preprocessing-inputs');

    // Act
    const { stdout } = await prt([
      'inputs',
      'prepare',
      'sales/preprocessing',
      '--dir',
      dir,
      '--run',
      RUN,
      '--format',
      'jsonl',
      '--json',
    ]);

    // Assess
    const result = JSON.parse(stdout) as {
      inputs: { files: { path: string; via: string; convertedFrom: { rows: number } }[] }[];
    };
    expect(result.inputs[0]!.files[0]).toMatchObject({
      path: 'sales/ingestion/raw_orders/orders.jsonl',
      via: 'converted',
      convertedFrom: { rows: 2 },
    });
    const rows = readFileSync(join(dir, 'sales/ingestion/raw_orders/orders.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      { order_id: 'o-1', customer_id: 17, amount: 120.5, ordered_at: '2026-11-01T09:00:00Z' },
      { order_id: 'o-2', customer_id: 42, amount: 9.99, ordered_at: '2026-11-01T10:00:00Z' },
    ]);
  });
});
