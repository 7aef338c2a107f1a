import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  HANDLER_ENV,
  aslState,
  lambdaContext,
  loadHandler,
  parameterNames,
  stubHandlerEnv,
} from '../../fixtures/lambda-handler';
import { TRAINING_DATA_CONTRACT, sampleContractText } from '../../fixtures/sample-contracts';
import { sdkStreamBody } from '../../fixtures/sdk-stream-body';
import { objectRef, trainingDataOutput } from '../../fixtures/step-events';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBDocumentClient);
const CONTEXT = lambdaContext('prt-lineage');
const TABLE = HANDLER_ENV.PRT_REGISTRY_TABLE;
const OBJECT = objectRef({
  key: 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv',
  etag: 'abc',
  size: 10,
  versionId: 'v1',
});
const RAW_URI = 's3://landing-bucket/pipelines/sales/2024-06-01/ingestion/raw_orders/orders.csv';
const RAW_ITEM = {
  pk: `OBJ#${RAW_URI}`,
  sk: 'VER#r1',
  uri: RAW_URI,
  registeredAt: '2024-06-01T09:00:00.000Z',
};
const CONVERTED_URI = `s3://${HANDLER_ENV.PRT_ARTIFACTS_BUCKET}/converted/landing-bucket/${OBJECT.key}/v1.parquet`;

/** The Convert task's result as its ResultSelector shapes it. */
const CONVERTED = {
  converted: true,
  uri: CONVERTED_URI,
  format: 'parquet',
  rowsIn: 2,
  rowsOut: 2,
  equivalent: true,
  versionId: 'cv1',
  etag: 'c0ffee',
  size: 900,
  checksums: { order_id: 'aa' },
};

function mockContract(): void {
  const text = sampleContractText('sales-preprocessing-training_data.yaml');
  // The catalog checks a contract's size (HEAD) before it reads it.
  s3Mock
    .on(HeadObjectCommand, { Bucket: HANDLER_ENV.PRT_ARTIFACTS_BUCKET, Key: TRAINING_DATA_CONTRACT })
    .resolves({ ContentLength: Buffer.byteLength(text), ETag: '"contract"' });
  s3Mock
    .on(GetObjectCommand, { Bucket: HANDLER_ENV.PRT_ARTIFACTS_BUCKET, Key: TRAINING_DATA_CONTRACT })
    .callsFake(() => ({ Body: sdkStreamBody(text) }));
}

describe('lineage handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    ddbMock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('receives object, output and conversion from the state machine', () => {
    // Prepare
    const payload = aslState('Lineage').Parameters?.['Payload'] as Record<string, unknown>;

    // Act
    const fields = parameterNames(payload);

    // Assess
    expect(fields).toEqual(['conversion', 'execution', 'object', 'output']);
  });

  it('links a skipped-conversion object to its declared input of the same run', async () => {
    // Prepare
    mockContract();
    ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [RAW_ITEM] });
    ddbMock.on(PutCommand).resolves({});
    const handler = await loadHandler('lineage');
    const skipped = (aslState('SkipConversion') as { Result?: unknown }).Result;

    // Act
    const result = await handler(
      { object: OBJECT, output: trainingDataOutput(), conversion: skipped },
      CONTEXT,
    );

    // Assess
    expect(result).toEqual({ edges: 1, unresolvedInputs: [] });
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      IndexName: 'gsi2',
      ExpressionAttributeValues: { ':run': 'RUN#sales#2024-06-01', ':prefix': 'ingestion#raw_orders#' },
    });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: `EDGE#${OBJECT.uri}#v1`, sk: `UP#${RAW_URI}#r1`, kind: 'declared-input' },
    });
  });

  it('registers the converted copy and links it when the conversion ran', async () => {
    // Prepare
    mockContract();
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(PutCommand).resolves({});
    const handler = await loadHandler('lineage');

    // Act
    const result = await handler(
      { object: OBJECT, output: trainingDataOutput(), conversion: CONVERTED },
      CONTEXT,
    );

    // Assess
    expect(result).toEqual({ edges: 1, unresolvedInputs: ['sales/ingestion/raw_orders'] });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p): unknown => p.Item?.['pk'])).toEqual([
      `OBJ#${CONVERTED_URI}`,
      `EDGE#${CONVERTED_URI}#cv1`,
    ]);
    expect(puts[0]?.Item).toMatchObject({
      sk: 'VER#cv1',
      dataType: 'converted',
      status: 'passed',
      output: 'training_data@parquet',
    });
    expect(puts[1]?.Item).toMatchObject({ sk: `UP#${OBJECT.uri}#v1`, kind: 'conversion' });
  });

  it('succeeds on a retry that finds the edges already recorded', async () => {
    // Prepare
    mockContract();
    ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [RAW_ITEM] });
    ddbMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'exists', $metadata: { httpStatusCode: 400 } }),
      );
    const handler = await loadHandler('lineage');

    // Act
    const result = await handler(
      { object: OBJECT, output: trainingDataOutput(), conversion: { converted: false } },
      CONTEXT,
    );

    // Assess
    expect(result).toEqual({ edges: 1, unresolvedInputs: [] });
  });

  it.each(['PRT_REGISTRY_TABLE', 'PRT_ARTIFACTS_BUCKET', 'PRT_CONTRACTS_PREFIX'] as const)(
    'fails at cold start with a ConfigurationError naming %s when it is not set',
    async (name) => {
      // Prepare
      stubHandlerEnv({ [name]: '' });

      // Act
      const load = loadHandler('lineage');

      // Assess
      await expect(load).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: `environment variable ${name} is required but not set`,
      });
    },
  );

  it('rejects an event without conversion as InvalidInputError naming the field', async () => {
    // Prepare
    const handler = await loadHandler('lineage');

    // Act
    const act = handler({ object: OBJECT, output: trainingDataOutput() }, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'conversion must be object; got undefined',
    });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
