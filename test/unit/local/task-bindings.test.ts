import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  ItemReaderFailedError,
  buildTaskBindings,
  type LocalHandler,
} from '../../../lib/local/task-bindings';
import { sdkStreamBody } from '../../fixtures/sdk-stream-body';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:prt-dev-validate';
const definition = {
  States: { Validate: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' } },
};

/** A handler that stays busy until released, noting the remaining time it was given. */
function gatedHandler() {
  const gates: (() => void)[] = [];
  const remaining: number[] = [];
  const handler: LocalHandler = (_event, context) => {
    remaining.push((context as { getRemainingTimeInMillis: () => number }).getRemainingTimeInMillis());
    return new Promise((resolve) => gates.push(() => resolve({ ok: true })));
  };
  return { handler, gates, remaining };
}

const invoke = (bindings: Record<string, (input: unknown) => Promise<unknown>>) =>
  bindings['Validate']!({ FunctionName: FN, Payload: {} });

describe('Lambda concurrency on the embedded stack', () => {
  it('throttles an invocation past the account limit with Lambda.TooManyRequestsException', async () => {
    // Prepare
    const h = gatedHandler();
    const bindings = buildTaskBindings(definition, {
      handlers: new Map([[FN, h.handler]]),
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      onAlert: () => undefined,
      accountConcurrency: 2,
      sandboxes: 2,
    });
    const first = invoke(bindings);
    const second = invoke(bindings);

    // Act
    const third = invoke(bindings);

    // Assess
    await expect(third).rejects.toMatchObject({ name: 'Lambda.TooManyRequestsException' });
    h.gates.forEach((open) => open());
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
  });

  it('runs at most `sandboxes` handlers; a waiting one gets its whole timeout when its turn comes', async () => {
    // Prepare
    const h = gatedHandler();
    const bindings = buildTaskBindings(definition, {
      handlers: new Map([[FN, h.handler]]),
      timeoutsMs: new Map([[FN, 10_000]]),
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      onAlert: () => undefined,
      sandboxes: 1,
    });
    const first = invoke(bindings);
    const second = invoke(bindings);
    // The second waits this long for its sandbox: a clock started on arrival would have lost it.
    const waitedMs = 400;
    await new Promise((r) => setTimeout(r, waitedMs));

    // Act
    const startedBeforeRelease = h.remaining.length;
    h.gates[0]!();
    await first;
    while (h.gates.length < 2) await new Promise((r) => setTimeout(r, 5));
    h.gates[1]!();
    await second;

    // Assess
    expect(startedBeforeRelease).toBe(1);
    expect(h.remaining).toHaveLength(2);
    expect(h.remaining[1]).toBeGreaterThan(10_000 - waitedMs);
  });
});

describe('CloudWatch metrics on the embedded stack', () => {
  it('hands every data point of a putMetricData task to onMetric', async () => {
    // Prepare
    const metrics: unknown[] = [];
    const bindings = buildTaskBindings(
      {
        States: {
          CountUntested: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData' },
        },
      },
      {
        handlers: new Map(),
        dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
        onAlert: () => undefined,
        onMetric: (m) => metrics.push(m),
      },
    );

    // Act
    await bindings['CountUntested']!({
      Namespace: 'PipelineRuntimeTesting',
      MetricData: [{ MetricName: 'OutputsErrored', Value: 1, Unit: 'Count' }],
    });

    // Assess
    expect(metrics).toEqual([{ namespace: 'PipelineRuntimeTesting', name: 'OutputsErrored', value: 1 }]);
  });
});

describe('DynamoDB errors on the embedded stack', () => {
  const updateDefinition = {
    States: { RecordResult: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:updateItem' } },
  };
  const failingWith = (error: Error) => {
    const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
    dynamodb.send = () => Promise.reject(error);
    return buildTaskBindings(updateDefinition, { handlers: new Map(), dynamodb, onAlert: () => undefined });
  };

  it('names a service answer DynamoDB.<Exception>, as the service integration does', async () => {
    // Prepare
    const bindings = failingWith(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    );

    // Act
    const call = bindings['RecordResult']!({ TableName: 't', Key: {} });

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'DynamoDB.ConditionalCheckFailedException' });
  });

  it('names a call that got no answer DynamoDB.SdkClientException, which the Retry blocks name', async () => {
    // Prepare: what the SDK throws when its retries of a reset connection run out.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const timeout = Object.assign(new Error('Connection timed out'), { name: 'TimeoutError' });

    // Act
    const calls = [reset, timeout].map((e) => failingWith(e)['RecordResult']!({ TableName: 't', Key: {} }));

    // Assess
    for (const call of calls)
      await expect(call).rejects.toMatchObject({ name: 'DynamoDB.SdkClientException' });
  });
});

describe('the GetObject ItemReader stand-in on the embedded stack', () => {
  const readerDefinition = {
    States: { PartsItemReader: { Type: 'Task', Resource: 'arn:aws:states:::s3:getObject' } },
  };
  const serving = (body: string, options: { contentLength?: number; maxBytes?: number } = {}) => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const requests: unknown[] = [];
    s3.send = ((command: GetObjectCommand) => {
      requests.push(command.input);
      return Promise.resolve({
        Body: sdkStreamBody(body),
        ContentLength: options.contentLength ?? Buffer.byteLength(body),
      });
    }) as S3Client['send'];
    const bindings = buildTaskBindings(readerDefinition, {
      handlers: new Map(),
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      s3,
      onAlert: () => undefined,
      ...(options.maxBytes !== undefined ? { itemReaderMaxBytes: options.maxBytes } : {}),
    });
    return { read: () => bindings['PartsItemReader']!({ Bucket: 'art', Key: 'manifests/m.json' }), requests };
  };

  it("returns the object's JSON array as the map's items", async () => {
    // Prepare
    const items = [{ Key: 'f/part-0', Size: 3, Etag: '"e"', LastModified: 1, StorageClass: 'STANDARD' }];
    const { read, requests } = serving(JSON.stringify(items));

    // Act
    const result = await read();

    // Assess
    expect(result).toEqual(items);
    expect(requests).toEqual([{ Bucket: 'art', Key: 'manifests/m.json' }]);
  });

  it.each([
    ['larger than the bound', '[]', { contentLength: 11, maxBytes: 10 }, /more than the 10/],
    ['not a JSON array', '{"Key":"f/part-0"}', {}, /is not a JSON array/],
    ['not JSON at all', '[{"Key":', {}, /is not a JSON array/],
  ])('fails with States.ItemReaderFailed on an object %s', async (_what, body, options, message) => {
    // Prepare
    const { read } = serving(body, options);

    // Act
    const call = read();

    // Assess
    await expect(call).rejects.toBeInstanceOf(ItemReaderFailedError);
    await expect(call).rejects.toMatchObject({ name: 'States.ItemReaderFailed', message });
  });

  it('names an S3 answer S3.<Exception>, as for the ListObjectsV2 reader', async () => {
    // Prepare
    const s3 = new S3Client({ region: 'us-east-1' });
    s3.send = (() =>
      Promise.reject(
        new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
      )) as S3Client['send'];
    const bindings = buildTaskBindings(readerDefinition, {
      handlers: new Map(),
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      s3,
      onAlert: () => undefined,
    });

    // Act
    const call = bindings['PartsItemReader']!({ Bucket: 'art', Key: 'manifests/gone.json' });

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'S3.NoSuchKey' });
  });
});
