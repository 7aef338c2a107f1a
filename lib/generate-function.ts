/**
 * The generate Lambda: synthetic data from the deployed contracts, written under one prefix of
 * the outputs bucket and registered with data type `synthetic`. It runs the same core as
 * `prt generate` (lambdas/core/generation) and is invoked directly (console, CLI, a test harness),
 * not by the output-testing state machine.
 *
 * Its role holds exactly what the handler touches: list and read contracts/ in the artifacts
 * bucket, put (and abort multipart uploads) under the synthetic prefix of the outputs bucket, read
 * and write (put, update) registry items, write its own log group; and, where the environment has
 * its own key, use that key for exactly those. The default prefix `synthetic/` is outside the
 * watched prefixes, so generated data does not start test runs of itself; point it under a
 * watched prefix only together with the registry's handling of pre-registered synthetic objects.
 *
 * Timeout 15 minutes (the Lambda maximum): at roughly a million rows a second to CSV and a tenth of
 * that to Parquet, PRT_GENERATE_MAX_ROWS (default 50 million) keeps an invocation well inside it.
 *
 * @example
 * new GenerateFunction(this, 'Generate', { config, outputs, artifacts, registry, entry, depsLockFilePath });
 */
import { Duration } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_SYNTHETIC_PREFIX,
  FUNCTION_ENV,
  GENERATE_ENV,
} from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import type { RegistryTable } from './registry-table';
import type { OutputsBucket } from './outputs-bucket';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';
import type { EnvironmentConfig } from './config/environment-config';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import { FUNCTION_BUILD } from './function-bundling';

export interface GenerateFunctionProps {
  readonly config: EnvironmentConfig;
  readonly outputs: OutputsBucket;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  /** The environment's customer-managed key (log group), where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
  /** Absolute path of lambdas/generate/handler.ts. */
  readonly entry: string;
  /** Absolute path of the lock file; its folder is the project root esbuild resolves modules from. */
  readonly depsLockFilePath: string;
  /** Key prefix of the outputs bucket the function writes under (default `synthetic/`). */
  readonly syntheticPrefix?: string;
  readonly memorySize?: number;
  readonly maxRows?: number;
}

export class GenerateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly syntheticPrefix: string;

  constructor(scope: Construct, id: string, props: GenerateFunctionProps) {
    super(scope, id);
    const { config, outputs, artifacts, registry } = props;
    const prefix = props.syntheticPrefix ?? DEFAULT_SYNTHETIC_PREFIX;
    if (!/^[^/*][^*]*\/$/.test(prefix))
      throw new Error(`syntheticPrefix '${prefix}' must be a key prefix ending in / (no *)`);
    this.syntheticPrefix = prefix;
    this.logGroup = new LogGroup(this, 'logs', {
      retention: retentionDaysOf(config.logRetentionDays),
      removalPolicy: removalPolicyOf(config.removalPolicy),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    const role = new Role(this, 'role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `prt ${config.name} generate function`,
    });
    this.logGroup.grantWrite(role);
    this.function = new NodejsFunction(this, 'generate', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: FUNCTION_BUILD.runtime,
      architecture: FUNCTION_BUILD.architecture,
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(15),
      role,
      logGroup: this.logGroup,
      environment: {
        [FUNCTION_ENV.registryTable]: registry.table.tableName,
        [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
        [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
        [GENERATE_ENV.outputsBucket]: outputs.bucket.bucketName,
        [GENERATE_ENV.syntheticPrefix]: prefix,
        [GENERATE_ENV.maxRows]: String(props.maxRows ?? DEFAULT_MAX_ROWS),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUILD.bundling,
    });
    artifacts.grantReadContracts(this.function);
    // Put only, under the prefix: no reads of pipeline outputs, no deletes, nothing elsewhere.
    outputs.grantPutUnder(this.function, prefix);
    registry.grantReadWrite(this.function);
  }
}
