/**
 * Converts the configured number of days to CDK's `RetentionDays`. The environment config already
 * restricts the number to the periods CloudWatch Logs accepts; this check keeps a bad value from
 * reaching CloudFormation (which would only reject it at deploy time) if the two lists ever drift.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

const ACCEPTED = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'),
);

export function retentionDaysOf(days: number): RetentionDays {
  if (!ACCEPTED.has(days)) {
    throw new RangeError(`${days} is not a CloudWatch Logs retention period (${[...ACCEPTED].join(', ')})`);
  }
  return days;
}
