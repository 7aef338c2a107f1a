import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
const CONTEXT = lambdaContext('prt-register');
const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const CONTRACT_FILES = ['sales-ingestion-raw_orders.yaml', 'sales-preprocessing-training_data.yaml'];

/** The artifacts bucket as S3 would answer: the sample contracts under contracts/. */
function mockContracts(): void {
  s3Mock.on(ListObjectsV2Command).resolves({
    Contents: CONTRACT_FILES.map((f) => ({ Key: `contracts/${f}`, ETag: '"e"', Size: 1 })),
    IsTruncated: false,
  });
  for (const file of CONTRACT_FILES) {
    s3Mock
      .on(GetObjectCommand, { Key: `contracts/${file}` })
      .callsFake(() => ({ Body: sdkStreamBody(sampleContractText(file)) }));
  }
}

describe('register handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    ddbMock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('accepts the object the Identify Pass states build', () => {
    // Prepare
    const versioned = aslState('IdentifyVersionedObject').Parameters ?? {};
    const unversioned = aslState('IdentifyUnversionedObject').Parameters ?? {};

    // Act
    const fields = parameterNames(objectRef({ key: KEY, etag: 'e', size: 1 }));

    // Assess
    expect(parameterNames(versioned)).toEqual(fields);
    expect(parameterNames(unversioned)).toEqual(fields);
    expect(aslState('Register').Parameters?.['Payload']).toEqual({
      'object.$': '$.object',
      'execution.$': '$$.Execution.Id',
    });
  });

  it('registers a tracked object with a conditional put and returns the resolved output', async () => {
    // Prepare
    mockContracts();
    ddbMock.on(PutCommand).resolves({});
    const handler = await loadHandler('register');
    const object = objectRef({ key: KEY, etag: 'abc', size: 42, versionId: 'v1' });

    // Act
    const result = await handler({ object }, CONTEXT);

    // Assess
    expect(result).toEqual({
      tracked: true,
      duplicate: false,
      partOfDataset: false,
      // The sample training_data contract's output, run 2024-06-01, converted to Parquet.
      output: trainingDataOutput(),
    });
    const puts = ddbMock.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toMatchObject({
      TableName: HANDLER_ENV.PRT_REGISTRY_TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: object.pk,
        sk: 'VER#v1',
        status: 'pending',
        contractKey: TRAINING_DATA_CONTRACT,
        gsi1pk: 'OUT#sales#preprocessing#training_data',
        gsi2pk: 'RUN#sales#2024-06-01',
      },
    });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: HANDLER_ENV.PRT_ARTIFACTS_BUCKET,
      Prefix: HANDLER_ENV.PRT_CONTRACTS_PREFIX,
    });
  });

  it('lists the contracts once for a burst of arrivals in one container', async () => {
    // Prepare
    mockContracts();
    ddbMock.on(PutCommand).resolves({});
    const handler = await loadHandler('register');

    // Act
    await handler({ object: objectRef({ key: KEY, etag: 'a', size: 1, versionId: 'v1' }) }, CONTEXT);
    await handler({ object: objectRef({ key: KEY, etag: 'b', size: 2, versionId: 'v2' }) }, CONTEXT);

    // Assess
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('reports a repeated delivery as a duplicate', async () => {
    // Prepare
    mockContracts();
    const object = objectRef({ key: KEY, etag: 'abc', size: 42, versionId: 'v1' });
    ddbMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'exists', $metadata: { httpStatusCode: 400 } }),
      );
    ddbMock.on(GetCommand).resolves({ Item: { pk: object.pk, sk: object.sk, status: 'passed' } });
    const handler = await loadHandler('register');

    // Act
    const result = await handler({ object }, CONTEXT);

    // Assess
    expect(result).toMatchObject({ tracked: true, duplicate: true });
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      TableName: HANDLER_ENV.PRT_REGISTRY_TABLE,
      Key: { pk: object.pk, sk: object.sk },
    });
  });

  it('records an unclaimed key as untracked', async () => {
    // Prepare
    mockContracts();
    ddbMock.on(PutCommand).resolves({});
    const handler = await loadHandler('register');

    // Act
    const result = await handler(
      { object: objectRef({ key: 'scratch/tmp.csv', etag: 'e', size: 3 }) },
      CONTEXT,
    );

    // Assess
    expect(result).toEqual({ tracked: false, duplicate: false, partOfDataset: false, output: null });
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      status: 'untracked',
      sk: 'VER#etag:e',
    });
  });

  it.each(['PRT_REGISTRY_TABLE', 'PRT_ARTIFACTS_BUCKET', 'PRT_CONTRACTS_PREFIX'] as const)(
    'fails at cold start with a ConfigurationError naming %s when it is not set',
    async (name) => {
      // Prepare
      stubHandlerEnv({ [name]: '' });

      // Act
      const load = loadHandler('register');

      // Assess
      await expect(load).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: `environment variable ${name} is required but not set`,
      });
    },
  );

  it.each([
    ['no object at all', {}, 'object must be an object'],
    [
      'a size given as text',
      { object: { ...objectRef({ key: KEY, etag: 'e', size: 1 }), size: '1' } },
      'object.size must be number; got "1"',
    ],
    [
      'no sort key',
      { object: { ...objectRef({ key: KEY, etag: 'e', size: 1 }), sk: undefined } },
      'object.sk must be string; got undefined',
    ],
    [
      'a versionId that is a number',
      { object: { ...objectRef({ key: KEY, etag: 'e', size: 1 }), versionId: 7 } },
      'object.versionId must be string|null; got 7',
    ],
  ])('rejects an event with %s as InvalidInputError naming the field', async (_case, event, message) => {
    // Prepare
    const handler = await loadHandler('register');

    // Act
    const act = handler(event, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidInputError', message });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
