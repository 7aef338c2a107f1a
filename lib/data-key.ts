/**
 * The customer-managed KMS key of one environment (cdk.json `kms: true`): it encrypts the outputs
 * and artifacts buckets, the registry table, the arrival dead-letter queue, the alert topic and every
 * log group of the stack. Rotated yearly by KMS; removed (scheduled for deletion) only where the
 * environment's data is disposable.
 *
 * The key policy holds CDK's default statement (the account may grant use of the key through IAM,
 * which is how the functions and the state machine get `kms:Decrypt`/`kms:GenerateDataKey`) and the
 * service principals that encrypt without an IAM role of ours:
 * - CloudWatch Logs of this region, for the log groups, limited by the encryption context to log
 *   groups of this account and region (CloudWatch Logs calls KMS as itself, not as a caller);
 * - EventBridge, for the dead-letter queue the arrival rule sends undeliverable events to, limited
 *   to this stack's rules (`grantEventBridgeSend`);
 * - CloudWatch alarms publishing to the alert topic, added by `topic.grantPublish` (Monitoring).
 *
 * The S3 access-logs bucket stays SSE-S3: S3 delivers server access logs only to SSE-S3 buckets.
 *
 * @example
 * const dataKey = new DataKey(this, 'DataKey', { envName: 'prod', removalMode: 'retain' });
 * new Queue(this, 'Q', { encryption: QueueEncryption.KMS, encryptionMasterKey: dataKey.key });
 */
import { Aws, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { removalPolicyOf } from './removal-policy';
import type { RemovalMode } from './config/environment-config';

export interface DataKeyProps {
  readonly envName: string;
  readonly removalMode: RemovalMode;
}

/**
 * What CloudWatch Logs needs to encrypt and read back a log group's events (CloudWatch Logs user
 * guide, "Encrypt log data using AWS KMS"), spelled out action by action instead of the guide's
 * `kms:Encrypt*`-style wildcards.
 */
export const LOGS_KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
] as const;

/** What EventBridge needs to send to a KMS-encrypted SQS queue (EventBridge user guide, "Encrypting DLQs"). */
export const EVENTBRIDGE_SEND_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

export class DataKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Encrypts the data, registry, queue, topic and logs of Pipeline Runtime Testing (${props.envName})`,
      alias: `alias/prt-${props.envName}-data`,
      enableKeyRotation: true,
      removalPolicy: removalPolicyOf(props.removalMode),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccountAndRegion',
        principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: [...LOGS_KEY_ACTIONS],
        // In a key policy "*" is this key; the condition keeps it to this account's log groups here.
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
  }

  /**
   * Lets this stack's EventBridge rules put messages into a queue encrypted with this key. The
   * condition names the rules by the stack's name prefix (CloudFormation names an unnamed rule
   * `<stack>-<logical id>-<suffix>`), not by ARN: the rule refers to the queue, the queue to this
   * key, so the key policy referring to the rule would be a circular dependency.
   */
  grantEventBridgeSend(): void {
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: [...EVENTBRIDGE_SEND_KEY_ACTIONS],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${stack.stackName}-*`,
          },
        },
      }),
    );
  }
}
