import { gzipSync } from 'node:zlib';

import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  aslState,
  lambdaContext,
  loadHandler,
  parameterNames,
  stubHandlerEnv,
} from '../../fixtures/lambda-handler';
import { sdkStreamBody } from '../../fixtures/sdk-stream-body';
import { LANDING_BUCKET, objectRef, trainingDataOutput } from '../../fixtures/step-events';

const s3Mock = mockClient(S3Client);
const CONTEXT = lambdaContext('prt-inspect');
const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv.gz';

describe('inspect handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    stubHandlerEnv();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('receives the object and the registered output from the state machine', () => {
    // Prepare
    const payload = aslState('Inspect').Parameters?.['Payload'] as Record<string, unknown>;

    // Act
    const fields = parameterNames(payload);

    // Assess
    expect(fields).toEqual(['execution', 'object', 'output']);
  });

  it('confirms the version and detects gzip CSV from a ranged read of the head', async () => {
    // Prepare
    const body = gzipSync('order_id,customer_id\no1,1\n');
    const object = objectRef({ key: KEY, etag: 'abc', size: body.byteLength, versionId: 'v1' });
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: body.byteLength, ETag: '"abc"', VersionId: 'v1' });
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: sdkStreamBody(body) }));
    const handler = await loadHandler('inspect');

    // Act
    const result = await handler({ object, output: trainingDataOutput() }, CONTEXT);

    // Assess
    expect(result).toEqual({
      format: 'csv',
      compression: 'gzip',
      size: body.byteLength,
      etag: 'abc',
      versionId: 'v1',
      formatMatches: true,
      extensionFormat: 'csv',
    });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: LANDING_BUCKET,
      Key: KEY,
      VersionId: 'v1',
    });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: LANDING_BUCKET,
      Key: KEY,
      VersionId: 'v1',
      Range: 'bytes=0-65535',
    });
  });

  it('fails with IntegrityError when the object was overwritten since it arrived', async () => {
    // Prepare
    const object = objectRef({ key: KEY, etag: 'abc', size: 10 });
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10, ETag: '"def"' });
    const handler = await loadHandler('inspect');

    // Act
    const act = handler({ object, output: trainingDataOutput() }, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('lets ObjectNotFoundError out when the object was deleted', async () => {
    // Prepare
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }));
    const handler = await loadHandler('inspect');

    // Act
    const act = handler(
      { object: objectRef({ key: KEY, etag: 'abc', size: 10 }), output: trainingDataOutput() },
      CONTEXT,
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ObjectNotFoundError' });
  });

  it('turns S3 throttling into TransientDependencyError, the error the state machine retries', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'Please reduce your request rate.',
      }),
    );
    const handler = await loadHandler('inspect');

    // Act
    const act = handler(
      { object: objectRef({ key: KEY, etag: 'abc', size: 10 }), output: trainingDataOutput() },
      CONTEXT,
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'TransientDependencyError' });
    const retried = (aslState('Inspect') as { Retry?: { ErrorEquals: string[] }[] }).Retry ?? [];
    expect(retried.flatMap((r) => r.ErrorEquals)).toContain('TransientDependencyError');
  });

  it('loads without any PRT_* setting, since it needs none', async () => {
    // Prepare
    for (const name of ['PRT_REGISTRY_TABLE', 'PRT_ARTIFACTS_BUCKET', 'PRT_CONTRACTS_PREFIX'])
      vi.stubEnv(name, '');

    // Act
    const handler = await loadHandler('inspect');

    // Assess
    expect(typeof handler).toBe('function');
  });

  it.each([
    ['no output', (o: object) => ({ object: o }), 'output must be an object'],
    [
      'an output without contractKey',
      (o: object) => ({ object: o, output: { ...trainingDataOutput(), contractKey: null } }),
      'output.contractKey must be string; got null',
    ],
    [
      'an output whose runId is missing',
      (o: object) => ({ object: o, output: { ...trainingDataOutput(), runId: undefined } }),
      'output.runId must be string|null; got undefined',
    ],
  ])('rejects an event with %s as InvalidInputError naming the field', async (_case, build, message) => {
    // Prepare
    const handler = await loadHandler('inspect');
    const event = build(objectRef({ key: KEY, etag: 'abc', size: 10 }));

    // Act
    const act = handler(event, CONTEXT);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidInputError', message });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });
});
