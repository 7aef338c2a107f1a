/**
 * The run report handler: takes a batch of Output Tested events as the queue's event source mapping
 * hands them over (each message body the event as EventBridge put it), writes each run's report
 * once under reports/runs/ of the artifacts bucket, and returns the messages of a run it could not
 * write as batch item failures, so the queue delivers them again and then dead-letters them.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HANDLER_ENV, lambdaContext, loadHandler, stubHandlerEnv } from '../../fixtures/lambda-handler';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const CONTEXT = lambdaContext('prt-run-report');
const URI = 's3://outputs/pipelines/sales/run-9/ingestion/raw_orders/orders.csv';
const ITEM = {
  pk: `OBJ#${URI}`,
  sk: 'VER#v1',
  uri: URI,
  bucket: 'outputs',
  key: 'pipelines/sales/run-9/ingestion/raw_orders/orders.csv',
  versionId: 'v1',
  etag: 'e1',
  size: 120,
  status: 'passed',
  dataType: 'pipeline',
  registeredAt: '2026-12-07T09:00:00.000Z',
  eventTime: '2026-12-07T09:00:00.000Z',
  pipeline: 'sales',
  step: 'ingestion',
  output: 'raw_orders',
  runId: 'run-9',
  rowCount: 2,
};

function outputTested(runId: string | null): Record<string, unknown> {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'Output Tested',
    source: 'pipeline-runtime-testing',
    detail: {
      schemaVersion: '1',
      status: 'passed',
      uri: URI,
      bucket: 'outputs',
      key: ITEM.key,
      version: 'VER#v1',
      execution: 'arn:aws:states:eu-west-1:111122223333:execution:prt-dev:x',
      output: { pipeline: 'sales', step: 'ingestion', output: 'raw_orders', runId },
    },
  };
}

/** The SQS event of the queue the Output Tested rule sends to, one message per event. */
function sqsEvent(...bodies: (Record<string, unknown> | string)[]): Record<string, unknown> {
  return {
    Records: bodies.map((body, at) => ({
      messageId: `m-${at}`,
      receiptHandle: `r-${at}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:prt-dev-run-report-events',
      awsRegion: 'eu-west-1',
    })),
  };
}

describe('run report handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    ddbMock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("writes the JSON and HTML report of the batch's run once under reports/runs/ of the artifacts bucket", async () => {
    // Arrange
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand, { TableName: HANDLER_ENV.PRT_REGISTRY_TABLE }).resolves({ Item: ITEM });
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"r"' });
    const handler = await loadHandler('run-report');

    // Act
    const result = await handler(sqsEvent(outputTested('run-9'), outputTested('run-9')), CONTEXT);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual([
      [HANDLER_ENV.PRT_ARTIFACTS_BUCKET, 'reports/runs/sales/run-9/report.json', 'application/json'],
      [HANDLER_ENV.PRT_ARTIFACTS_BUCKET, 'reports/runs/sales/run-9/report.html', 'text/html; charset=utf-8'],
    ]);
    expect(JSON.parse(puts[0]!.Body as string)).toMatchObject({
      pipeline: 'sales',
      runId: 'run-9',
      status: 'passed',
      outputs: [{ output: 'ingestion/raw_orders', rows: 2 }],
    });
  });

  it('writes nothing for an output without a run, and takes its message', async () => {
    // Arrange
    const handler = await loadHandler('run-report');

    // Act
    const result = await handler(sqsEvent(outputTested(null)), CONTEXT);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('returns the messages of a run whose registry cannot be read, and of a body that is no event, as failures', async () => {
    // Arrange
    ddbMock
      .on(QueryCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    const handler = await loadHandler('run-report');

    // Act
    const result = await handler(
      sqsEvent(outputTested('run-9'), outputTested(null), 'not an event', outputTested('run-9')),
      CONTEXT,
    );

    // Assess
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-0' }, { itemIdentifier: 'm-3' }],
    });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('throws on an event that is not an SQS batch, so the whole batch is delivered again', async () => {
    // Arrange
    const handler = await loadHandler('run-report');

    // Act
    const taken = handler(outputTested('run-9'), CONTEXT);

    // Assess
    await expect(taken).rejects.toThrow('run report: the event has no SQS Records');
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('fails its cold start naming the reports prefix when it is not set', async () => {
    // Arrange
    stubHandlerEnv({ PRT_REPORTS_PREFIX: '' });

    // Act
    const loading = loadHandler('run-report');

    // Assess
    await expect(loading).rejects.toThrow('PRT_REPORTS_PREFIX is required but not set');
  });
});
