/**
 * The EventBridge rule that starts a test run for every object created under a watched prefix of
 * the outputs bucket. The pattern comes from buildArrivalPattern, which the embedded stack's
 * matcher also uses, so local runs filter exactly as the deployed rule does.
 *
 * Delivery to Step Functions is retried by EventBridge (4 attempts, events older than 2 hours are
 * dropped); what still fails lands in a dead-letter queue instead of vanishing, so a missed output
 * can be found and replayed. Its 14-day retention is the SQS maximum.
 *
 * @example
 * new ArrivalTrigger(this, 'Trigger', { bucketName, watchedPrefixes: ['pipelines/'], stateMachine });
 */
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeOnResource } from './nag-acknowledgments';
import { removalPolicyOf } from './removal-policy';
import { buildArrivalPattern } from './config/arrival-pattern';
import type { DataKey } from './data-key';
import type { RemovalMode } from './config/environment-config';

export interface ArrivalTriggerProps {
  readonly bucketName: string;
  readonly watchedPrefixes: readonly string[];
  /** Prefixes of partitioned outputs, where only `_SUCCESS` markers start executions. */
  readonly partitionedPrefixes?: readonly string[];
  readonly stateMachine: IStateMachine;
  readonly removalMode: RemovalMode;
  /** The environment's customer-managed key, where the environment sets `kms`. */
  readonly dataKey?: DataKey | undefined;
}

export class ArrivalTrigger extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ArrivalTriggerProps) {
    super(scope, id);
    const pattern = buildArrivalPattern({
      bucketName: props.bucketName,
      watchedPrefixes: props.watchedPrefixes,
      partitionedPrefixes: props.partitionedPrefixes ?? [],
    });

    // SQS-managed SSE unless the environment has its own key: EventBridge can send to an
    // SQS-managed queue without a key policy; with the environment's key, the key policy lets
    // this stack's rules use it (DataKey.grantEventBridgeSend).
    props.dataKey?.grantEventBridgeSend();
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      ...(props.dataKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.dataKey.key }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: removalPolicyOf(props.removalMode),
    });
    acknowledgeOnResource(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue of the EventBridge target; nothing consumes it automatically, so a redrive target would only move the events again. Its depth raises an alarm (Monitoring).',
      },
    ]);
    this.rule = new Rule(this, 'Rule', {
      description: `Starts the output-testing state machine for objects under ${props.watchedPrefixes.join(', ')}${props.partitionedPrefixes?.length ? ` and _SUCCESS markers under ${props.partitionedPrefixes.join(', ')}` : ''}`,
      eventPattern: {
        source: [...pattern.source],
        detailType: [...pattern['detail-type']],
        detail: pattern.detail,
      },
      targets: [
        new SfnStateMachine(props.stateMachine, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
