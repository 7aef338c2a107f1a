/**
 * The topic the state machine publishes to when an output fails its tests or cannot be tested, with
 * an e-mail subscription for the environment's on-call address (confirmed once by the recipient).
 *
 * Encrypted with the AWS-managed key `alias/aws/sns`: its key policy already lets account principals
 * use it through SNS, so publishers (the state machine role) need no KMS grant. The limit that
 * comes with it: EventBridge and CloudWatch alarms cannot publish to such a topic; a future alarm
 * topic needs a customer-managed key.
 *
 * @example
 * const alerts = new FailureAlerts(this, 'Alerts', { alertEmail: 'oncall@example.com' });
 * alerts.topic.grantPublish(stateMachine);
 */
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface FailureAlertsProps {
  readonly alertEmail: string;
}

export class FailureAlerts extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: FailureAlertsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Pipeline output test failures',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns'),
    });
    this.topic.addSubscription(new EmailSubscription(props.alertEmail));
  }
}
