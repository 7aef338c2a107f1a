/**
 * The topic the state machine publishes to when an output fails its tests or cannot be tested, and
 * the CloudWatch alarms of Monitoring publish to when the system itself misbehaves, with an e-mail
 * subscription for the environment's on-call address (confirmed once by the recipient).
 *
 * Encrypted with a customer-managed KMS key (rotated yearly), not the AWS-managed `alias/aws/sns`:
 * the managed key's policy cannot be changed, so CloudWatch alarms (and EventBridge) could never
 * publish to the topic. Publishers get the key through `topic.grantPublish`, which grants
 * `kms:GenerateDataKey*`/`kms:Decrypt` on this key next to `sns:Publish`. The key follows the
 * environment's removal mode: a destroyed environment schedules it for deletion. Where the
 * environment has its own data key (`kms`), the topic uses that key instead of one of its own.
 *
 * @example
 * const alerts = new FailureAlerts(this, 'Alerts', { alertEmail: 'oncall@example.com', removalMode: 'retain' });
 * alerts.topic.grantPublish(stateMachine);
 */
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { removalPolicyOf } from './removal-policy';
import type { RemovalMode } from './config/environment-config';

export interface FailureAlertsProps {
  readonly alertEmail: string;
  readonly removalMode: RemovalMode;
  /** The environment's customer-managed key, where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
}

export class FailureAlerts extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    this.key =
      props.encryptionKey ??
      new Key(this, 'Key', {
        description: 'Encrypts the Pipeline Runtime Testing failure-alert topic',
        enableKeyRotation: true,
        removalPolicy: removalPolicyOf(props.removalMode),
      });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Pipeline output test failures',
      enforceSSL: true,
      masterKey: this.key,
    });
    this.topic.addSubscription(new EmailSubscription(props.alertEmail));
  }
}
