/**
 * Every tested output ends with an "Output Tested" event on the default EventBridge bus
 * (docs/output-tested-event.schema.json), whatever its outcome, so other systems can react.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { skipWithout, startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function eventsAbout(uri: string): Record<string, unknown>[] {
  return h.stack.publishedEvents
    .filter((e) => e.source === 'pipeline-runtime-testing' && e.detailType === 'Output Tested')
    .map((e) => JSON.parse(e.detail) as Record<string, unknown>)
    .filter((d) => d['uri'] === uri);
}

describe('the Output Tested event', () => {
  it('is published once for a passing and once for a failing output, with the documented fields', async (ctx) => {
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
    const schema = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docs/output-tested-event.schema.json'), 'utf8'),
    ) as {
      required: string[];
    };

    // Act
    await h.waitForStatus(good.key);
    await h.waitForStatus(bad.key);

    // Assess
    const [passed, ...morePassed] = eventsAbout(good.uri);
    const [failed, ...moreFailed] = eventsAbout(bad.uri);
    expect(morePassed).toEqual([]);
    expect(moreFailed).toEqual([]);
    expect(passed).toMatchObject({ schemaVersion: '1', status: 'passed', rowCount: 1, failedRules: [] });
    expect(failed).toMatchObject({ schemaVersion: '1', status: 'failed' });
    expect(failed!['failedRules']).toContain('customer_id_present');
    for (const detail of [passed!, failed!])
      expect(Object.keys(detail)).toEqual(expect.arrayContaining(schema.required));
  });
});
