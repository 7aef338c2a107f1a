/**
 * The run report handler: takes the Output Tested event as EventBridge hands it over, writes the
 * run's report under reports/runs/ of the artifacts bucket, returns why when there is no run to
 * report, and throws a failing dependency so the rule's retries and dead-letter queue see it.
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

describe('run report handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    ddbMock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("writes the JSON and HTML report of the event's run under reports/runs/ of the artifacts bucket", async () => {
    // Arrange
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(GetCommand, { TableName: HANDLER_ENV.PRT_REGISTRY_TABLE }).resolves({ Item: ITEM });
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"r"' });
    const handler = await loadHandler('run-report');

    // Act
    const result = await handler(outputTested('run-9'), CONTEXT);

    // Assess
    expect(result).toMatchObject({
      status: 'written',
      jsonKey: 'reports/runs/sales/run-9/report.json',
      htmlKey: 'reports/runs/sales/run-9/report.html',
      objects: 1,
      settled: true,
    });
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

  it('writes nothing for an output without a run, and says why', async () => {
    // Arrange
    const handler = await loadHandler('run-report');

    // Act
    const result = await handler(outputTested(null), CONTEXT);

    // Assess
    expect(result).toEqual({
      status: 'no-run',
      reason: `${URI} belongs to no run of sales (its path has no run id)`,
    });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('throws when the registry cannot be read, so the delivery is retried and then dead-lettered', async () => {
    // Arrange
    ddbMock
      .on(QueryCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    const handler = await loadHandler('run-report');

    // Act
    const written = handler(outputTested('run-9'), CONTEXT);

    // Assess
    await expect(written).rejects.toThrow();
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
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
