/**
 * Outputs that never came, end to end on the embedded stack, whose clock a test can move (the
 * deployed stack's EventBridge Scheduler has no local stand-in): a daily output expected by 06:00
 * UTC with 30 minutes of grace is recorded missing once the clock passes 06:30 with no version,
 * alerted and published as Output Missing; the version that then comes closes the window as late.
 * A relative expectation waits for the output of the same run after its input arrived.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleExpression } from '../../lambdas/core/expectations/schedule-expression';
import { startHarness, type Harness } from './embedded-stack-harness';

let h: Harness;
let pipeline: string;
const contractKeys: string[] = [];

const GRACE_MS = 30 * 60_000;

function contract(step: string, output: string, extra: readonly string[]): string {
  return [
    `pipeline: ${pipeline}`,
    `step: ${step}`,
    `output: ${output}`,
    `path: pipelines/${pipeline}/{run_id}/${step}/${output}.csv`,
    'format: csv',
    'schema:',
    '  - { name: id, type: int64, nullable: false }',
    ...extra,
  ].join('\n');
}

async function putContract(name: string, text: string): Promise<void> {
  const key = `contracts/expected/${pipeline}-${name}.yaml`;
  contractKeys.push(key);
  await h.s3.send(new PutObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key, Body: text }));
}

function eventsOf(detailType: string, output: string): Record<string, unknown>[] {
  return h.stack.publishedEvents
    .filter((e) => e.detailType === detailType)
    .map((e) => JSON.parse(e.detail) as Record<string, unknown> & { output: Record<string, unknown> })
    .filter(
      (d) => `${String(d.output.pipeline)}/${String(d.output.step)}/${String(d.output.output)}` === output,
    );
}

function alertsOf(output: string) {
  return h.stack.alerts.filter((a) => a.attributes['output'] === output);
}

beforeAll(async () => {
  h = await startHarness();
  pipeline = h.runId('expected');
  await putContract(
    'daily',
    contract('export', 'orders', ['expected:', '  - { schedule: cron(0 6 * * ? *), grace: 30m }']),
  );
  await putContract('raw', contract('ingestion', 'raw_orders', []));
  await putContract(
    'features',
    contract('features', 'order_features', [
      'inputs: [ingestion/raw_orders]',
      'expected:',
      '  - after: { input: ingestion/raw_orders, within: 2h }',
    ]),
  );
  // Warm functions keep their parsed contracts for a second on the embedded stack.
  await sleep(1_500);
}, 120_000);

afterAll(async () => {
  for (const key of contractKeys)
    await h?.s3.send(new DeleteObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key }));
  await h?.close();
});

describe('outputs that never came', () => {
  it('records a daily output missing after 06:00 + grace, alerts, publishes Output Missing, then closes it as late', async () => {
    // Arrange: the last 06:00 UTC whose grace has passed by now; the clock starts an hour before it.
    const name = `${pipeline}/export/orders`;
    const daily = ScheduleExpression.parse('cron(0 6 * * ? *)');
    const deadline = daily.previousAtOrBefore(new Date(Date.now() - GRACE_MS - 60_000))!;
    const clock = h.stack.expected.clock;
    clock.set(new Date(deadline.getTime() - 3_600_000));
    const early = await h.stack.expected.runDueChecks();

    // Act: the clock passes 06:30 with no version; a second run of the same time changes nothing
    clock.set(new Date(deadline.getTime() + GRACE_MS + 60_000));
    const due = await h.stack.expected.runDueChecks();
    clock.set(new Date(deadline.getTime() - 3_600_000));
    clock.set(new Date(deadline.getTime() + GRACE_MS + 60_000));
    const again = await h.stack.expected.runDueChecks();
    const missing = (
      await h.registry.versions({ pipeline, step: 'export', output: 'orders' }, { status: 'missing' })
    ).items;
    const missingAlerts = alertsOf(name).length;

    // Act: the version comes after its window
    const key = `pipelines/${pipeline}/r1/export/orders.csv`;
    await h.upload(key, 'id\n1\n2\n');
    const landed = await h.waitForStatus(key);
    await h.stack.idle();

    // Assess: nothing was due before the deadline; the window was checked once per run, recorded once
    expect(early.filter((r) => r.input['output'] === name)).toEqual([]);
    expect(due.filter((r) => r.input['output'] === name).map((r) => r.status)).toEqual(['SUCCEEDED']);
    expect(again.find((r) => r.input['output'] === name)?.summary).toContain('already recorded');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      status: 'missing',
      expectedBy: new Date(deadline.getTime() + GRACE_MS).toISOString(),
    });
    // Assess: one alert with the attributes every alert carries, and one Output Missing event
    expect(missingAlerts).toBe(1);
    expect(alertsOf(name)[0]!.attributes).toEqual({
      pipeline,
      output: name,
      status: 'missing',
      severity: 'error',
      environment: h.stack.config.name,
    });
    expect(eventsOf('Output Missing', name)).toHaveLength(1);
    // Assess: the late version closed the window, said so, and is itself tested as usual
    expect(landed.status).toBe('passed');
    const closed = await h.registry.get(missing[0]!.pk, missing[0]!.sk);
    expect(closed).toMatchObject({ status: 'late', arrivalUri: landed.uri, arrivedAt: landed.registeredAt });
    expect(eventsOf('Output Late', name)).toEqual([
      expect.objectContaining({ status: 'late', arrivalUri: landed.uri }),
    ]);
    expect(alertsOf(name).map((a) => a.attributes['status'])).toEqual(['missing', 'late']);
    expect(await h.registry.latest(pipeline, 'export', 'orders')).toMatchObject({ uri: landed.uri });
  }, 120_000);

  it('waits for the output of the same run within 2 h after its input arrived, and records only the run that did not come', async () => {
    // Arrange: two runs' inputs arrive; only run a's output follows in time
    const name = `${pipeline}/features/order_features`;
    for (const run of ['a', 'b'])
      await h.upload(`pipelines/${pipeline}/${run}/ingestion/raw_orders.csv`, 'id\n1\n');
    await h.waitForStatus(`pipelines/${pipeline}/b/ingestion/raw_orders.csv`);
    await h.waitForStatus(`pipelines/${pipeline}/a/ingestion/raw_orders.csv`);
    await h.upload(`pipelines/${pipeline}/a/features/order_features.csv`, 'id\n1\n');
    await h.waitForStatus(`pipelines/${pipeline}/a/features/order_features.csv`);
    await h.stack.idle();

    // Act: the clock moves 2 h (and a minute) past now
    h.stack.expected.clock.set(new Date(Date.now() + 2 * 3_600_000 + 60_000));
    const runs = await h.stack.expected.runDueChecks();

    // Assess
    const sweep = runs.find((r) => r.input['kind'] === 'sweep');
    expect(sweep?.status).toBe('SUCCEEDED');
    const missing = (
      await h.registry.versions(
        { pipeline, step: 'features', output: 'order_features' },
        { status: 'missing' },
      )
    ).items;
    expect(missing.map((e) => e.runId)).toEqual(['b']);
    expect(eventsOf('Output Missing', name).map((d) => (d.output as { runId: string }).runId)).toEqual(['b']);
    expect(alertsOf(name)).toHaveLength(1);
  }, 120_000);
});
