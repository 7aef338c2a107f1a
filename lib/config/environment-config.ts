/**
 * Per-environment settings, read once from the CDK context (`cdk.json` → `environments`) by
 * `bin/app.ts` and by the embedded local stack, then passed down typed and readonly.
 *
 * One zod schema is the definition of an environment entry: unknown keys are refused (a misspelt
 * key would otherwise deploy silently without the intended setting), and the first problem fails
 * here, at the edge, as an EnvironmentConfigError naming the environment and the field, e.g.
 * `environments.prod.alarms.dlqDepth: 0 is not an integer of at least 1`.
 *
 * @example
 * const config = selectEnvironment(app.node.tryGetContext('environments'), 'prod');
 * config.partitions.maxConcurrency; // 80
 */
import * as z from 'zod';
import {
  READER_LIMITS,
  READER_LIMIT_NAMES,
  type ConfigurableReaderLimits,
  type ReaderLimitName,
} from '../../lambdas/runtime/reader-limits-env';
import { CANARY_PREFIX } from '../../lambdas/runtime/function-environment';
import { WORKFLOW_FUNCTIONS, type WorkflowFunction } from './workflow-definition';
import { openLineageSchema, openLineageSettings, type OpenLineageSettings } from './openlineage-config';
import {
  checkStagingTarget,
  EXTERNAL_ID,
  MAX_STAGING_TARGETS,
  TARGET_NAME,
  type StagingTarget,
} from '../../lambdas/runtime/staging-targets-env';
import { MAX_ROLE_NAME, stagingSourceRoleName, stagingTargetRoleName } from './staging-roles';

export type RemovalMode = 'destroy' | 'retain';

/** Powertools log levels (POWERTOOLS_LOG_LEVEL); SILENT turns application logs off. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thresholds of the alarms Monitoring sends to the alert topic. */
export interface AlarmThresholds {
  /** Failed executions (failed validations and processing errors alike) in 5 minutes that raise the alarm. */
  readonly failedExecutionsPer5Min: number;
  /** Failed executions as a percentage of those started, over 15 minutes, that raise the alarm. */
  readonly failureRatePercent: number;
  /** Undeliverable arrival events waiting in the EventBridge target's dead-letter queue that raise the alarm. */
  readonly dlqDepth: number;
}

/**
 * The partitioned-output branch (a Distributed Map over the part files of one output). The state
 * machine receives both values through definition substitutions (PARTITION_SUBSTITUTIONS).
 */
export interface PartitionSettings {
  /** Part files validated at the same time (Distributed Map MaxConcurrency, 1..10000). */
  readonly maxConcurrency: number;
  /** Percentage of parts whose processing may fail before the whole map fails (0..100). */
  readonly toleratedFailurePercentage: number;
  /**
   * Key prefixes where outputs are folders of part files: only their `_SUCCESS` markers start
   * executions (the parts are tested together, from the marker). Disjoint from watchedPrefixes.
   */
  readonly prefixes: readonly string[];
  /**
   * A single object of a splittable format (uncompressed CSV, Parquet) larger than this is validated
   * range by range in the same Distributed Map (decision 0012); smaller ones, and unsplittable ones
   * of any size, go through one validate invocation.
   */
  readonly splitObjectsAboveBytes: number;
}

/** The prepare-inputs workflow (the download function): where staged copies go, and the masking key. */
export interface StagingSettings {
  /** Key prefix of the outputs bucket staged copies go under; disjoint from the tested prefixes. */
  readonly prefix: string;
  /**
   * The masking key: a Secrets Manager secret name or ARN, or `ssm:<SecureString parameter>`.
   * Absent: the stack creates a secret of 64 random characters for the environment.
   */
  readonly maskingKeySecret?: string;
  /** MB of memory of the download function (default 2048). */
  readonly memorySize: number;
  /**
   * Other environments this one may stage into (`prepare-inputs --to <name>`), by name: their
   * bucket and staging prefix, and the role they created for this environment (acceptFrom there).
   * The download function may assume these roles and no other. Empty unless set.
   */
  readonly targets: readonly StagingTarget[];
  /**
   * Environments allowed to stage into this one: for each, a role `prt-stage-<source>-to-<this>`
   * that the source's download function (and only it) may assume, allowed to put and read back
   * objects under this environment's staging prefix only. Empty unless set.
   */
  readonly acceptFrom: readonly StagingSource[];
}

/** An environment allowed to stage into this one (`staging.acceptFrom`). */
export interface StagingSource {
  /** The source environment's AWS account. */
  readonly account: string;
  /** Its name in cdk.json: its download function runs as `prt-<environment>-download`. */
  readonly environment: string;
  /** Required of the source's AssumeRole calls (`sts:ExternalId`), where set. */
  readonly externalId?: string;
}

export const DEFAULT_STAGING_PREFIX = 'staging/';

/** Write-audit-publish: where gated outputs' published copies go, and how large objects are copied. */
export interface PublishingSettings {
  /**
   * Key prefix of the outputs bucket published copies go under: the only prefix the publish
   * function writes, disjoint from the tested prefixes so a published copy is never tested again.
   */
  readonly prefix: string;
  /** Objects above this many bytes are copied in parts (default and most 5 GiB). */
  readonly multipartAboveBytes?: number;
  /** Bytes per part of a multipart copy (default 512 MiB). */
  readonly copyPartBytes?: number;
}

export const DEFAULT_PUBLISHED_PREFIX = 'published/';
const DEFAULT_STAGING_MEMORY = 2048;

/**
 * How long what the tests leave behind is kept (S3 lifecycle rules, lib/artifacts-bucket.ts and
 * lib/outputs-bucket.ts). Quarantine objects hold failing rows, which may be personal data, so
 * they go first.
 */
export interface RetentionSettings {
  /** Days a quarantine object (every failing row of a version) is kept. */
  readonly quarantineDays: number;
  /** Days a validation report (JSON, HTML, the parts' and ranges' states) is kept. */
  readonly reportsDays: number;
  /** Days a replaced (noncurrent) version of an output is kept; absent, replaced versions stay. */
  readonly outputsNoncurrentDays?: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { quarantineDays: 30, reportsDays: 365 };

/**
 * The synthetic canary (lib/synthetic-canary.ts): its schedule, which outputs it covers and how
 * long it waits for their tests. Where set, the arrival rule also watches the canary prefix.
 */
export interface CanarySettings {
  /** An EventBridge schedule expression: `rate(1 day)`, `cron(0 6 * * ? *)`. */
  readonly schedule: string;
  /** Logical names (`pipeline/step/output`) to cover; every deployed contract when absent. */
  readonly contracts?: readonly string[];
  /** Rows per generated output (1..100000, default 200). */
  readonly rows?: number;
  /** Seconds between two polls of the registry (5..300, default 30). */
  readonly pollSeconds: number;
  /** Polls before the cases still untested count as differences (1..100, default 40). */
  readonly maxPolls: number;
  /**
   * Runs the canary right after each `cdk deploy` (a CDK trigger, lib/canary-after-deploy.ts) and
   * fails the deployment when it fails or does not finish within the trigger's 15 minutes
   * (default false).
   */
  readonly afterDeploy: boolean;
}

export interface EnvironmentConfig {
  readonly name: string;
  /** Key prefixes of the outputs bucket whose new objects are tested. */
  readonly watchedPrefixes: readonly string[];
  readonly alertEmail: string;
  readonly logRetentionDays: number;
  /** Application log level of every function (POWERTOOLS_LOG_LEVEL). */
  readonly logLevel: LogLevel;
  readonly removalPolicy: RemovalMode;
  readonly memorySizes: Readonly<Record<WorkflowFunction, number>>;
  /** Reserved concurrency of the functions that have one; the others share the account pool. */
  readonly reservedConcurrency: Readonly<Partial<Record<WorkflowFunction, number>>>;
  readonly alarms: AlarmThresholds;
  readonly partitions: PartitionSettings;
  /** The synthetic canary; absent where the environment runs none. */
  readonly canary?: CanarySettings;
  /**
   * Encrypt the buckets, registry table, dead-letter queue, alert topic and log groups with one
   * customer-managed KMS key of the environment (rotated yearly) instead of AWS-managed encryption.
   * Off unless set (DEFAULT_KMS): every writer of the outputs bucket, including the pipelines'
   * own roles, then needs kms:GenerateDataKey on that key.
   */
  readonly kms: boolean;
  /**
   * Input limits that differ from the readers' defaults (README "Limits"), carried to the
   * functions that read objects as PRT_READER_LIMITS. Empty unless set: every default holds.
   */
  readonly readerLimits: ConfigurableReaderLimits;
  readonly staging: StagingSettings;
  readonly publishing: PublishingSettings;
  readonly retention: RetentionSettings;
  /** Where OpenLineage RunEvents go (lib/config/openlineage-config.ts); absent: none are sent. */
  readonly openLineage?: OpenLineageSettings;
  readonly account?: string;
  readonly region?: string;
}

export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
}

/** Retention periods CloudWatch Logs accepts; any other number is rejected by the service at deploy time. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Whether an environment that does not say uses a customer-managed KMS key (see EnvironmentConfig.kms). */
export const DEFAULT_KMS = false;

/**
 * Objects above 2 GiB are split when an environment does not say. The validate function times out
 * at 300 s (FUNCTION_TIMEOUT_SECONDS); the engine reads 30-60 MB/s per invocation, so 2 GiB takes
 * 35-70 s: a quarter of the timeout at the slow end, which leaves room for slower S3 reads, the
 * reference samples and the report. Each range is also planned at about this size.
 */
export const DEFAULT_SPLIT_OBJECTS_ABOVE_BYTES = 2 * 1024 ** 3;

/** The Distributed Map's own limit on MaxConcurrency. */
const MAX_MAP_CONCURRENCY = 10_000;

/** A zod `error` option that says what the value should have been, quoting the value found. */
function expected(what: string) {
  return {
    error: (issue: { readonly input?: unknown }) =>
      issue.input === undefined ? `is required (${what})` : `${JSON.stringify(issue.input)} is not ${what}`,
  };
}

const integerAtLeast = (min: number, max?: number) => {
  const what = max === undefined ? `an integer of at least ${min}` : `an integer in ${min}..${max}`;
  const base = z.number(expected(what)).int(expected(what)).min(min, expected(what));
  return max === undefined ? base : base.max(max, expected(what));
};

const percentage = (what: string, exclusiveZero: boolean) => {
  const text = `${what} (${exclusiveZero ? 'above 0' : '0'} up to 100)`;
  const base = z.number(expected(text)).max(100, expected(text));
  return exclusiveZero ? base.gt(0, expected(text)) : base.min(0, expected(text));
};

/** A strict object whose unknown-key error lists the keys it does accept. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting; expected one of ${known}`
        : issue.input === undefined
          ? `is required (${what})`
          : `must be ${what}`,
  });
}

/** One schema per function name, so a missing or misspelt function is named in the error. */
function perFunction<T extends z.ZodType>(value: T): { [F in WorkflowFunction]: T } {
  return Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [fn, value])) as { [F in WorkflowFunction]: T };
}

const lambdaMemory = integerAtLeast(128, 10_240).describe('MB of memory (128..10240)');

const environmentSchema = strictObject(
  {
    watchedPrefixes: z
      .array(
        z
          .string(expected('a key prefix (non-empty, no leading "/")'))
          .min(1, expected('a key prefix (non-empty, no leading "/")'))
          .refine((p) => !p.startsWith('/'), expected('a key prefix (non-empty, no leading "/")')),
        expected('a non-empty list of key prefixes'),
      )
      .min(1, expected('a non-empty list of key prefixes')),
    alertEmail: z
      .string(expected('an e-mail address'))
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, expected('an e-mail address')),
    logRetentionDays: z
      .number(expected(`one of ${LOG_RETENTION_DAYS.join(', ')}`))
      .refine((d) => LOG_RETENTION_DAYS.includes(d), expected(`one of ${LOG_RETENTION_DAYS.join(', ')}`)),
    logLevel: z.enum(LOG_LEVELS, expected(`a log level (${LOG_LEVELS.join(', ')})`)),
    removalPolicy: z.enum(['destroy', 'retain'], expected('"destroy" or "retain"')),
    memorySizes: strictObject(
      perFunction(lambdaMemory),
      `an object with the MB of memory of ${WORKFLOW_FUNCTIONS.join(', ')}`,
    ),
    // Optional per function: a reservation takes capacity away from the rest of the account, so
    // only the functions that need a guaranteed (and capped) concurrency name one.
    reservedConcurrency: strictObject(
      perFunction(integerAtLeast(1, 1000).optional()),
      `an object with reserved concurrent executions for some of ${WORKFLOW_FUNCTIONS.join(', ')}`,
    ).optional(),
    canary: strictObject(
      {
        schedule: z
          .string(expected('a schedule expression, rate(...) or cron(...)'))
          .regex(/^(rate|cron)\([^()]+\)$/, expected('a schedule expression, rate(...) or cron(...)')),
        contracts: z
          .array(
            z
              .string(expected('a pipeline/step/output name'))
              .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, expected('a pipeline/step/output name')),
            expected('a list of pipeline/step/output names'),
          )
          .min(1, expected('a non-empty list of pipeline/step/output names'))
          .optional(),
        rows: integerAtLeast(1, 100_000).optional(),
        pollSeconds: integerAtLeast(5, 300).optional(),
        maxPolls: integerAtLeast(1, 100).optional(),
        afterDeploy: z.boolean(expected('true or false')).optional(),
      },
      'an object with schedule and optionally contracts, rows, pollSeconds, maxPolls, afterDeploy',
    ).optional(),
    retention: strictObject(
      {
        quarantineDays: integerAtLeast(1, 3650).optional(),
        reportsDays: integerAtLeast(1, 3650).optional(),
        outputsNoncurrentDays: integerAtLeast(1, 3650).optional(),
      },
      'an object with quarantineDays, reportsDays and outputsNoncurrentDays (days, 1-3650)',
    ).optional(),
    alarms: strictObject(
      {
        failedExecutionsPer5Min: integerAtLeast(1),
        failureRatePercent: percentage('a percentage', true),
        dlqDepth: integerAtLeast(1),
      },
      'an object with failedExecutionsPer5Min, failureRatePercent and dlqDepth',
    ),
    partitions: strictObject(
      {
        maxConcurrency: integerAtLeast(1, MAX_MAP_CONCURRENCY),
        toleratedFailurePercentage: percentage('a percentage', false),
        prefixes: z
          .array(
            z
              .string(expected('a key prefix ending in "/" (no leading "/")'))
              .regex(/^[^/].*\/$/, expected('a key prefix ending in "/" (no leading "/")')),
            expected('a list of key prefixes'),
          )
          .default([]),
        // Low values (a few KB) let the embedded stack and tests exercise splitting on small files.
        splitObjectsAboveBytes: integerAtLeast(1024, Number.MAX_SAFE_INTEGER).default(
          DEFAULT_SPLIT_OBJECTS_ABOVE_BYTES,
        ),
      },
      'an object with maxConcurrency, toleratedFailurePercentage and optional prefixes and splitObjectsAboveBytes',
    ),
    kms: z.boolean(expected('true or false')).default(DEFAULT_KMS),
    // Every limit optional: an environment names only those it raises or lowers.
    readerLimits: strictObject(
      Object.fromEntries(
        READER_LIMIT_NAMES.map((name) => [name, integerAtLeast(1, READER_LIMITS[name].max).optional()]),
      ) as Record<ReaderLimitName, z.ZodOptional<ReturnType<typeof integerAtLeast>>>,
      `an object with some of ${READER_LIMIT_NAMES.join(', ')}`,
    ).optional(),
    staging: strictObject(
      {
        prefix: z
          .string(expected('a key prefix ending in "/" (no leading "/")'))
          .regex(/^[^/].*\/$/, expected('a key prefix ending in "/" (no leading "/")'))
          .default(DEFAULT_STAGING_PREFIX),
        maskingKeySecret: z
          .string(expected('a secret name or ARN, or ssm:<parameter name>'))
          .min(1, expected('a secret name or ARN, or ssm:<parameter name>'))
          .optional(),
        memorySize: lambdaMemory.default(DEFAULT_STAGING_MEMORY),
        // Each field is checked after parsing, by the same checks the function's cold start uses.
        targets: z
          .record(
            z.string(),
            strictObject(
              {
                bucket: z.string(expected('a bucket name')),
                prefix: z.string(expected('a key prefix ending in "/"')),
                roleArn: z.string(expected('an IAM role ARN')),
                externalId: z.string(expected('an external id')).optional(),
              },
              'an object with bucket, prefix, roleArn and optionally externalId',
            ),
            expected('an object of staging targets by environment name'),
          )
          .optional(),
        acceptFrom: z
          .array(
            strictObject(
              {
                account: z
                  .string(expected('a 12-digit AWS account id'))
                  .regex(/^\d{12}$/, expected('a 12-digit AWS account id')),
                environment: z
                  .string(expected('an environment name'))
                  .regex(TARGET_NAME, expected('an environment name (lower-case letters, digits, -)')),
                externalId: z
                  .string(expected('an external id'))
                  .regex(EXTERNAL_ID, expected('an external id (2-1224 of letters, digits, +=,.@:/-)'))
                  .optional(),
              },
              'an object with account, environment and optionally externalId',
            ),
            expected('a list of source environments'),
          )
          .max(MAX_STAGING_TARGETS, expected(`a list of at most ${MAX_STAGING_TARGETS} sources`))
          .optional(),
      },
      'an object with optional prefix, maskingKeySecret, memorySize, targets and acceptFrom',
    ).optional(),
    publishing: strictObject(
      {
        prefix: z
          .string(expected('a key prefix ending in "/" (no leading "/")'))
          .regex(/^[^/].*\/$/, expected('a key prefix ending in "/" (no leading "/")'))
          .default(DEFAULT_PUBLISHED_PREFIX),
        multipartAboveBytes: integerAtLeast(1, 5 * 1024 ** 3).optional(),
        copyPartBytes: integerAtLeast(1, 5 * 1024 ** 3).optional(),
      },
      'an object with optional prefix, multipartAboveBytes and copyPartBytes',
    ).optional(),
    openLineage: openLineageSchema.optional(),
    account: z
      .string(expected('a 12-digit AWS account id'))
      .regex(/^\d{12}$/, expected('a 12-digit AWS account id'))
      .optional(),
    region: z
      .string(expected('an AWS region name'))
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, expected('an AWS region name'))
      .optional(),
  },
  'an object',
);

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );
}

function fail(envName: string, field: string, problem: string): never {
  throw new EnvironmentConfigError(`environments.${envName}${field ? `.${field}` : ''}: ${problem}`);
}

/** Validates one environment entry of the `environments` context object. */
export function parseEnvironmentConfig(envName: string, raw: unknown): EnvironmentConfig {
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is reported at the key itself, so the message names the misspelling.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    fail(envName, fieldPath(path), issue.message);
  }
  const data = parsed.data;
  const reservedConcurrency: Partial<Record<WorkflowFunction, number>> = {};
  for (const fn of WORKFLOW_FUNCTIONS) {
    const reserved = data.reservedConcurrency?.[fn];
    if (reserved !== undefined) reservedConcurrency[fn] = reserved;
  }
  // The partitioned branch validates up to maxConcurrency parts at once; a smaller reservation on
  // validate would make the map throttle itself into retries on every large output.
  const validateReserved = reservedConcurrency.validate;
  if (validateReserved !== undefined && validateReserved < data.partitions.maxConcurrency) {
    fail(
      envName,
      'reservedConcurrency.validate',
      `${validateReserved} is below partitions.maxConcurrency (${data.partitions.maxConcurrency}): the partitioned branch would throttle its own validations`,
    );
  }
  // A part under a prefix that is both watched and partitioned would start its own execution.
  for (const [i, partitioned] of data.partitions.prefixes.entries()) {
    const overlap = data.watchedPrefixes.find((w) => w.startsWith(partitioned) || partitioned.startsWith(w));
    if (overlap !== undefined)
      fail(
        envName,
        `partitions.prefixes[${i}]`,
        `'${partitioned}' overlaps watched prefix '${overlap}': every part file there would start an execution; keep partitioned outputs under prefixes of their own`,
      );
  }
  // Staged copies under a tested prefix would start test runs of themselves.
  const stagingPrefix = data.staging?.prefix ?? DEFAULT_STAGING_PREFIX;
  const tested = [...data.watchedPrefixes, ...data.partitions.prefixes].find(
    (p) => p.startsWith(stagingPrefix) || stagingPrefix.startsWith(p),
  );
  if (tested !== undefined)
    fail(
      envName,
      'staging.prefix',
      `'${stagingPrefix}' overlaps tested prefix '${tested}': every staged copy would start a test run; stage under a prefix of its own`,
    );
  const targets = stagingTargets(envName, data.staging?.targets);
  const acceptFrom = stagingSources(envName, data.staging?.acceptFrom);
  // Published copies under a tested prefix would be tested again, and a staged copy there would
  // be read by consumers as published.
  const publishedPrefix = data.publishing?.prefix ?? DEFAULT_PUBLISHED_PREFIX;
  const testedPrefixes = [
    ...data.watchedPrefixes,
    ...(data.canary ? [CANARY_PREFIX] : []),
    ...data.partitions.prefixes,
  ];
  const unpublishable = [...testedPrefixes, stagingPrefix].find(
    (p) => p.startsWith(publishedPrefix) || publishedPrefix.startsWith(p),
  );
  if (unpublishable !== undefined)
    fail(
      envName,
      'publishing.prefix',
      `'${publishedPrefix}' overlaps '${unpublishable}' (tested or staging): every published copy would be tested again or mistaken for a staged one; publish under a prefix of its own`,
    );
  return {
    name: envName,
    watchedPrefixes: data.watchedPrefixes,
    alertEmail: data.alertEmail,
    logRetentionDays: data.logRetentionDays,
    logLevel: data.logLevel,
    removalPolicy: data.removalPolicy,
    memorySizes: data.memorySizes,
    reservedConcurrency,
    alarms: data.alarms,
    partitions: data.partitions,
    ...(data.canary !== undefined
      ? {
          canary: {
            schedule: data.canary.schedule,
            ...(data.canary.contracts !== undefined ? { contracts: data.canary.contracts } : {}),
            ...(data.canary.rows !== undefined ? { rows: data.canary.rows } : {}),
            pollSeconds: data.canary.pollSeconds ?? DEFAULT_CANARY_POLL_SECONDS,
            maxPolls: data.canary.maxPolls ?? DEFAULT_CANARY_MAX_POLLS,
            afterDeploy: data.canary.afterDeploy ?? false,
          },
        }
      : {}),
    kms: data.kms,
    readerLimits: definedLimits(data.readerLimits),
    staging: {
      prefix: stagingPrefix,
      memorySize: data.staging?.memorySize ?? DEFAULT_STAGING_MEMORY,
      ...(data.staging?.maskingKeySecret !== undefined
        ? { maskingKeySecret: data.staging.maskingKeySecret }
        : {}),
      targets,
      acceptFrom,
    },
    publishing: {
      prefix: publishedPrefix,
      ...(data.publishing?.multipartAboveBytes !== undefined
        ? { multipartAboveBytes: data.publishing.multipartAboveBytes }
        : {}),
      ...(data.publishing?.copyPartBytes !== undefined
        ? { copyPartBytes: data.publishing.copyPartBytes }
        : {}),
    },
    retention: {
      quarantineDays: data.retention?.quarantineDays ?? DEFAULT_RETENTION.quarantineDays,
      reportsDays: data.retention?.reportsDays ?? DEFAULT_RETENTION.reportsDays,
      ...(data.retention?.outputsNoncurrentDays !== undefined
        ? { outputsNoncurrentDays: data.retention.outputsNoncurrentDays }
        : {}),
    },
    ...(data.openLineage !== undefined
      ? { openLineage: openLineageSettings(envName, data.openLineage) }
      : {}),
    ...(data.account !== undefined ? { account: data.account } : {}),
    ...(data.region !== undefined ? { region: data.region } : {}),
  };
}

/**
 * `staging.targets`, each checked as the function's cold start checks it: a name, a bucket name,
 * a prefix ending in /, a role ARN, an external id STS accepts. An environment does not name
 * itself (its own bucket needs no role), and the function's role name must fit IAM's 64.
 */
function stagingTargets(
  envName: string,
  raw:
    | Record<string, { bucket: string; prefix: string; roleArn: string; externalId?: string | undefined }>
    | undefined,
): StagingTarget[] {
  const entries = Object.entries(raw ?? {});
  if (entries.length > MAX_STAGING_TARGETS)
    fail(envName, 'staging.targets', `${entries.length} targets; at most ${MAX_STAGING_TARGETS}`);
  if (entries.length > 0 && stagingSourceRoleName(envName).length > MAX_ROLE_NAME)
    fail(
      envName,
      'staging.targets',
      `the environment name is too long for the role ${stagingSourceRoleName(envName)}`,
    );
  return entries.map(([name, t]) => {
    if (name === envName)
      fail(envName, `staging.targets.${name}`, 'an environment stages into its own bucket without a target');
    try {
      return checkStagingTarget({
        environment: name,
        bucket: t.bucket,
        prefix: t.prefix,
        roleArn: t.roleArn,
        ...(t.externalId !== undefined ? { externalId: t.externalId } : {}),
      });
    } catch (error) {
      return fail(envName, `staging.targets.${name}`, (error as Error).message);
    }
  });
}

/** `staging.acceptFrom`: one role per source, whose name must fit IAM's 64 characters. */
function stagingSources(
  envName: string,
  raw: readonly { account: string; environment: string; externalId?: string | undefined }[] | undefined,
): StagingSource[] {
  const seen = new Set<string>();
  return (raw ?? []).map((source, i) => {
    if (source.environment === envName)
      fail(envName, `staging.acceptFrom[${i}]`, 'an environment does not accept stagings from itself');
    if (seen.has(source.environment))
      fail(envName, `staging.acceptFrom[${i}]`, `${source.environment} is listed twice`);
    seen.add(source.environment);
    const role = stagingTargetRoleName(source.environment, envName);
    if (role.length > MAX_ROLE_NAME)
      fail(
        envName,
        `staging.acceptFrom[${i}]`,
        `the role name ${role} is longer than ${MAX_ROLE_NAME} characters`,
      );
    return {
      account: source.account,
      environment: source.environment,
      ...(source.externalId !== undefined ? { externalId: source.externalId } : {}),
    };
  });
}

/** The limits an environment sets, without the keys zod leaves undefined (exactOptionalPropertyTypes). */
function definedLimits(
  raw: Partial<Record<ReaderLimitName, number | undefined>> | undefined,
): ConfigurableReaderLimits {
  const limits: { -readonly [K in ReaderLimitName]?: number } = {};
  for (const name of READER_LIMIT_NAMES) {
    const value = raw?.[name];
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

export const DEFAULT_CANARY_POLL_SECONDS = 30;
export const DEFAULT_CANARY_MAX_POLLS = 40;

/**
 * The key prefixes whose new objects start a test: the watched prefixes, and the canary prefix
 * where the environment runs the canary. The CDK rule and the embedded stack both use this list.
 */
export function arrivalPrefixes(
  config: Pick<EnvironmentConfig, 'watchedPrefixes' | 'canary'>,
): readonly string[] {
  if (config.canary === undefined || config.watchedPrefixes.some((p) => CANARY_PREFIX.startsWith(p)))
    return config.watchedPrefixes;
  return [...config.watchedPrefixes, CANARY_PREFIX];
}

/** Picks and validates the named environment from the whole `environments` context value. */
export function selectEnvironment(environments: unknown, envName: string): EnvironmentConfig {
  if (typeof environments !== 'object' || environments === null || Array.isArray(environments)) {
    throw new EnvironmentConfigError('cdk.json context "environments" is missing or not an object');
  }
  if (!Object.hasOwn(environments, envName)) {
    throw new EnvironmentConfigError(
      `unknown environment "${envName}"; choose one of: ${Object.keys(environments).join(', ')} (cdk ... -c env=NAME)`,
    );
  }
  return parseEnvironmentConfig(envName, (environments as Record<string, unknown>)[envName]);
}
