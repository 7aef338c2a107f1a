/** The checks of expected outputs over the in-memory registry and ledger: windows, idempotency, late closure, relative waits. */
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import {
  runExpectedCheck,
  SCAN_MAX_PAGES,
  SCAN_PAGE,
  type ExpectedDeps,
} from '../../../../lambdas/core/expectations/check-expected-output';
import { ExpectationScanError } from '../../../../lambdas/core/expectations/expectation-errors';
import {
  objectPk,
  outputIndexKey,
  runIndexKey,
  runSortKey,
  type RegistryEntry,
} from '../../../../lambdas/core/registry/output-registry';
import { InMemoryExpectationLedger } from '../../../fixtures/in-memory-expectation-ledger';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const DAILY = parseContract(
  [
    'pipeline: sales',
    'step: export',
    'output: orders',
    'path: exports/{run_id}/orders.csv',
    'schema:',
    '  - { name: order_id, type: string, nullable: false }',
    'expected:',
    '  - { schedule: cron(0 6 * * ? *), grace: 30m }',
  ].join('\n'),
  'contracts/orders.yaml',
);

const RELATIVE = parseContract(
  [
    'pipeline: sales',
    'step: features',
    'output: order_features',
    'path: features/{run_id}/order_features.csv',
    'inputs: [ingestion/raw_orders]',
    'schema:',
    '  - { name: order_id, type: string, nullable: false }',
    'expected:',
    '  - after: { input: ingestion/raw_orders, within: 2h }',
  ].join('\n'),
  'contracts/features.yaml',
);

/** A registered version of a contract's output, registered at `at`. */
function version(contract: OutputContract, at: string, runId = 'r1', n = 1): RegistryEntry {
  const uri = `s3://outputs/${contract.step}/${runId}/${n}.csv`;
  const sk = `VER#v${n}-${at}`;
  return {
    pk: objectPk(uri),
    sk,
    uri,
    bucket: 'outputs',
    key: uri.slice('s3://outputs/'.length),
    versionId: `v${n}-${at}`,
    etag: 'e',
    size: 10,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt: at,
    eventTime: at,
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    runId,
    gsi1pk: outputIndexKey(contract.pipeline, contract.step, contract.output),
    gsi1sk: `${at}#${uri}#${sk}`,
    gsi2pk: runIndexKey(contract.pipeline, runId),
    gsi2sk: runSortKey(contract.step, contract.output, uri, sk),
  };
}

function depsWith(seed: RegistryEntry[] = [], now = '2026-12-07T10:00:00Z') {
  const registry = new InMemoryRegistry(seed);
  const ledger = new InMemoryExpectationLedger();
  const deps: ExpectedDeps = {
    catalog: {
      snapshot: () =>
        Promise.resolve({
          entries: [
            { key: 'contracts/orders.yaml', contract: DAILY },
            { key: 'contracts/features.yaml', contract: RELATIVE },
          ],
        }),
    },
    registry,
    ledger,
    now: () => new Date(now),
  };
  return { registry, ledger, deps };
}

const deadline = (at: string) =>
  ({ kind: 'deadline', output: 'sales/export/orders', index: 0, deadline: at }) as const;

describe('checks at a deadline', () => {
  it('records a missing entry, an alert notice and an Output Missing notice when no version arrived in the window', async () => {
    // Arrange
    const { registry, deps } = depsWith([version(DAILY, '2026-12-06T06:10:00Z')]);

    // Act
    const result = await runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1');

    // Assess
    const entry = await registry.get('EXP#sales/export/orders', 'WIN#0#2026-12-07T06:00:00.000Z');
    expect(entry).toMatchObject({
      status: 'missing',
      windowStart: '2026-12-06T06:30:00.000Z',
      expectedBy: '2026-12-07T06:30:00.000Z',
      expectation: 'cron(0 6 * * ? *) + 30m grace',
      gsi1pk: 'OUT#sales#export#orders',
    });
    expect(result.notices).toHaveLength(1);
    expect(result.notices[0]).toMatchObject({
      detailType: 'Output Missing',
      pipeline: 'sales',
      output: 'sales/export/orders',
      status: 'missing',
      severity: 'error',
      detail: { status: 'missing', expectedBy: '2026-12-07T06:30:00.000Z' },
    });
  });

  it('records nothing twice: a second check of the same window finds the entry and sends no notice', async () => {
    // Arrange
    const { registry, deps } = depsWith();
    await runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1');

    // Act
    const again = await runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-2');

    // Assess
    expect(again.notices).toEqual([]);
    expect(again.summary).toContain('already recorded');
    expect(registry.entries().filter((e) => e.status === 'missing')).toHaveLength(1);
  });

  it('leaves nothing behind when a version arrived in the window, the grace included', async () => {
    // Arrange
    const { registry, deps } = depsWith([version(DAILY, '2026-12-07T06:29:00Z')]);

    // Act
    const result = await runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1');

    // Assess
    expect(result.notices).toEqual([]);
    expect(result.summary).toContain('arrived');
    expect(registry.entries().filter((e) => e.pk.startsWith('EXP#'))).toEqual([]);
  });

  it('does not check a window that has not ended yet (an error, not a missing entry)', async () => {
    // Arrange
    const { registry, deps } = depsWith([], '2026-12-07T06:10:00Z');

    // Act / Assess
    await expect(runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1')).rejects.toThrow(
      'cannot be checked yet',
    );
    expect(registry.entries()).toEqual([]);
  });

  it('fails rather than records missing when the window holds more versions than it may look at', async () => {
    // Arrange: versions after the window, more than the scan bound, none in it.
    const seed = Array.from({ length: SCAN_PAGE * SCAN_MAX_PAGES + 1 }, (_, i) =>
      version(DAILY, new Date(Date.parse('2026-12-07T07:00:00Z') + i * 1000).toISOString(), 'r1', i),
    );
    const { registry, deps } = depsWith(seed, '2026-12-08T10:00:00Z');

    // Act / Assess
    await expect(runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1')).rejects.toThrow(
      ExpectationScanError,
    );
    expect(registry.entries().filter((e) => e.status === 'missing')).toEqual([]);
  });

  it('closes a missing window as late when a version comes after it, and does not count that version for the next window', async () => {
    // Arrange
    const { registry, deps } = depsWith([], '2026-12-08T10:00:00Z');
    await runExpectedCheck(deadline('2026-12-07T06:00:00Z'), deps, 'exec-1');
    const late = version(DAILY, '2026-12-07T08:15:00Z');
    await registry.register(late);

    // Act
    const arrival = await runExpectedCheck(
      {
        kind: 'arrival',
        detail: {
          uri: late.uri,
          version: late.sk,
          output: { pipeline: 'sales', step: 'export', output: 'orders', runId: 'r1' },
        },
      },
      deps,
      'exec-2',
    );
    const nextDay = await runExpectedCheck(deadline('2026-12-08T06:00:00Z'), deps, 'exec-3');

    // Assess
    const closed = await registry.get('EXP#sales/export/orders', 'WIN#0#2026-12-07T06:00:00.000Z');
    expect(closed).toMatchObject({
      status: 'late',
      arrivedAt: '2026-12-07T08:15:00Z',
      arrivalUri: late.uri,
    });
    expect(arrival.notices.map((n) => [n.detailType, n.status, n.severity])).toEqual([
      ['Output Late', 'late', 'warning'],
    ]);
    expect(nextDay.notices.map((n) => n.detailType)).toEqual(['Output Missing']);
  });

  it('leaves a window no check marked missing alone when a version arrives after it', async () => {
    // Arrange
    const { registry, deps } = depsWith();
    const v = version(DAILY, '2026-12-07T08:15:00Z');
    await registry.register(v);

    // Act
    const result = await runExpectedCheck(
      {
        kind: 'arrival',
        detail: {
          uri: v.uri,
          version: v.sk,
          output: { pipeline: 'sales', step: 'export', output: 'orders' },
        },
      },
      deps,
      'exec-1',
    );

    // Assess
    expect(result.notices).toEqual([]);
    expect(registry.entries().filter((e) => e.pk.startsWith('EXP#'))).toEqual([]);
  });
});

describe('relative expectations', () => {
  const RAW = parseContract(
    [
      'pipeline: sales',
      'step: ingestion',
      'output: raw_orders',
      'path: raw/{run_id}/orders.csv',
      'schema:',
      '  - { name: order_id, type: string, nullable: false }',
    ].join('\n'),
    'contracts/raw.yaml',
  );
  const arrival = (e: RegistryEntry) =>
    ({
      kind: 'arrival',
      detail: {
        uri: e.uri,
        version: e.sk,
        output: { pipeline: e.pipeline!, step: e.step!, output: e.output!, runId: e.runId ?? null },
      },
    }) as const;

  it('starts a wait when the input arrives, due within the declared time; a repeat does not start another', async () => {
    // Arrange
    const input = version(RAW, '2026-12-07T01:00:00Z', 'run-7');
    const { ledger, deps } = depsWith([input]);

    // Act
    await runExpectedCheck(arrival(input), deps, 'exec-1');
    const again = await runExpectedCheck(arrival(input), deps, 'exec-2');

    // Assess
    expect([...ledger.items.values()]).toEqual([
      expect.objectContaining({
        output: 'sales/features/order_features',
        runId: 'run-7',
        dueAt: '2026-12-07T03:00:00.000Z',
        expectation: 'after ingestion/raw_orders within 2h',
      }),
    ]);
    expect(again.summary).toContain('already waiting');
  });

  it('records the run missing at the sweep after its deadline, then late when its version comes', async () => {
    // Arrange
    const input = version(RAW, '2026-12-07T01:00:00Z', 'run-7');
    const { registry, ledger, deps } = depsWith([input]);
    await runExpectedCheck(arrival(input), deps, 'exec-1');

    // Act
    const early = await runExpectedCheck({ kind: 'sweep', now: '2026-12-07T02:59:00Z' }, deps, 'exec-2');
    const sweep = await runExpectedCheck({ kind: 'sweep', now: '2026-12-07T03:05:00Z' }, deps, 'exec-3');
    const output = version(RELATIVE, '2026-12-07T04:00:00Z', 'run-7');
    await registry.register(output);
    const late = await runExpectedCheck(arrival(output), deps, 'exec-4');

    // Assess
    expect(early.notices).toEqual([]);
    expect(sweep.notices.map((n) => [n.detailType, n.detail.output.runId])).toEqual([
      ['Output Missing', 'run-7'],
    ]);
    expect(late.notices.map((n) => n.detailType)).toEqual(['Output Late']);
    expect(await registry.get('EXP#sales/features/order_features', 'RUN#run-7#0')).toMatchObject({
      status: 'late',
      runId: 'run-7',
      arrivedAt: '2026-12-07T04:00:00Z',
    });
    expect(ledger.items.size).toBe(0);
  });

  it('leaves nothing behind when the run’s version arrives in time', async () => {
    // Arrange
    const input = version(RAW, '2026-12-07T01:00:00Z', 'run-8');
    const output = version(RELATIVE, '2026-12-07T02:00:00Z', 'run-8');
    const { registry, ledger, deps } = depsWith([input]);
    await runExpectedCheck(arrival(input), deps, 'exec-1');
    await registry.register(output);

    // Act
    await runExpectedCheck(arrival(output), deps, 'exec-2');
    const sweep = await runExpectedCheck({ kind: 'sweep', now: '2026-12-07T03:05:00Z' }, deps, 'exec-3');

    // Assess
    expect(sweep.notices).toEqual([]);
    expect(ledger.items.size).toBe(0);
    expect(registry.entries().filter((e) => e.pk.startsWith('EXP#'))).toEqual([]);
  });

  it('says so when an input version names no run, instead of waiting on nothing', async () => {
    // Arrange
    const { runId: _none, gsi2pk: _p, gsi2sk: _s, ...input } = version(RAW, '2026-12-07T01:00:00Z');
    const { ledger, deps } = depsWith([input]);

    // Act
    const result = await runExpectedCheck(arrival(input), deps, 'exec-1');

    // Assess
    expect(result.summary).toContain('names no run: not started');
    expect(ledger.items.size).toBe(0);
  });
});
