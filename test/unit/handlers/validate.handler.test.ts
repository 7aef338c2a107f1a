import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
import { writeTable } from '../../fixtures/format-io';
import { S3MockObjects } from '../../fixtures/s3-mock-objects';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../fixtures/step-events';

const s3Mock = mockClient(S3Client);
// The registry answers no earlier versions, so no history comparison takes part.
const ddbMock = mockClient(DynamoDBDocumentClient);
const CONTEXT = lambdaContext('prt-validate');
const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const BUCKET = HANDLER_ENV.PRT_ARTIFACTS_BUCKET;
const REPORT_KEY = `reports/${LANDING_BUCKET}/${KEY}/v1.json`;
const QUARANTINE_KEY = `quarantine/${LANDING_BUCKET}/${KEY}/v1.jsonl`;
/** The results dataset's three files of the version (PRT_RESULTS_PREFIX), partitioned by arrival date and pipeline. */
const RESULTS_FILES = ['rule_results', 'column_metrics', 'version_results'].map(
  (table) => new RegExp(`^results/${table}/dt=\\d{4}-\\d{2}-\\d{2}/pipeline=sales/[0-9a-f]{32}\\.parquet$`),
);

function mockObjects(csv: string | Uint8Array): void {
  const objects = new S3MockObjects(s3Mock, 9).install({ put: false });
  objects.put(BUCKET, TRAINING_DATA_CONTRACT, sampleContractText('sales-preprocessing-training_data.yaml'));
  objects.put(LANDING_BUCKET, KEY, csv, 'v1');
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"w"' });
}

function event(csv: string) {
  return {
    object: objectRef({ key: KEY, etag: 'abc', size: Buffer.byteLength(csv), versionId: 'v1' }),
    output: trainingDataOutput(),
    inspection: csvInspection({ size: Buffer.byteLength(csv), etag: 'abc', versionId: 'v1' }),
  };
}

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';

describe('validate handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    ddbMock.reset();
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('receives object, output and inspection from the state machine', () => {
    // Prepare
    const payload = aslState('Validate').Parameters?.['Payload'] as Record<string, unknown>;

    // Act
    const fields = parameterNames(payload);

    // Assess
    expect(fields).toEqual(['execution', 'inspection', 'object', 'output']);
  });

  it('validates the pinned version and writes the report to the artifacts bucket', async () => {
    // Prepare
    const csv = `${HEADER}\no1,1,10,2024-06-01T09:00:00Z\no2,2,20,2024-06-01T09:01:00Z\n`;
    mockObjects(csv);
    const handler = await loadHandler('validate');

    // Act
    const result = await handler(event(csv), CONTEXT);

    // Assess
    expect(result).toEqual({
      status: 'passed',
      rowCount: 2,
      failedRules: [],
      reportUri: `s3://${BUCKET}/${REPORT_KEY}`,
      quarantineUri: null,
      summary: 'PASSED: 2 rows',
    });
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: TRAINING_DATA_CONTRACT, VersionId: undefined },
      // The contracts listed to find the output's consumers (the one contract, read by its
      // listing), before the object is read: a typed file's values are measured against the types
      // they read.
      { Bucket: BUCKET, Key: TRAINING_DATA_CONTRACT, VersionId: undefined },
      // The head of the object, for format detection, then the object itself.
      { Bucket: LANDING_BUCKET, Key: KEY, VersionId: 'v1', Range: 'bytes=0-65535' },
      { Bucket: LANDING_BUCKET, Key: KEY, VersionId: 'v1' },
    ]);
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual([
      [BUCKET, REPORT_KEY, 'application/json'],
      [BUCKET, REPORT_KEY.replace(/\.json$/, '.html'), 'text/html; charset=utf-8'],
      ...RESULTS_FILES.map((key) => [
        BUCKET,
        expect.stringMatching(key) as string,
        'application/vnd.apache.parquet',
      ]),
    ]);
    expect(JSON.parse(puts[0]?.Body as string)).toMatchObject({
      status: 'passed',
      rowCount: 2,
      object: { version: 'v1' },
    });
  });

  it('writes the failing rows to the quarantine prefix', async () => {
    // Prepare
    const csv = `${HEADER}\no1,,10,2024-06-01T09:00:00Z\no2,2,20,2024-06-01T09:01:00Z\n`;
    mockObjects(csv);
    const handler = await loadHandler('validate');

    // Act
    const result = await handler(event(csv), CONTEXT);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      failedRules: ['schema_compatibility', 'customer_id_present'],
      quarantineUri: `s3://${BUCKET}/${QUARANTINE_KEY}`,
    });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([
      QUARANTINE_KEY,
      REPORT_KEY,
      REPORT_KEY.replace(/\.json$/, '.html'),
      ...RESULTS_FILES.map((key) => expect.stringMatching(key) as string),
    ]);
    expect(Buffer.from(puts[0]?.Body as Uint8Array).toString('utf8')).toBe(
      '{"row":1,"values":{"order_id":"o1","customer_id":null,"purchase_amount":"10","ordered_at":"2024-06-01T09:00:00Z"},"broke":["customer_id: null in a non-nullable column","customer_id_present"]}\n',
    );
  });

  it('returns exactly the fields the Validate task selects', async () => {
    // Prepare
    const csv = `${HEADER}\no1,1,10,2024-06-01T09:00:00Z\n`;
    mockObjects(csv);
    const handler = await loadHandler('validate');
    const selected = Object.keys(
      (aslState('Validate') as { ResultSelector?: Record<string, unknown> }).ResultSelector ?? {},
    ).map((k) => k.replace(/\.\$$/, ''));

    // Act
    const result = await handler(event(csv), CONTEXT);

    // Assess
    expect(Object.keys(result).sort()).toEqual(selected.sort());
  });

  it.each([
    'PRT_ARTIFACTS_BUCKET',
    'PRT_CONTRACTS_PREFIX',
    'PRT_REPORTS_PREFIX',
    'PRT_QUARANTINE_PREFIX',
    'PRT_MANIFESTS_PREFIX',
    'PRT_RESULTS_PREFIX',
  ] as const)('fails at cold start with a ConfigurationError naming %s when it is not set', async (name) => {
    // Prepare
    stubHandlerEnv({ [name]: '' });

    // Act
    const load = loadHandler('validate');

    // Assess
    await expect(load).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: `environment variable ${name} is required but not set`,
    });
  });

  it.each([
    ['not JSON', 'maxFieldsPerRow=3', 'must be a JSON object'],
    ['a misspelt limit', '{"maxFieldPerRow":3}', "'maxFieldPerRow' is not a reader limit"],
    ['a limit of 0', '{"maxRowBytes":0}', 'maxRowBytes must be a whole number from 1 to'],
  ])(
    'fails at cold start with a ConfigurationError naming PRT_READER_LIMITS for %s',
    async (_case, value, problem) => {
      // Prepare
      vi.stubEnv('PRT_READER_LIMITS', value);

      // Act
      const load = loadHandler('validate');

      // Assess
      await expect(load).rejects.toMatchObject({ name: 'ConfigurationError' });
      await expect(load).rejects.toThrow(`environment variable PRT_READER_LIMITS: `);
      await expect(load).rejects.toThrow(problem);
    },
  );

  it('reads the object within PRT_READER_LIMITS: a 4-field CSV row over maxFieldsPerRow 3 is a FormatError', async () => {
    // Prepare
    const csv = `${HEADER}\no1,1,10,2024-06-01T09:00:00Z\n`;
    mockObjects(csv);
    vi.stubEnv('PRT_READER_LIMITS', '{"maxFieldsPerRow":3}');
    const handler = await loadHandler('validate');

    // Act
    const act = handler(event(csv), CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'FormatError' });
    await expect(act).rejects.toThrow(/CSV row has more than 3 fields \(maxFieldsPerRow\) \(.*line 2, row 1/);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('reads a Parquet object within PRT_READER_LIMITS: a row group over maxRowGroupRows is a FormatError', async () => {
    // Prepare: a Parquet file of one 2-row row group, under the CSV output's key
    const parquet = await writeTable(
      'parquet',
      [
        { name: 'order_id', type: 'string', nullable: false },
        { name: 'customer_id', type: 'int64', nullable: false },
      ],
      [
        ['o1', 1n],
        ['o2', 2n],
      ],
    );
    mockObjects(parquet);
    vi.stubEnv('PRT_READER_LIMITS', '{"maxRowGroupRows":1}');
    const handler = await loadHandler('validate');
    const size = parquet.byteLength;
    const parquetEvent = {
      ...event(''),
      object: objectRef({ key: KEY, etag: 'abc', size, versionId: 'v1' }),
      inspection: csvInspection({ size, etag: 'abc', versionId: 'v1' }),
    };

    // Act
    const act = handler(parquetEvent, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'FormatError' });
    await expect(act).rejects.toThrow(
      /row group 0 declares 2 rows, above the limit of 1 \(maxRowGroupRows\)/,
    );
  });

  it('rejects an event without inspection as InvalidInputError naming the field', async () => {
    // Prepare
    const handler = await loadHandler('validate');
    const { object, output } = event('x');

    // Act
    const act = handler({ object, output, inspection: null }, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'inspection must be object; got null',
    });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('stops with TimeBudgetExceeded before its timeout when the time left is down to the reserve, writing no report', async () => {
    // Prepare: a minute at the start, then 4 s (under the 6 s reserve) at every later look.
    const csv = `${HEADER}\no1,1,10,2024-06-01T09:00:00Z\n`;
    mockObjects(csv);
    const handler = await loadHandler('validate');
    let looks = 0;
    const context = { ...CONTEXT, getRemainingTimeInMillis: () => (looks++ === 0 ? 60_000 : 4_000) };

    // Act
    const failure = handler(event(csv), context);

    // Assess
    await expect(failure).rejects.toMatchObject({
      name: 'TimeBudgetExceeded',
      message: expect.stringMatching(
        /^stopped with 4 s of the function's 60 s left, before its timeout/,
      ) as unknown,
    });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("writes the version row of a test that ended in error from the RecordErrorResults state's payload", async () => {
    // Prepare: the state's fields, with what the state machine holds at RecordError; no report stored.
    const payload = aslState('RecordErrorResults').Parameters?.['Payload'] as Record<string, unknown>;
    mockObjects('');
    const handler = await loadHandler('validate');
    const input = {
      mode: 'ended',
      object: objectRef({ key: KEY, etag: 'abc', size: 120, versionId: 'v1' }),
      output: trainingDataOutput(),
      status: 'error',
      error: { Error: 'States.Timeout', Cause: 'the Inspect task timed out' },
      endedAt: '2024-06-01T10:21:30.000Z',
      execution: 'arn:aws:states:eu-west-1:123456789012:execution:m:e1',
    };

    // Act
    const result = await handler(input, CONTEXT);

    // Assess
    expect(parameterNames(payload)).toEqual(Object.keys(input).sort());
    expect(result).toMatchObject({ status: 'error', rowsFrom: 'error' });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual(
      RESULTS_FILES.map((key) => [
        BUCKET,
        expect.stringMatching(key) as string,
        'application/vnd.apache.parquet',
      ]),
    );
  });
});
