/**
 * The Lambda functions the output-testing state machine invokes, one per WORKFLOW_FUNCTIONS entry,
 * each with its own role holding only what its handler touches (FUNCTION_ACCESS below).
 *
 * - Runtime Node.js 24 (current LTS; Node 20 is end of life, 22 in maintenance).
 * - Bundled locally with esbuild (there is no Docker daemon on our machines or in CI), to CommonJS:
 *   the default, and the format that needs no `createRequire` banner for dependencies that still
 *   call `require`. The target is `node22`, a syntax level Node 24 runs unchanged, kept one major
 *   lower so the bundles could also be loaded by the embedded stack on the team's Node 22 tooling.
 *   CommonJS output means a handler cannot use top-level `await` or `import.meta`.
 * - The AWS SDK is bundled rather than taken from the runtime, so the deployed code runs the SDK
 *   version the unit and integration tests ran against, not whatever the runtime ships that week.
 * - Each function writes to its own log group (retention and removal per environment) through a
 *   role without AWSLambdaBasicExecutionRole, which allows creating and writing any log group
 *   (`Resource: "*"`), not just this one.
 * - Active X-Ray tracing, so a trace follows an execution from the state machine into each handler
 *   (Powertools Tracer adds the SDK calls). Its two actions have no resource-level permissions:
 *   CDK grants them on `Resource: "*"`, the only wildcard resource a function role holds.
 * - Powertools reads its service name and log level from POWERTOOLS_SERVICE_NAME and
 *   POWERTOOLS_LOG_LEVEL; the service name is also the `service` dimension of the function's
 *   metrics, which the dashboard reads (lib/config/workflow-metrics.ts).
 * - Reserved concurrency only where the environment sets one: it guarantees and caps the function's
 *   share of the account's concurrency, taking it away from everything else in the account.
 *
 * @example
 * const functions = new WorkflowFunctions(this, 'Functions', { config, outputs, artifacts, registry, entries });
 * functions.byName.validate.functionArn;
 */
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readerLimitsEnvValue } from '../lambdas/runtime/reader-limits-env';
import type { ArtifactsBucket } from './artifacts-bucket';
import { acknowledgeGrants, grantFindings } from './nag-acknowledgments';
import type { RegistryTable } from './registry-table';
import type { OutputsBucket } from './outputs-bucket';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';
import { arrivalPrefixes, type EnvironmentConfig } from './config/environment-config';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import { FUNCTION_ENV } from '../lambdas/runtime/function-environment';
import { publishingEnvironment } from './config/publishing-environment';
import { serviceNameOf } from './config/workflow-metrics';
import {
  FUNCTION_TIMEOUT_SECONDS,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from './config/workflow-definition';
import { FUNCTION_BUILD } from './function-bundling';

/** What one handler reads and writes; the grants are derived from it and nothing else. */
interface FunctionAccess {
  readonly timeout: Duration;
  /** `readUpdate`: reads, and UpdateItem on existing entries (no PutItem: it registers nothing). */
  readonly registry: 'none' | 'read' | 'readUpdate' | 'readWrite';
  /** Deletes Register's own idempotency records (Powertools, after a failed invocation). */
  readonly deletesIdempotencyRecords?: boolean;
  /** Loads contracts through the contract catalog (lists and reads contracts/). */
  readonly readsContracts: boolean;
  /** Artifact prefixes the function reads besides contracts/. */
  readonly reads?: readonly ('reports' | 'manifests')[];
  readonly readsOutputs: boolean;
  /** Lists the folders of partitioned outputs (the environment's partitions.prefixes). */
  readonly listsPartitionedOutputs?: boolean;
  /**
   * Write-audit-publish: reads the tested prefixes (the staged versions) and the published prefix,
   * and writes only the published prefix (lib/outputs-bucket.ts grantPublishUnder).
   */
  readonly publishes?: boolean;
  /** Artifact prefixes the function writes. */
  readonly writes: readonly (
    'reports' | 'quarantine' | 'converted' | 'conversionParts' | 'manifests' | 'results'
  )[];
}

/**
 * The functions that read records through the format readers (inspect reads only an object's
 * first bytes): they get the environment's `readerLimits` as PRT_READER_LIMITS.
 */
const READS_RECORDS: ReadonlySet<WorkflowFunction> = new Set(['validate', 'convert']);

/** Timeouts come from FUNCTION_TIMEOUT_SECONDS (lib/config/workflow-definition.ts), with their reasons. */
const timeout = (fn: WorkflowFunction): Duration => Duration.seconds(FUNCTION_TIMEOUT_SECONDS[fn]);

const FUNCTION_ACCESS: Readonly<Record<WorkflowFunction, FunctionAccess>> = {
  register: {
    timeout: timeout('register'),
    registry: 'readWrite',
    deletesIdempotencyRecords: true,
    readsContracts: true,
    readsOutputs: false,
    writes: [],
  },
  // inspect only heads and reads the first bytes of the object: no contract, no registry.
  inspect: {
    timeout: timeout('inspect'),
    registry: 'none',
    readsContracts: false,
    readsOutputs: true,
    writes: [],
  },
  // validate reads the registry and earlier reports: referential rules and comparisons with the
  // previous version of the same output. Planning and merging a partitioned output list its part
  // files; the plan writes the map's manifest and the merge reads it back. A partitioned output
  // with convert_to is converted part by part in the map's children (converted/).
  validate: {
    timeout: timeout('validate'),
    // It also records on a tested version's entry how each consumer graded it (UpdateItem).
    registry: 'readUpdate',
    readsContracts: true,
    reads: ['reports', 'manifests'],
    readsOutputs: true,
    listsPartitionedOutputs: true,
    // results: the results dataset's rows, written where the report is stored; converted: a
    // partitioned output's parts, converted in the map's children (convert_to).
    writes: ['reports', 'quarantine', 'manifests', 'results', 'converted'],
  },
  // convert also converts a large object range by range (decision 0012): its plan reads the
  // validation's manifest and envelopes (under reports/) and writes the conversion's manifest;
  // each range writes its part under conversion-parts/, and the assembly joins the parts into the
  // object under converted/.
  convert: {
    timeout: timeout('convert'),
    registry: 'none',
    readsContracts: true,
    reads: ['reports', 'manifests'],
    readsOutputs: true,
    writes: ['converted', 'conversionParts', 'manifests'],
  },
  lineage: {
    timeout: timeout('lineage'),
    registry: 'readWrite',
    readsContracts: true,
    readsOutputs: false,
    writes: [],
  },
  // publish records the publication on the version (UpdateItem) and its lineage edge (PutItem);
  // it reads a partitioned output's plan manifest for the parts that were validated.
  publish: {
    timeout: timeout('publish'),
    registry: 'readWrite',
    readsContracts: true,
    reads: ['manifests'],
    readsOutputs: false,
    publishes: true,
    writes: [],
  },
};

/** Where staged versions of gated outputs can be: every prefix whose arrivals are tested. */
function publishedFrom(config: EnvironmentConfig): readonly string[] {
  return [...new Set([...arrivalPrefixes(config), ...config.partitions.prefixes])];
}

export interface WorkflowFunctionsProps {
  readonly config: EnvironmentConfig;
  readonly outputs: OutputsBucket;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  /** The environment's customer-managed key (log groups), where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
  /** Absolute path of each function's handler file. */
  readonly entries: Readonly<Record<WorkflowFunction, string>>;
  /** Absolute path of the lock file; its folder is the project root esbuild resolves modules from. */
  readonly depsLockFilePath: string;
}

export class WorkflowFunctions extends Construct {
  readonly byName: Readonly<Record<WorkflowFunction, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: WorkflowFunctionsProps) {
    super(scope, id);
    const { config, outputs, artifacts, registry } = props;
    const removalPolicy = removalPolicyOf(config.removalPolicy);
    // Set only where the environment names a limit, so an environment without one deploys as before.
    const readerLimits =
      Object.keys(config.readerLimits).length > 0
        ? { [FUNCTION_ENV.readerLimits]: readerLimitsEnvValue(config.readerLimits) }
        : {};
    const environment: Record<string, string> = {
      [FUNCTION_ENV.registryTable]: registry.table.tableName,
      [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
      [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
      [FUNCTION_ENV.reportsPrefix]: ARTIFACT_PREFIXES.reports,
      [FUNCTION_ENV.quarantinePrefix]: ARTIFACT_PREFIXES.quarantine,
      [FUNCTION_ENV.convertedPrefix]: ARTIFACT_PREFIXES.converted,
      [FUNCTION_ENV.conversionPartsPrefix]: ARTIFACT_PREFIXES.conversionParts,
      [FUNCTION_ENV.manifestsPrefix]: ARTIFACT_PREFIXES.manifests,
      [FUNCTION_ENV.resultsPrefix]: ARTIFACT_PREFIXES.results,
      // Stack traces point at the TypeScript sources instead of the minified bundle.
      NODE_OPTIONS: '--enable-source-maps',
    };

    const byName = {} as Record<WorkflowFunction, NodejsFunction>;
    for (const name of WORKFLOW_FUNCTIONS) {
      const access = FUNCTION_ACCESS[name];
      const logGroup = new LogGroup(this, `${name}-logs`, {
        retention: retentionDaysOf(config.logRetentionDays),
        removalPolicy,
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      });
      const role = new Role(this, `${name}-role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `prt ${config.name} ${name} function`,
      });
      logGroup.grantWrite(role);

      const fn = new NodejsFunction(this, name, {
        entry: props.entries[name],
        handler: 'handler',
        depsLockFilePath: props.depsLockFilePath,
        runtime: FUNCTION_BUILD.runtime,
        architecture: FUNCTION_BUILD.architecture,
        memorySize: config.memorySizes[name],
        timeout: access.timeout,
        role,
        logGroup,
        environment: {
          ...environment,
          POWERTOOLS_SERVICE_NAME: serviceNameOf(name),
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          ...(READS_RECORDS.has(name) ? readerLimits : {}),
          ...(access.publishes ? publishingEnvironment(config) : {}),
        },
        tracing: Tracing.ACTIVE,
        ...(config.reservedConcurrency[name] !== undefined
          ? { reservedConcurrentExecutions: config.reservedConcurrency[name] }
          : {}),
        bundling: FUNCTION_BUILD.bundling,
      });

      if (access.readsContracts) artifacts.grantReadContracts(fn);
      if (access.registry === 'readWrite') registry.grantReadWrite(fn);
      if (access.registry === 'read' || access.registry === 'readUpdate') registry.grantRead(fn);
      if (access.registry === 'readUpdate') registry.grantRecordStatus(fn);
      if (access.deletesIdempotencyRecords) registry.grantDeleteIdempotencyRecords(fn);
      if (access.reads?.includes('reports')) artifacts.grantReadReports(fn);
      if (access.reads?.includes('manifests')) artifacts.grantReadManifests(fn);
      if (access.readsOutputs) outputs.grantReadObjects(fn);
      if (access.listsPartitionedOutputs) outputs.grantListUnder(fn, config.partitions.prefixes);
      if (access.publishes) {
        outputs.grantReadUnder(fn, [...publishedFrom(config), config.publishing.prefix]);
        outputs.grantPublishUnder(fn, config.publishing.prefix);
      }
      for (const prefix of access.writes) {
        if (prefix === 'reports') artifacts.grantWriteReports(fn);
        else if (prefix === 'quarantine') artifacts.grantWriteQuarantine(fn);
        else if (prefix === 'manifests') artifacts.grantWriteManifests(fn);
        else if (prefix === 'results') artifacts.grantWriteResults(fn);
        else if (prefix === 'conversionParts') artifacts.grantWriteConversionParts(fn);
        else {
          artifacts.grantWriteConverted(fn);
          artifacts.grantDeleteConverted(fn);
        }
      }
      // cdk-nag: exactly the wildcards the grants above (and active tracing) put in this role's
      // policy, derived from the same access table: object keys under a prefix, X-Ray.
      acknowledgeGrants(role, [
        ...grantFindings.xray(),
        ...(access.readsContracts
          ? grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.contracts, 'reads')
          : []),
        ...(access.reads ?? []).flatMap((prefix) =>
          grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES[prefix], 'reads'),
        ),
        ...(access.readsOutputs ? grantFindings.objectsUnder(outputs.bucket, '', 'reads') : []),
        ...(access.publishes
          ? [
              ...[...publishedFrom(config), config.publishing.prefix].flatMap((prefix) =>
                grantFindings.objectsUnder(outputs.bucket, prefix, 'reads'),
              ),
              ...grantFindings.objectsUnder(outputs.bucket, config.publishing.prefix, 'writes'),
            ]
          : []),
        ...access.writes.flatMap((prefix) =>
          grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES[prefix], 'writes'),
        ),
      ]);
      byName[name] = fn;
    }
    this.byName = byName;
  }

  /** The functions in WORKFLOW_FUNCTIONS order. */
  get all(): readonly NodejsFunction[] {
    return WORKFLOW_FUNCTIONS.map((name) => this.byName[name]);
  }
}
