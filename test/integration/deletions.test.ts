/**
 * Deleting an output: `aws s3 rm` on a tested object marks its registered version `deleted` through
 * the same arrival rule and state machine (an Object Deleted event), so "latest" no longer resolves
 * to bytes that are gone, while the entry (and lineage to it) stays. Runs against the embedded stack
 * or, with PRT_TEST_TARGET=stack, a deployed one.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a deleted output', () => {
  it('is marked deleted, kept in the registry, and skipped by latest', async () => {
    // Prepare: two versions of the output in one run, the newer one then deleted.
    const run = h.runId('run-del');
    const older = `pipelines/sales/${run}/preprocessing/training_data/part-00000.csv`;
    const newer = `pipelines/sales/${run}/preprocessing/training_data/part-00001.csv`;
    await h.upload(older, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.waitForStatus(older);
    const uploaded = await h.upload(newer, `${HEADER}\no-2,2,11.5,2026-11-01T01:00:00Z\n`);
    const tested = await h.waitForStatus(newer);
    expect({ status: tested.status, why: tested.failureCause }).toEqual({ status: 'passed', why: undefined });
    expect((await h.registry.latest('sales', 'preprocessing', 'training_data', run))?.uri).toBe(uploaded.uri);

    // Act
    await h.s3.send(new DeleteObjectCommand({ Bucket: h.resources.outputsBucket, Key: newer }));
    const deleted = await until('the deleted status', async () => {
      const entry = await h.registry.find(uploaded.uri);
      return entry?.status === 'deleted' ? entry : undefined;
    });

    // Assess
    expect(deleted).toMatchObject({ status: 'deleted', reportUri: tested.reportUri });
    expect(deleted.deletedAt).toEqual(expect.any(String));
    const latest = await h.registry.latest('sales', 'preprocessing', 'training_data', run);
    expect(latest?.key).toBe(older);
  });
});
