/**
 * OpenLineage from the embedded stack: with the environment's `openLineage` transport set to a
 * local HTTP receiver, a passing and a failing output each reach the receiver as RunEvents that
 * validate against the specification's JSON Schemas (the producing step's COMPLETE, and the test
 * run's COMPLETE or FAIL). The same run shows the alert routing: the failing output's SNS message
 * carries the filterable attributes, and its Output Tested event names the object's ARN.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localS3Client } from '../../lib/local/local-clients';
import { openLineageSpecValidator, type AnyRunEvent } from '../fixtures/openlineage-spec-validator';
import {
  startOpenLineageReceiver,
  startStackSendingLineageTo,
  type OpenLineageReceiver,
} from '../fixtures/openlineage-receiver';

interface ReceivedEvent extends AnyRunEvent {
  readonly eventType: string;
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly (AnyRunEvent['inputs'][number] & { namespace: string; name: string })[];
  readonly outputs: readonly (AnyRunEvent['outputs'][number] & { namespace: string; name: string })[];
}

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const validate = openLineageSpecValidator();
const received: { readonly body: ReceivedEvent; readonly contentType: string | undefined }[] = [];
let receiver: OpenLineageReceiver;
let stack: EmbeddedStack;
let s3: S3Client;

beforeAll(async () => {
  receiver = await startOpenLineageReceiver((req, text) => {
    received.push({ body: JSON.parse(text) as ReceivedEvent, contentType: req.headers['content-type'] });
    return { status: 201 };
  });
  stack = await startStackSendingLineageTo(receiver);
  s3 = localS3Client(stack.endpoints.s3);
});

afterAll(async () => {
  s3.destroy();
  await stack.stop();
  await receiver.close();
});

async function land(key: string, body: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: body }));
  return key;
}

describe('OpenLineage emission through the embedded stack', () => {
  it('delivers spec-valid COMPLETE and FAIL RunEvents of a passing and a failing output to an HTTP receiver', async () => {
    // Arrange
    const good = await land(
      'pipelines/sales/run-ol-1/preprocessing/training_data/good.csv',
      `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`,
    );
    const bad = await land(
      'pipelines/sales/run-ol-1/preprocessing/training_data/bad.csv',
      `${HEADER}\no-1,,-1,2026-11-01T00:00:00Z\n`,
    );

    // Act
    await stack.idle(120_000);

    // Assess
    expect(stack.undeliveredEvents).toEqual([]);
    const about = (key: string) =>
      received.map((r) => r.body).filter((e) => [...e.inputs, ...e.outputs].some((d) => d.name === key));
    const goodEvents = about(good);
    const badEvents = about(bad);
    expect(goodEvents.map((e) => `${e.job.namespace}/${e.job.name}:${e.eventType}`)).toEqual([
      'sales/preprocessing:COMPLETE',
      'prt-dev/test.sales.preprocessing.training_data:COMPLETE',
    ]);
    expect(badEvents.map((e) => `${e.job.namespace}/${e.job.name}:${e.eventType}`)).toEqual([
      'sales/preprocessing:COMPLETE',
      'prt-dev/test.sales.preprocessing.training_data:FAIL',
    ]);
    for (const e of [...goodEvents, ...badEvents]) expect(validate(e)).toEqual([]);
    const failedTest = badEvents[1]!;
    expect(failedTest.inputs[0]!.namespace).toBe(`s3://${stack.resources.outputsBucket}`);
    expect(Object.keys(failedTest.inputs[0]!.inputFacets ?? {}).sort()).toEqual([
      'dataQualityAssertions',
      'dataQualityMetrics',
    ]);
    expect(Object.keys(failedTest.inputs[0]!.facets ?? {}).sort()).toEqual(['schema', 'version']);
    expect(received.every((r) => r.contentType === 'application/json')).toBe(true);
  });

  it('gives the failing output an alert with filterable attributes and an Output Tested event naming its ARN', async () => {
    // Arrange
    const key = await land(
      'pipelines/sales/run-ol-2/preprocessing/training_data/bad.csv',
      `${HEADER}\no-1,,-1,2026-11-01T00:00:00Z\n`,
    );

    // Act
    await stack.idle(120_000);

    // Assess
    const uri = `s3://${stack.resources.outputsBucket}/${key}`;
    const alert = stack.alerts.find((a) => a.message.includes(uri));
    expect(alert?.attributes).toEqual({
      pipeline: 'sales',
      output: 'sales/preprocessing/training_data',
      status: 'failed',
      severity: 'error',
      environment: 'dev',
    });
    const event = stack.publishedEvents.find(
      (e) => e.detailType === 'Output Tested' && (JSON.parse(e.detail) as { uri: string }).uri === uri,
    );
    expect(event?.resources).toEqual([`arn:aws:s3:::${stack.resources.outputsBucket}/${key}`]);
  });
});
