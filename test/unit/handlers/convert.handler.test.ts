import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  HANDLER_ENV,
  aslState,
  lambdaContext,
  loadHandler,
  parameterNames,
  stubHandlerEnv,
} from '../../fixtures/lambda-handler';
import {
  RAW_ORDERS_CONTRACT,
  TRAINING_DATA_CONTRACT,
  sampleContractText,
} from '../../fixtures/sample-contracts';
import { S3MockObjects } from '../../fixtures/s3-mock-objects';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../fixtures/step-events';

const s3Mock = mockClient(S3Client);
const CONTEXT = lambdaContext('prt-convert');
const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const BUCKET = HANDLER_ENV.PRT_ARTIFACTS_BUCKET;
const CONVERTED_KEY = `converted/${LANDING_BUCKET}/${KEY}/v1.parquet`;
const CSV =
  'order_id,customer_id,purchase_amount,ordered_at\no1,1,10.5,2024-06-01T09:00:00Z\no2,2,,2024-06-01T09:01:00Z\n';

/** The contracts and the CSV in a mocked S3 that stores what is put, so the conversion proof can read it back. */
function mockObjects(options: { put?: boolean } = {}): S3MockObjects {
  const objects = new S3MockObjects(s3Mock, 11).install({ ...options, putVersionId: 'cv1' });
  objects.put(BUCKET, TRAINING_DATA_CONTRACT, sampleContractText('sales-preprocessing-training_data.yaml'));
  objects.put(BUCKET, RAW_ORDERS_CONTRACT, sampleContractText('sales-ingestion-raw_orders.yaml'));
  objects.put(LANDING_BUCKET, KEY, CSV, 'v1');
  return objects;
}

const EVENT = {
  object: objectRef({ key: KEY, etag: 'abc', size: Buffer.byteLength(CSV), versionId: 'v1' }),
  output: trainingDataOutput(),
  inspection: csvInspection({ size: Buffer.byteLength(CSV), etag: 'abc', versionId: 'v1' }),
};

describe('convert handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('receives object, output and inspection from the state machine', () => {
    // Prepare
    const payload = aslState('Convert').Parameters?.['Payload'] as Record<string, unknown>;

    // Act
    const fields = parameterNames(payload);

    // Assess
    expect(fields).toEqual(['execution', 'inspection', 'object', 'output']);
  });

  it('writes the Parquet copy under the converted prefix and returns the fields the Convert task selects', async () => {
    // Prepare
    mockObjects();
    const handler = await loadHandler('convert');

    // Act
    const result = await handler(EVENT, CONTEXT);

    // Assess
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: CONVERTED_KEY,
      ContentType: 'application/vnd.apache.parquet',
    });
    const body = put?.Body as Uint8Array;
    expect(result).toMatchObject({
      uri: `s3://${BUCKET}/${CONVERTED_KEY}`,
      versionId: 'cv1',
      etag: 'c0ffee',
      size: body.byteLength,
      format: 'parquet',
      rowsIn: 2,
      rowsOut: 2,
      equivalent: true,
    });
    const selected = Object.keys(
      (aslState('Convert') as { ResultSelector?: Record<string, unknown> }).ResultSelector ?? {},
    )
      .map((k) => k.replace(/\.\$$/, ''))
      .filter((k) => k !== 'converted');
    expect(Object.keys(result).sort()).toEqual(selected.sort());
    const rows = await parquetReadObjects({
      file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    });
    expect(rows.map((r): unknown => r['order_id'])).toEqual(['o1', 'o2']);
  });

  it('refuses an output without convert_to as InvalidInputError', async () => {
    // Prepare
    mockObjects();
    const handler = await loadHandler('convert');

    // Act
    const act = handler(
      {
        ...EVENT,
        output: trainingDataOutput({
          output: 'raw_orders',
          contractKey: RAW_ORDERS_CONTRACT,
          convertTo: null,
        }),
      },
      CONTEXT,
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('turns a failed write into TransientDependencyError when S3 is unavailable', async () => {
    // Prepare
    mockObjects({ put: false });
    s3Mock.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const handler = await loadHandler('convert');

    // Act
    const act = handler(EVENT, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'TransientDependencyError' });
  });

  it.each(['PRT_ARTIFACTS_BUCKET', 'PRT_CONTRACTS_PREFIX', 'PRT_CONVERTED_PREFIX'] as const)(
    'fails at cold start with a ConfigurationError naming %s when it is not set',
    async (name) => {
      // Prepare
      stubHandlerEnv({ [name]: '' });

      // Act
      const load = loadHandler('convert');

      // Assess
      await expect(load).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: `environment variable ${name} is required but not set`,
      });
    },
  );

  it('fails at cold start with a ConfigurationError naming PRT_READER_LIMITS when a limit is misspelt', async () => {
    // Prepare
    vi.stubEnv('PRT_READER_LIMITS', '{"maxFieldLenght":100}');

    // Act
    const load = loadHandler('convert');

    // Assess
    await expect(load).rejects.toMatchObject({ name: 'ConfigurationError' });
    await expect(load).rejects.toThrow(
      "environment variable PRT_READER_LIMITS: 'maxFieldLenght' is not a reader limit",
    );
  });

  it('reads the object within PRT_READER_LIMITS: a field over maxFieldLength stops the conversion', async () => {
    // Prepare: the longest field of CSV is 20 characters (2024-06-01T09:00:00Z)
    mockObjects();
    vi.stubEnv('PRT_READER_LIMITS', '{"maxFieldLength":19}');
    const handler = await loadHandler('convert');

    // Act
    const act = handler(EVENT, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'FormatError' });
    await expect(act).rejects.toThrow(/^CSV field longer than 19 characters/);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects an event whose object has no key as InvalidInputError naming the field', async () => {
    // Prepare
    const handler = await loadHandler('convert');

    // Act
    const act = handler({ ...EVENT, object: { ...EVENT.object, key: undefined } }, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'object.key must be string; got undefined',
    });
  });
});
