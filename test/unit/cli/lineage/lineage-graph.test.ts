import { describe, expect, it } from 'vitest';

import { traceLineage } from '../../../../lib/cli/lineage/lineage-graph';
import { escapeMermaid, lineageToMermaid } from '../../../../lib/cli/lineage/lineage-mermaid';
import type { EdgeKind } from '../../../../lambdas/core/lineage/lineage-store';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { lineageAsText } from '../../../../lib/cli/lineage-command';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

// A chain raw → training → features, a conversion of training, and a sibling of training
// (another consumer of raw) that must not appear when walking from training.
const RAW = 's3://b/run/ingestion/raw_orders/orders.csv#r1';
const TRAINING = 's3://b/run/preprocessing/training_data/part-0.csv#t1';
const PARQUET = 's3://art/converted/b/run/preprocessing/training_data/part-0.csv/t1.parquet#etag:c1';
const FEATURES = 's3://b/run/features/order_features/part-0.parquet#f1';
const SIBLING = 's3://b/run/audit/orders_audit/part-0.csv#s1';

function entry(node: string, output: string, status: TestStatus): RegistryEntry {
  const [uri, version] = [node.slice(0, node.lastIndexOf('#')), node.slice(node.lastIndexOf('#') + 1)];
  const [pipeline, step, name] = output.split('/');
  return {
    pk: `OBJ#${uri}`,
    sk: `VER#${version}`,
    uri,
    bucket: 'b',
    key: uri.slice(7),
    versionId: version.startsWith('etag:') ? null : version,
    etag: 'e',
    size: 1,
    status,
    dataType: 'pipeline',
    registeredAt: '2024-06-01T00:00:00.000Z',
    eventTime: '2024-06-01T00:00:00.000Z',
    pipeline: pipeline!,
    step: step!,
    output: name!,
    runId: 'run',
  };
}

async function world() {
  const lineage = new InMemoryLineageStore();
  const edge = (from: string, to: string, kind: EdgeKind, fromOutput: string, toOutput: string) =>
    lineage.record({ from, to, kind, fromOutput, toOutput, recordedAt: '2024-06-01T00:00:00.000Z' });
  await edge(
    RAW,
    TRAINING,
    'declared-input',
    'sales/ingestion/raw_orders',
    'sales/preprocessing/training_data',
  );
  await edge(
    TRAINING,
    PARQUET,
    'conversion',
    'sales/preprocessing/training_data',
    'sales/preprocessing/training_data@parquet',
  );
  await edge(
    TRAINING,
    FEATURES,
    'declared-input',
    'sales/preprocessing/training_data',
    'sales/features/order_features',
  );
  await edge(RAW, SIBLING, 'declared-input', 'sales/ingestion/raw_orders', 'sales/audit/orders_audit');
  const registry = new InMemoryRegistry([
    entry(RAW, 'sales/ingestion/raw_orders', 'passed'),
    entry(TRAINING, 'sales/preprocessing/training_data', 'warned'),
    entry(FEATURES, 'sales/features/order_features', 'failed'),
  ]);
  return { lineage, registry };
}

describe('traceLineage', () => {
  it('walks N hops up and down without wandering into siblings', async () => {
    // Prepare
    const { lineage, registry } = await world();

    // Act
    const graph = await traceLineage(lineage, TRAINING, { depth: 3, registry });

    // Assess
    expect(graph.nodes.map((n) => [n.depth, n.id])).toEqual([
      [-1, RAW],
      [0, TRAINING],
      [1, PARQUET],
      [1, FEATURES],
    ]);
    expect(graph.edges).toHaveLength(3);
    expect(graph.nodes.find((n) => n.id === FEATURES)).toMatchObject({
      output: 'sales/features/order_features',
      status: 'failed',
      runId: 'run',
    });
    // Not registered: named from the edge, no status.
    expect(graph.nodes.find((n) => n.id === PARQUET)).toMatchObject({
      output: 'sales/preprocessing/training_data@parquet',
    });
    expect(graph.nodes.find((n) => n.id === PARQUET)).not.toHaveProperty('status');
    expect(graph.truncatedAt).toEqual([]);
  });

  it('stops at the depth and says where the graph goes on', async () => {
    // Prepare
    const { lineage } = await world();

    // Act
    const graph = await traceLineage(lineage, RAW, { depth: 1, direction: 'downstream' });

    // Assess
    expect(graph.nodes.map((n) => n.id).sort()).toEqual([RAW, SIBLING, TRAINING].sort());
    expect(graph.truncatedAt).toEqual([TRAINING]);
  });

  it('follows one direction only when asked', async () => {
    // Prepare
    const { lineage } = await world();

    // Act
    const up = await traceLineage(lineage, FEATURES, { depth: 5, direction: 'upstream' });

    // Assess
    expect(up.nodes.map((n) => [n.depth, n.id])).toEqual([
      [-2, RAW],
      [-1, TRAINING],
      [0, FEATURES],
    ]);
  });

  it('terminates on a cycle', async () => {
    // Prepare
    const lineage = new InMemoryLineageStore();
    await lineage.record({ from: 'a#1', to: 'b#1', kind: 'declared-input', recordedAt: 't' });
    await lineage.record({ from: 'b#1', to: 'a#1', kind: 'declared-input', recordedAt: 't' });

    // Act
    const graph = await traceLineage(lineage, 'a#1', { depth: 10 });

    // Assess
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['a#1', 'b#1']);
    expect(graph.edges).toHaveLength(2);
  });

  it('traces several roots (the objects of one run) into one graph', async () => {
    // Prepare
    const { lineage } = await world();

    // Act
    const graph = await traceLineage(lineage, [TRAINING, SIBLING], { depth: 1, direction: 'upstream' });

    // Assess
    expect(graph.roots).toEqual([TRAINING, SIBLING]);
    expect(graph.nodes.filter((n) => n.depth === -1).map((n) => n.id)).toEqual([RAW]);
  });
});

describe('lineage renderings', () => {
  it('draws a Mermaid flowchart with every edge, status classes and the root outlined', async () => {
    // Prepare
    const { lineage, registry } = await world();
    const graph = await traceLineage(lineage, TRAINING, { depth: 3, registry });

    // Act
    const mermaid = lineageToMermaid(graph);

    // Assess
    const lines = mermaid.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  n0 -->|declared-input| n1');
    expect(lines).toContain('  n1 -->|conversion| n2');
    expect(lines).toContain('  n1 -->|declared-input| n3');
    expect(lines.filter((l) => l.startsWith('  classDef'))).toHaveLength(4);
    expect(lines).toContain('  style n1 stroke-width:3px');
    expect(lines[1]).toBe(
      '  n0["<b>sales/ingestion/raw_orders</b><br/>orders.csv<br/>r1 · passed · run run"]:::passed',
    );
  });

  it('escapes what Mermaid would read as syntax in keys', () => {
    // Act
    const text = escapeMermaid('a "quoted" <key>#`x`');

    // Assess
    expect(text).toBe('a #34;quoted#34; #60;key#62;#35;#96;x#96;');
  });

  it('prints the graph as trees above and below the root', async () => {
    // Prepare
    const { lineage, registry } = await world();
    const graph = await traceLineage(lineage, TRAINING, { depth: 3, registry });

    // Act
    const text = lineageAsText(graph);

    // Assess
    expect(text.split('\n')).toEqual([
      'sales/preprocessing/training_data  s3://b/run/preprocessing/training_data/part-0.csv  t1  (warned, run run)',
      '  upstream',
      '    ↑ [declared-input] sales/ingestion/raw_orders  s3://b/run/ingestion/raw_orders/orders.csv  r1  (passed, run run)',
      '  downstream',
      '    ↓ [conversion] sales/preprocessing/training_data@parquet  s3://art/converted/b/run/preprocessing/training_data/part-0.csv/t1.parquet  etag:c1  (unregistered)',
      '    ↓ [declared-input] sales/features/order_features  s3://b/run/features/order_features/part-0.parquet  f1  (failed, run run)',
    ]);
  });
});
