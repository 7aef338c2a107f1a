/**
 * Maps the environment's removal mode to what CDK applies to stateful resources. Kept in one place
 * so buckets, the table, log groups and the dead-letter queue cannot disagree about what a
 * `cdk destroy` of an environment leaves behind.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { RemovalMode } from './config/environment-config';

export function removalPolicyOf(mode: RemovalMode): RemovalPolicy {
  return mode === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
