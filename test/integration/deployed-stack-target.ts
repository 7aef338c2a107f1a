/**
 * What the integration harness needs from a deployed stack (LocalStack or an AWS account), through
 * the real service APIs only: resource names from the CDK outputs file, executions from Step
 * Functions (ListExecutions, DescribeExecution, GetExecutionHistory for the path of states), and
 * the alerts the state machine publishes, read back from an SQS queue subscribed to the topic.
 *
 * Endpoints, region and credentials come from the standard AWS variables (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_REGION, AWS_PROFILE, ...), read by the SDK itself.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { EventBridgeS3Event } from '../../lib/local/s3-event-to-eventbridge';
import { STACK_OUTPUTS } from '../../lib/config/stack-outputs';

/** Names of the deployed resources the suite reads and writes. */
export interface TargetResources {
  readonly outputsBucket: string;
  readonly artifactsBucket: string;
  readonly registryTable: string;
  readonly stateMachineArn: string;
  readonly alertTopicArn: string;
}

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** One execution as the tests look at it, whichever target ran it. */
export interface ExecutionView {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** States entered, in order. */
  readonly path: readonly string[];
  readonly input: EventBridgeS3Event;
  readonly startDate: Date;
}

/** An alert the state machine published, with its message parsed. */
export interface AlertView {
  readonly subject: string | undefined;
  readonly message: Record<string, unknown>;
}

export class TargetConfigurationError extends Error {
  override readonly name = 'TargetConfigurationError';
}

/**
 * Resource names from a `cdk deploy --outputs-file` file: `{ "<stack>": { "<output>": "<value>" } }`.
 * The stack is PRT_STACK_NAME, or the only stack in the file.
 */
export function readStackOutputs(file: string, stackName: string | undefined): TargetResources {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TargetConfigurationError(
      `PRT_STACK_OUTPUTS=${file}: cannot read it as JSON (${(error as Error).message})`,
    );
  }
  const stacks = parsed as Record<string, Record<string, unknown> | undefined>;
  const names = Object.keys(stacks);
  const name = stackName ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) {
    throw new TargetConfigurationError(
      `PRT_STACK_OUTPUTS=${file} holds ${names.length} stacks (${names.join(', ')}); name one with PRT_STACK_NAME`,
    );
  }
  const outputs = stacks[name];
  if (outputs === undefined) {
    throw new TargetConfigurationError(
      `PRT_STACK_OUTPUTS=${file} has no stack "${name}" (it has: ${names.join(', ')})`,
    );
  }
  const read = (key: keyof TargetResources & keyof typeof STACK_OUTPUTS): string => {
    const value = outputs[STACK_OUTPUTS[key]];
    if (typeof value !== 'string' || value.length === 0) {
      throw new TargetConfigurationError(
        `PRT_STACK_OUTPUTS=${file}: stack "${name}" has no output ${STACK_OUTPUTS[key]}`,
      );
    }
    return value;
  };
  return {
    outputsBucket: read('outputsBucket'),
    artifactsBucket: read('artifactsBucket'),
    registryTable: read('registryTable'),
    stateMachineArn: read('stateMachineArn'),
    alertTopicArn: read('alertTopicArn'),
  };
}

/**
 * Executions of the deployed state machine started since `since`, by the object key in their input.
 * An execution's input never changes, so it is described once; its status and path are read again
 * until it stops.
 */
export class DeployedExecutions {
  private readonly inputs = new Map<string, EventBridgeS3Event>();
  private readonly stopped = new Map<string, ExecutionView>();

  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
    /** Executions started before this are not the suite's; a minute of slack absorbs clock skew. */
    private readonly since: Date,
  ) {}

  async forKey(key: string): Promise<ExecutionView[]> {
    const views: ExecutionView[] = [];
    for (const item of await this.listRecent()) {
      const arn = item.executionArn!;
      const done = this.stopped.get(arn);
      if (done) {
        if (done.input.detail.object.key === key) views.push(done);
        continue;
      }
      const input = this.inputs.get(arn) ?? (await this.describeInput(arn));
      if (input.detail.object.key !== key) continue;
      views.push(await this.view(arn, input));
    }
    return views.sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
  }

  /** What EventBridge's target does with an event: StartExecution with the event as input. */
  async start(input: EventBridgeS3Event): Promise<void> {
    await this.sfn.send(
      new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, input: JSON.stringify(input) }),
    );
  }

  private async listRecent(): Promise<ExecutionListItem[]> {
    const cutoff = this.since.getTime() - 60_000;
    const items: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    // Newest first: stop paging at the first execution older than the cutoff.
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, maxResults: 100, nextToken }),
      );
      for (const item of page.executions ?? []) {
        if ((item.startDate?.getTime() ?? 0) < cutoff) return items;
        items.push(item);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return items;
  }

  private async describeInput(arn: string): Promise<EventBridgeS3Event> {
    const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    const input = JSON.parse(described.input ?? '{}') as EventBridgeS3Event;
    this.inputs.set(arn, input);
    return input;
  }

  private async view(arn: string, input: EventBridgeS3Event): Promise<ExecutionView> {
    const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    const status: ExecutionStatus = described.status ?? 'RUNNING';
    const view: ExecutionView = {
      executionArn: arn,
      status,
      error: described.error,
      cause: described.cause,
      path: await this.pathOf(arn),
      input,
      startDate: described.startDate ?? new Date(0),
    };
    if (status !== 'RUNNING') this.stopped.set(arn, view);
    return view;
  }

  private async pathOf(arn: string): Promise<string[]> {
    const path: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: arn,
          maxResults: 1000,
          nextToken,
          includeExecutionData: false,
        }),
      );
      for (const event of page.events ?? []) {
        const entered = event.stateEnteredEventDetails?.name;
        if (entered !== undefined && event.type?.endsWith('StateEntered')) path.push(entered);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return path;
  }
}

/**
 * A temporary SQS queue subscribed to the alert topic, so published alerts can be read back. Its
 * policy lets only this topic send to it; `close` unsubscribes and deletes it.
 */
export class AlertQueue {
  private readonly received: AlertView[] = [];

  private constructor(
    private readonly sqs: SQSClient,
    private readonly sns: SNSClient,
    private readonly queueUrl: string,
    private readonly subscriptionArn: string | undefined,
    private readonly owned: boolean,
  ) {}

  /** Uses `existingQueueUrl` (already subscribed) or creates and subscribes a queue of its own. */
  static async open(topicArn: string, existingQueueUrl: string | undefined): Promise<AlertQueue> {
    const sqs = new SQSClient({});
    const sns = new SNSClient({});
    if (existingQueueUrl) return new AlertQueue(sqs, sns, existingQueueUrl, undefined, false);
    const name = `prt-test-alerts-${randomUUID().slice(0, 8)}`;
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const queueUrl = created.QueueUrl!;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = attributes.Attributes!['QueueArn']!;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueArn,
                Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
              },
            ],
          }),
        },
      }),
    );
    const subscription = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        ReturnSubscriptionArn: true,
      }),
    );
    return new AlertQueue(sqs, sns, queueUrl, subscription.SubscriptionArn, true);
  }

  /** Alerts received so far whose message names `uri`, after receiving what is waiting. */
  async about(uri: string): Promise<AlertView[]> {
    for (;;) {
      const batch = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = batch.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        // SNS wraps the published message: { Type, Subject, Message, ... }.
        const envelope = JSON.parse(m.Body ?? '{}') as { Subject?: string; Message?: string };
        this.received.push({
          subject: envelope.Subject,
          message: JSON.parse(envelope.Message ?? '{}') as Record<string, unknown>,
        });
      }
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return this.received.filter((alert) => alert.message['uri'] === uri);
  }

  async close(): Promise<void> {
    if (this.owned) {
      if (this.subscriptionArn)
        await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: this.subscriptionArn }));
      await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
    }
    this.sqs.destroy();
    this.sns.destroy();
  }
}
