/**
 * The prepare-inputs workflow: the download function and the state machine that runs it
 * (statemachines/prepare-inputs.asl.json, the same file the embedded stack runs). Given a step and
 * a run, it stages every declared input of the step under the environment's staging prefix,
 * sampled, masked and converted as asked, with a manifest and lineage to each source version.
 *
 * Least privilege, by construction:
 * - the function reads output objects only under the tested prefixes (watched and partitioned),
 *   lists only the partitioned folders, reads contracts/, reads and writes registry items (lineage
 *   edges live in the registry table), and puts (and reads back, for a conversion's proof) only
 *   under the staging prefix: no deletes, nothing elsewhere;
 * - it reads one secret, the masking key, through the Parameters and Secrets extension (a layer:
 *   no SDK client in the bundle, and the extension caches the key);
 * - the state machine may only invoke the function.
 * - where the environment declares staging targets (`staging.targets`), the function runs as
 *   `prt-<env>-download` (the name the targets' trust policies hold) and may `sts:AssumeRole` the
 *   configured role ARNs and no other; what it may write there is the other environment's grant
 *   (lib/staging-acceptance.ts), under that environment's staging prefix only.
 *
 * The masking key: the secret or SecureString parameter the environment names
 * (`staging.maskingKeySecret`), else a secret this construct creates with 64 random characters.
 * It is not rotated: a new key gives new pseudonyms, so copies staged before and after a rotation
 * would no longer join; rotate it deliberately, by replacing the secret's value.
 *
 * @example
 * new PrepareInputsWorkflow(this, 'PrepareInputs', { config, outputs, artifacts, registry, entry, depsLockFilePath, definitionFile });
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { ParamsAndSecretsLayerVersion, ParamsAndSecretsVersions } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DOWNLOAD_ENV, FUNCTION_ENV, STAGING_DEFAULTS } from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import type { EnvironmentConfig } from './config/environment-config';
import { DOWNLOAD_FUNCTION_SUBSTITUTION, DOWNLOAD_TIMEOUT_SECONDS } from './config/prepare-inputs-definition';
import {
  acknowledgeGrants,
  acknowledgeOnResource,
  grantFindings,
  nagArn,
  wildcardFinding,
} from './nag-acknowledgments';
import { functionRoleWithLogs, loggedStateMachine } from './workflow-logging';
import type { OutputsBucket } from './outputs-bucket';
import type { RegistryTable } from './registry-table';
import { removalPolicyOf } from './removal-policy';
import { FUNCTION_BUILD } from './function-bundling';
import { stagingSourceRoleName } from './config/staging-roles';
import { stagingTargetsEnvValue } from '../lambdas/runtime/staging-targets-env';

export interface PrepareInputsWorkflowProps {
  readonly config: EnvironmentConfig;
  readonly outputs: OutputsBucket;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  /** The environment's customer-managed key (log groups), where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
  /** Absolute path of lambdas/download/handler.ts. */
  readonly entry: string;
  /** Absolute path of the lock file; its folder is the project root esbuild resolves modules from. */
  readonly depsLockFilePath: string;
  /** Absolute path of statemachines/prepare-inputs.asl.json. */
  readonly definitionFile: string;
}

/** 4 GiB of /tmp: an object of up to STAGING_DEFAULTS.maxObjectBytes is held there while staged. */
const EPHEMERAL_STORAGE_MIB = 4096;

export class PrepareInputsWorkflow extends Construct {
  readonly function: NodejsFunction;
  readonly stateMachine: StateMachine;
  /** The secret this construct created for the masking key; undefined when the config names one. */
  readonly maskingKey: Secret | undefined;
  readonly stagingPrefix: string;

  constructor(scope: Construct, id: string, props: PrepareInputsWorkflowProps) {
    super(scope, id);
    const { config, outputs, artifacts, registry } = props;
    const staging = config.staging;
    this.stagingPrefix = staging.prefix;
    const logging = { config, encryptionKey: props.encryptionKey };

    const named = staging.maskingKeySecret;
    this.maskingKey =
      named === undefined
        ? new Secret(this, 'MaskingKey', {
            description: `prt ${config.name}: key of the masking pseudonyms of staged inputs (changing it breaks joins with earlier stagings)`,
            generateSecretString: { passwordLength: 64, excludePunctuation: true },
            removalPolicy: removalPolicyOf(config.removalPolicy),
          })
        : undefined;
    const secretId = named ?? this.maskingKey!.secretArn;

    const targets = staging.targets;
    const { role, logGroup: functionLogs } = functionRoleWithLogs(this, {
      ...logging,
      description: `prt ${config.name} download function (prepare-inputs)`,
      // Named only where other environments trust it by ARN: a generated name is safer elsewhere.
      ...(targets.length > 0
        ? {
            roleName: stagingSourceRoleName(config.name),
            statements: [
              new PolicyStatement({
                actions: ['sts:AssumeRole'],
                resources: [...new Set(targets.map((t) => t.roleArn))],
              }),
            ],
          }
        : {}),
    });
    this.function = new NodejsFunction(this, 'Download', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: FUNCTION_BUILD.runtime,
      architecture: FUNCTION_BUILD.architecture,
      memorySize: staging.memorySize,
      ephemeralStorageSize: Size.mebibytes(EPHEMERAL_STORAGE_MIB),
      timeout: Duration.seconds(DOWNLOAD_TIMEOUT_SECONDS),
      role,
      logGroup: functionLogs,
      paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
        cacheSize: 10,
        secretsManagerTtl: Duration.minutes(5),
        parameterStoreTtl: Duration.minutes(5),
      }),
      environment: {
        [FUNCTION_ENV.registryTable]: registry.table.tableName,
        [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
        [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
        [DOWNLOAD_ENV.stagingBucket]: outputs.bucket.bucketName,
        [DOWNLOAD_ENV.stagingPrefix]: staging.prefix,
        [DOWNLOAD_ENV.maskingKeySecret]: secretId,
        [DOWNLOAD_ENV.maxObjectBytes]: String(STAGING_DEFAULTS.maxObjectBytes),
        ...(targets.length > 0 ? { [DOWNLOAD_ENV.targets]: stagingTargetsEnvValue(targets) } : {}),
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUILD.bundling,
    });

    // Sources: output objects under the tested prefixes, and the partitioned folders' listings.
    const sources = [...config.watchedPrefixes, ...config.partitions.prefixes];
    outputs.grantReadUnder(this.function, sources);
    outputs.grantListUnder(this.function, config.partitions.prefixes);
    // Destination: put under the staging prefix, and read back there (a conversion proves its copy).
    outputs.grantPutUnder(this.function, staging.prefix);
    outputs.grantReadUnder(this.function, [staging.prefix]);
    artifacts.grantReadContracts(this.function);
    registry.grantReadWrite(this.function);
    if (this.maskingKey) this.maskingKey.grantRead(this.function);
    else this.grantNamedKey(named!);

    this.stateMachine = loggedStateMachine(this, {
      ...logging,
      definitionFile: props.definitionFile,
      definitionSubstitutions: { [DOWNLOAD_FUNCTION_SUBSTITUTION]: this.function.functionArn },
      whyErrorOnly:
        'Logs ERROR events without execution data: payloads name outputs and staged copies, which the manifests and lineage already keep; the execution history keeps every transition',
    });
    this.function.grantInvoke(this.stateMachine);

    acknowledgeGrants(role, [
      ...sources.map((p) => grantFindings.objectsUnder(outputs.bucket, p, 'reads')).flat(),
      ...grantFindings.objectsUnder(outputs.bucket, staging.prefix, 'writes'),
      ...grantFindings.objectsUnder(outputs.bucket, staging.prefix, 'reads'),
      ...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.contracts, 'reads'),
    ]);
    if (this.maskingKey)
      acknowledgeOnResource(this.maskingKey, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'The masking key is not rotated on a schedule: pseudonyms are keyed by it, so a rotation would break joins between copies staged before and after it; it is replaced deliberately',
        },
      ]);
    acknowledgeGrants(this.stateMachine.role, [
      ...grantFindings.xray(),
      wildcardFinding(
        `Resource::${nagArn(this.function)}:*`,
        "grantInvoke covers the function's versions and aliases (<arn>:*) besides the unqualified ARN the definition invokes",
      ),
    ]);
  }

  /** Read of the secret or SecureString parameter the environment names, and nothing else. */
  private grantNamedKey(name: string): void {
    const stack = Stack.of(this);
    if (name.startsWith('ssm:')) {
      const parameter = name.slice(4).replace(/^\//, '');
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameter })],
        }),
      );
      return;
    }
    const secret = name.startsWith('arn:')
      ? Secret.fromSecretCompleteArn(this, 'NamedMaskingKey', name)
      : Secret.fromSecretNameV2(this, 'NamedMaskingKey', name);
    secret.grantRead(this.function);
  }
}
