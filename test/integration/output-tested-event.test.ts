/**
 * Every tested output ends with an "Output Tested" event on the default EventBridge bus
 * (docs/output-tested-event.schema.json), whatever its outcome, so other systems can react. Each
 * event is validated, as a rule's target receives it, against that schema: the envelope with the
 * tested object's ARN in `resources`, and the versioned detail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { eventBridgeEnvelope } from '../../lib/local/event-subscribers';
import type { PublishedEvent } from '../../lib/local/task-bindings';
import { skipWithout, startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
let h: Harness;

/** The documented schema, compiled: returns the errors of an event (none when it conforms). */
function documentedSchema(): (event: unknown) => string[] {
  const schema = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'docs/output-tested-event.schema.json'), 'utf8'),
  ) as object;
  const check = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  return (event) => (check(event) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function eventsAbout(uri: string): PublishedEvent[] {
  return h.stack.publishedEvents
    .filter((e) => e.source === 'pipeline-runtime-testing' && e.detailType === 'Output Tested')
    .filter((e) => (JSON.parse(e.detail) as Record<string, unknown>)['uri'] === uri);
}

describe('the Output Tested event', () => {
  it('is published once for a passing, a failing and an unreadable output, each as the schema documents it', async (ctx) => {
    skipWithout(h, ctx, 'outputTestedEvents');
    // Prepare
    const run = h.runId('run-event');
    const good = await h.upload(
      `pipelines/sales/${run}/preprocessing/training_data/good.csv`,
      `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`,
    );
    const bad = await h.upload(
      `pipelines/sales/${run}/preprocessing/training_data/bad.csv`,
      `${HEADER}\no-1,,-1,2026-11-01T00:00:00Z\n`,
    );
    // A row with 3 of 4 fields: the error path's event (PublishError).
    const unreadable = await h.upload(
      `pipelines/sales/${run}/preprocessing/training_data/unreadable.csv`,
      `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3.5\n`,
    );
    const validate = documentedSchema();

    // Act
    for (const o of [good, bad, unreadable]) await h.waitForStatus(o.key);
    await h.settle();

    // Assess
    const published = [good, bad, unreadable].map((o) => eventsAbout(o.uri));
    expect(published.map((events) => events.length)).toEqual([1, 1, 1]);
    const [passed, failed, errored] = published.map((events) => eventBridgeEnvelope(events[0]!));
    expect(passed!['detail']).toMatchObject({
      schemaVersion: '1',
      status: 'passed',
      rowCount: 1,
      failedRules: [],
    });
    expect(failed!['detail']).toMatchObject({ schemaVersion: '1', status: 'failed' });
    expect((failed!['detail'] as { failedRules: string[] }).failedRules).toContain('customer_id_present');
    expect(errored!['detail']).toMatchObject({
      schemaVersion: '1',
      status: 'failed',
      error: { Error: 'FormatError' },
    });
    for (const [i, o] of [good, bad, unreadable].entries())
      expect(published[i]![0]!.resources).toEqual([`arn:aws:s3:::${h.resources.outputsBucket}/${o.key}`]);
    expect([passed, failed, errored].map(validate)).toEqual([[], [], []]);
  });

  it('has a schema that refuses an event without the tested object in resources', () => {
    // Prepare
    const validate = documentedSchema();
    const detail = {
      schemaVersion: '1',
      status: 'passed',
      uri: 's3://b/k.csv',
      bucket: 'b',
      key: 'k.csv',
      version: 'VER#etag:abc',
      execution: 'arn:aws:states:eu-west-1:123456789012:execution:m:e',
    };
    const event = { source: 'pipeline-runtime-testing', 'detail-type': 'Output Tested', detail };

    // Act
    const results = [
      validate({ ...event, resources: ['arn:aws:s3:::b/k.csv'] }),
      validate(event),
      validate({ ...event, resources: [] }),
      validate({ ...event, resources: ['arn:aws:s3:::b'] }),
      validate({ ...event, resources: ['arn:aws:s3:::b/k.csv'], detail: { ...detail, schemaVersion: '2' } }),
    ];

    // Assess
    expect(results[0]).toEqual([]);
    expect(results[1]!.join()).toContain("must have required property 'resources'");
    expect(results[2]!.join()).toContain('/resources must NOT have fewer than 1 items');
    expect(results[3]!.join()).toContain('/resources/0 must match pattern');
    expect(results[4]!.join()).toContain('/detail/schemaVersion must be equal to constant');
  });
});
