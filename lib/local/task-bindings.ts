/**
 * Binds the Task states of an ASL definition to local implementations, by the resource each state
 * calls, so the embedded stack runs the deployed definition unchanged:
 * - `arn:aws:states:::lambda:invoke` → the real handler module, with the payload round-tripped
 *   through JSON and failures reported as Lambda reports them (error name = errorType, cause = JSON);
 * - `arn:aws:states:::dynamodb:updateItem` → UpdateItem on the local DynamoDB server, errors named
 *   `DynamoDB.<Exception>` as the service integration names them, and a failure that never got a
 *   service answer (a dropped connection, a timeout) `DynamoDB.SdkClientException`, so the
 *   definition's Retry blocks see what they would see on AWS;
 * - `arn:aws:states:::sns:publish` → an in-memory topic the caller can read;
 * - `arn:aws:states:::aws-sdk:cloudwatch:putMetricData` → in-memory metrics the caller can read;
 * - `arn:aws:states:::aws-sdk:s3:deleteObject` → a DeleteObject on the local S3 server (the canary's cleanup);
 * - the stand-ins of a Distributed Map's S3 ItemReader (lib/local/distributed-map.ts):
 *   `arn:aws:states:::s3:listObjectsV2` → every page of a ListObjectsV2, and
 *   `arn:aws:states:::s3:getObject` → a GetObject whose body is parsed as a JSON array.
 */
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GET_OBJECT_RESOURCE, LIST_OBJECTS_RESOURCE, type ListedItem } from './distributed-map';

/**
 * The error name a Step Functions service integration reports: `<Service>.<Exception>` for an
 * answer of the service (the SDK marks those with `$fault`), `<Service>.SdkClientException` for a
 * call that got no answer (connection reset, socket timeout). Without the second, a dropped
 * connection surfaced as `DynamoDB.Error` or `DynamoDB.TimeoutError`, which no Retry names.
 */
export function integrationErrorName(service: string, error: Error): string {
  const answered = '$fault' in error;
  return `${service}.${answered ? error.name : 'SdkClientException'}`;
}

export const DELETE_OBJECT_RESOURCE = 'arn:aws:states:::aws-sdk:s3:deleteObject';

export type LocalHandler = (event: unknown, context: unknown) => Promise<unknown>;

export interface PublishedAlert {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly message: string;
  /** The message attributes (String ones, by name), as a subscription's filter policy sees them. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly at: string;
}

/** An event the state machine put on the default EventBridge bus. */
export interface PublishedEvent {
  readonly source: string;
  readonly detailType: string;
  /** The detail as EventBridge carries it: JSON text. */
  readonly detail: string;
  /** The entry's `Resources` (ARNs the event is about). */
  readonly resources: readonly string[];
  readonly at: string;
}

/** A data point the state machine sent to CloudWatch. */
export interface PublishedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly value: number;
}

export interface TaskBindingDeps {
  /** Handler per function ARN, as the ASL substitution resolved it. */
  readonly handlers: ReadonlyMap<string, LocalHandler>;
  /** Timeout per function ARN (ms), for the Lambda context's remaining time; 15 minutes when absent. */
  readonly timeoutsMs?: ReadonlyMap<string, number>;
  /**
   * Invocations of all functions that may be in flight at once (running or waiting for a sandbox),
   * as a Lambda account's concurrency limit (default LOCAL_ACCOUNT_CONCURRENCY, AWS's default of
   * 1,000). One more is throttled at once with `Lambda.TooManyRequestsException`, as the Lambda
   * service answers a synchronous invoke past the limit, and the state machine's Retry backs off.
   */
  readonly accountConcurrency?: number;
  /**
   * Invocations that run at once (default LOCAL_SANDBOXES); the others wait for a sandbox, their
   * clock starting when they get one, as a Lambda's starts when its sandbox does. In AWS every
   * invocation has a sandbox of its own; here all share one event loop (with the S3 and DynamoDB
   * servers), so without this a burst would queue each handler's I/O behind everyone else's until it
   * ran past its timeout and was recorded as an error it never had.
   */
  readonly sandboxes?: number;
  readonly dynamodb: DynamoDBClient;
  /** For the local stand-ins of a Distributed Map's S3 ItemReader (lib/local/distributed-map.ts). */
  readonly s3?: S3Client;
  /** Largest JSON array a GetObject ItemReader reads (default LOCAL_ITEM_READER_MAX_BYTES). */
  readonly itemReaderMaxBytes?: number;
  readonly onAlert: (alert: PublishedAlert) => void;
  readonly onEvent?: (event: PublishedEvent) => void;
  /** Metrics the state machine put (the error path counts untested outputs). */
  readonly onMetric?: (metric: PublishedMetric) => void;
  /** Called for every task invocation, for logs and fault figures. */
  readonly onTask?: (state: string, resource: string, outcome: 'ok' | 'error', error?: string) => void;
}

interface StateDefinition {
  readonly Type: string;
  readonly Resource?: string;
  readonly States?: Record<string, StateDefinition>;
  readonly Iterator?: { readonly States: Record<string, StateDefinition> };
  readonly ItemProcessor?: { readonly States: Record<string, StateDefinition> };
  readonly Branches?: readonly { readonly States: Record<string, StateDefinition> }[];
}

/** AWS's default concurrency limit of an account's Lambda functions in a region. */
export const LOCAL_ACCOUNT_CONCURRENCY = 1000;
/**
 * Handlers running at once on the embedded stack's event loop, across all functions. Ten keeps a
 * 2-core machine's loop responsive with another process keeping both cores busy, so the S3 and
 * DynamoDB servers on the same loop answer within their clients' timeouts and no handler runs past
 * its own.
 */
export const LOCAL_SANDBOXES = 10;

/**
 * Lambda's concurrency as the embedded stack plays it: past `limit` invocations in flight, an
 * invocation is refused (throttled) at once; within it, at most `sandboxes` run and the rest wait in
 * arrival order.
 */
class LocalConcurrency {
  private inFlight = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly limit: number,
    private readonly sandboxes: number,
  ) {}

  /** False when the account is at its limit (throttled); else resolves when a sandbox is free. */
  admit(): Promise<void> | false {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    if (this.running < this.sandboxes) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.inFlight--;
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The most bytes a GetObject ItemReader's JSON array may have locally: the stand-in holds the
 * whole object and its parsed items in memory, on the event loop the S3 server shares. 64 MiB is a
 * manifest of some 400,000 parts.
 */
export const LOCAL_ITEM_READER_MAX_BYTES = 64 * 1024 * 1024;

/**
 * An ItemReader object the map cannot iterate (too large, not a JSON array), under the name Step
 * Functions gives a reader's failure, so the map's Catch sees what it would see on AWS.
 */
export class ItemReaderFailedError extends Error {
  override readonly name = 'States.ItemReaderFailed';
}

function collectTaskStates(states: Record<string, StateDefinition>, out: Map<string, string>): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && state.Resource) out.set(name, state.Resource);
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) collectTaskStates(nested.States, out);
    for (const branch of state.Branches ?? []) collectTaskStates(branch.States, out);
  }
}

export function lambdaContext(functionArn: string, timeoutMs: number): unknown {
  const name = functionArn.split(':').pop() ?? functionArn;
  // The deployed function's timeout: Powertools Idempotency sizes its in-progress lock by it.
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

export function buildTaskBindings(
  definition: { readonly States: Record<string, StateDefinition> },
  deps: TaskBindingDeps,
): Record<string, (input: unknown) => Promise<unknown>> {
  const tasks = new Map<string, string>();
  collectTaskStates(definition.States, tasks);
  const bindings: Record<string, (input: unknown) => Promise<unknown>> = {};
  const accountConcurrency = deps.accountConcurrency ?? LOCAL_ACCOUNT_CONCURRENCY;
  const concurrency = new LocalConcurrency(accountConcurrency, deps.sandboxes ?? LOCAL_SANDBOXES);
  for (const [state, resource] of tasks) {
    const report = (outcome: 'ok' | 'error', error?: string): void =>
      deps.onTask?.(state, resource, outcome, error);
    if (resource === 'arn:aws:states:::lambda:invoke') {
      bindings[state] = async (input) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
        const handler = deps.handlers.get(FunctionName);
        if (!handler)
          throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${FunctionName}`);
        const admitted = concurrency.admit();
        if (admitted === false) {
          report('error', 'TooManyRequestsException');
          throw new TaskError(
            'Lambda.TooManyRequestsException',
            `Rate Exceeded: the account's concurrency of ${accountConcurrency} invocations is in use`,
          );
        }
        await admitted;
        try {
          const result = await handler(
            JSON.parse(JSON.stringify(Payload ?? null)),
            lambdaContext(FunctionName, deps.timeoutsMs?.get(FunctionName) ?? 15 * 60_000),
          );
          report('ok');
          return {
            ExecutedVersion: '$LATEST',
            StatusCode: 200,
            Payload: result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown),
          };
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          report('error', e.name);
          throw new TaskError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message }));
        } finally {
          concurrency.release();
        }
      };
    } else if (resource === 'arn:aws:states:::dynamodb:updateItem') {
      bindings[state] = async (input) => {
        try {
          const out = await deps.dynamodb.send(new UpdateItemCommand(input as UpdateItemCommandInput));
          report('ok');
          const { $metadata: _ignored, ...rest } = out;
          return rest;
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          report('error', e.name);
          throw new TaskError(integrationErrorName('DynamoDB', e), e.message);
        }
      };
    } else if (resource === 'arn:aws:states:::sns:publish') {
      bindings[state] = (input) => {
        const { TopicArn, Subject, Message, MessageAttributes } = input as {
          TopicArn: string;
          Subject?: string;
          Message: unknown;
          MessageAttributes?: Record<string, { DataType?: unknown; StringValue?: unknown }>;
        };
        // SNS refuses an attribute without a type or with an empty value (InvalidParameterValue):
        // so does the stand-in, so a definition that would lose its alerts on AWS fails here too.
        const attributes: Record<string, string> = {};
        for (const [name, a] of Object.entries(MessageAttributes ?? {})) {
          if (a.DataType !== 'String' || typeof a.StringValue !== 'string' || a.StringValue === '') {
            report('error', 'InvalidParameterValueException');
            return Promise.reject(
              new TaskError(
                'SNS.InvalidParameterValueException',
                `message attribute ${name} must be a String with a non-empty value`,
              ),
            );
          }
          attributes[name] = a.StringValue;
        }
        // The service integration serializes a JSON Message to a string, as SNS only carries strings.
        deps.onAlert({
          topicArn: TopicArn,
          subject: Subject,
          message: typeof Message === 'string' ? Message : JSON.stringify(Message),
          attributes,
          at: new Date().toISOString(),
        });
        report('ok');
        return Promise.resolve({ MessageId: randomUUID() });
      };
    } else if (resource === 'arn:aws:states:::events:putEvents') {
      bindings[state] = (input) => {
        const { Entries } = input as {
          Entries: { Source: string; DetailType: string; Detail: unknown; Resources?: string[] }[];
        };
        for (const entry of Entries) {
          deps.onEvent?.({
            source: entry.Source,
            detailType: entry.DetailType,
            // The service integration serializes an object Detail to JSON text, as PutEvents requires.
            detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
            resources: entry.Resources ?? [],
            at: new Date().toISOString(),
          });
        }
        report('ok');
        return Promise.resolve({
          Entries: Entries.map(() => ({ EventId: randomUUID() })),
          FailedEntryCount: 0,
        });
      };
    } else if (resource === DELETE_OBJECT_RESOURCE && deps.s3) {
      // The synthetic canary's cleanup: a DeleteObject on the local S3 server, errors named as the
      // SDK integration names them.
      const s3 = deps.s3;
      bindings[state] = async (input) => {
        const { Bucket, Key } = input as { Bucket: string; Key: string };
        try {
          await s3.send(new DeleteObjectCommand({ Bucket, Key }));
        } catch (error) {
          const e = error as Error;
          report('error', e.name);
          throw Object.assign(new Error(e.message), { name: integrationErrorName('S3', e) });
        }
        report('ok');
        return {};
      };
    } else if (resource === 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData') {
      bindings[state] = (input) => {
        const { Namespace, MetricData } = input as {
          Namespace: string;
          MetricData: { MetricName: string; Value: number }[];
        };
        for (const m of MetricData)
          deps.onMetric?.({ namespace: Namespace, name: m.MetricName, value: m.Value });
        report('ok');
        return Promise.resolve({});
      };
    } else if (resource === LIST_OBJECTS_RESOURCE && deps.s3) {
      const s3 = deps.s3;
      bindings[state] = async (input) => {
        const { Bucket, Prefix } = input as { Bucket: string; Prefix?: string };
        const items: ListedItem[] = [];
        try {
          let token: string | undefined;
          do {
            const page = await s3.send(
              new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken: token }),
            );
            for (const o of page.Contents ?? []) {
              items.push({
                Key: o.Key ?? '',
                Size: o.Size ?? 0,
                Etag: o.ETag ?? '',
                LastModified: Math.floor((o.LastModified?.getTime() ?? 0) / 1000),
                StorageClass: o.StorageClass ?? 'STANDARD',
              });
            }
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
          } while (token);
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          report('error', e.name);
          throw new TaskError(integrationErrorName('S3', e), e.message);
        }
        report('ok');
        return items;
      };
    } else if (resource === GET_OBJECT_RESOURCE && deps.s3) {
      const s3 = deps.s3;
      const maxBytes = deps.itemReaderMaxBytes ?? LOCAL_ITEM_READER_MAX_BYTES;
      bindings[state] = async (input) => {
        const { Bucket, Key } = input as { Bucket: string; Key: string };
        let text: string;
        try {
          const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
          const tooLarge = (size: number) =>
            new ItemReaderFailedError(
              `s3://${Bucket}/${Key} has ${size} bytes, more than the ${maxBytes} the embedded stack's ItemReader reads`,
            );
          // Refused before its body is read when the server tells its length, as the local one does.
          if ((out.ContentLength ?? 0) > maxBytes) {
            (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
            throw tooLarge(out.ContentLength ?? 0);
          }
          text = (await out.Body?.transformToString('utf8')) ?? '';
          if (Buffer.byteLength(text, 'utf8') > maxBytes) throw tooLarge(Buffer.byteLength(text, 'utf8'));
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          report('error', e.name);
          if (e instanceof ItemReaderFailedError) throw e;
          throw new TaskError(integrationErrorName('S3', e), e.message);
        }
        let items: unknown;
        try {
          items = JSON.parse(text);
        } catch {
          items = undefined;
        }
        if (!Array.isArray(items)) {
          report('error', 'States.ItemReaderFailed');
          throw new ItemReaderFailedError(`s3://${Bucket}/${Key} is not a JSON array`);
        }
        report('ok');
        return items as unknown[];
      };
    } else {
      throw new Error(`the embedded stack has no binding for Task resource ${resource} (state ${state})`);
    }
  }
  return bindings;
}
