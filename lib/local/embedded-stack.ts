/**
 * The embedded stand-in for AWS: an S3-protocol server (s3rver) and a DynamoDB-protocol server
 * (dynalite) on free loopback ports, the deployed ASL file run by a local Step Functions interpreter
 * with its Task states bound to the real handlers, and the arrival rule's event pattern (built by
 * the same function the CDK rule uses) matched against the S3 server's events. Handlers see only
 * different endpoints, through the standard AWS_ENDPOINT_URL_* variables.
 */
import './promise-with-resolvers';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import dynalite from 'dynalite';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import S3rver from 's3rver';
import { CONTRACT_CACHE_SECONDS_ENV } from '../../lambdas/runtime/contract-cache-ttl';
import { readerLimitsEnvValue } from '../../lambdas/runtime/reader-limits-env';
import { buildArrivalPattern } from '../config/arrival-pattern';
import { arrivalPrefixes, type EnvironmentConfig } from '../config/environment-config';
import { ARTIFACT_PREFIXES } from '../config/artifact-prefixes';
import { FUNCTION_ENV, GENERATE_ENV } from '../../lambdas/runtime/function-environment';
import { localResourceNames } from '../config/project-config';
import { REGISTRY_TABLE_LAYOUT } from '../config/registry-table-layout';
import {
  ALERT_TOPIC_SUBSTITUTION,
  ARTIFACTS_BUCKET_SUBSTITUTION,
  CANARY_SUBSTITUTIONS,
  FUNCTION_TIMEOUT_SECONDS,
  SYNTHETIC_CANARY_ASL,
  MAP_RUNS_PREFIX_SUBSTITUTION,
  ENVIRONMENT_NAME_SUBSTITUTION,
  S3_OBJECT_ARN_PREFIX_SUBSTITUTION,
  OUTPUT_TESTING_ASL,
  REGISTRY_TABLE_SUBSTITUTION,
  WORKFLOW_FUNCTIONS,
  functionArnSubstitution,
  partitionSubstitutions,
} from '../config/workflow-definition';
import type { CanaryVerdict } from '../../lambdas/core/canary';
import { localizeDistributedMaps } from './distributed-map';
import { CANARY_HANDLER_MODULES, HANDLER_MODULES, SUBSCRIBER_HANDLER_MODULES } from './handler-modules';
import {
  deliverToSubscribers,
  LocalEventQueue,
  type EventSubscriber,
  type LocalQueueBatching,
  type UndeliveredEvent,
} from './event-subscribers';
import { startSecretsExtension, type SecretsExtensionStandIn } from './secrets-extension-stand-in';
import { OPENLINEAGE_ENV } from '../../lambdas/runtime/openlineage-environment';
import { OPENLINEAGE_FUNCTION_TIMEOUT_SECONDS, openLineageEnvironment } from '../config/openlineage-config';
import {
  RUN_REPORT_BATCH_SIZE,
  RUN_REPORT_FUNCTION_TIMEOUT_SECONDS,
  RUN_REPORT_MAX_CONCURRENCY,
} from '../config/run-reports';
import {
  LOCAL_ACCOUNT,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDBClient,
  localS3Client,
} from './local-clients';
import { compileEventPattern } from './event-pattern-matcher';
import { LocalStepFunctionsApi, type LocalWorkflow } from './local-step-functions-api';
import { s3CopyExtensions } from './s3-copy-extensions';
import { publishingEnvironment } from '../config/publishing-environment';
import { LocalPrepareInputs } from './prepare-inputs-runner';
import { LocalExpectedOutputs } from './expected-outputs-runner';
import { toEventBridgeEvents, type EventBridgeS3Event } from './s3-event-to-eventbridge';
import {
  buildTaskBindings,
  type LocalHandler,
  type PublishedAlert,
  type PublishedEvent,
  type PublishedMetric,
} from './task-bindings';

interface KoaContext {
  readonly path: string;
  status: number;
  type: string;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './local-clients';
/**
 * Seconds the local functions keep their parsed contracts (deployed ones: a minute). One second, so
 * a contract re-seeded while serving applies to the next upload, while a burst of arrivals still
 * lists the contracts prefix about once a second rather than once per invocation.
 */
export const LOCAL_CONTRACT_CACHE_SECONDS = 1;

export interface EmbeddedStackOptions {
  readonly repoRoot: string;
  readonly config: EnvironmentConfig;
  /** Folder with contract files to seed under the artifacts bucket's contracts/ prefix. */
  readonly contractsDir?: string;
  /** Where s3rver keeps objects; a fresh temporary folder when omitted (removed on stop). */
  readonly dataDir?: string;
  /** Where dynalite keeps the registry table (LevelDB), kept across restarts; in memory when omitted. */
  readonly dynamodbDir?: string;
  /** Loopback ports of the S3 and DynamoDB servers; free ones when omitted. */
  readonly ports?: { readonly s3: number; readonly dynamodb: number };
  readonly log?: (line: string) => void;
  /**
   * Puts something between the workflow and the servers (the reliability suite's fault-injecting
   * proxy): given the servers' endpoints, returns the endpoints the handlers and the state machine's
   * DynamoDB integration use. The stand-in's own plumbing (setup, event routing) keeps the direct ones.
   */
  readonly interpose?: (servers: Endpoints) => Promise<InterposedEndpoints>;
  /**
   * Wraps each workflow function's handler (the reliability suite makes them throw transient
   * errors); `fn` is the function's name in WORKFLOW_FUNCTIONS.
   */
  readonly wrapHandler?: (fn: string, handler: LocalHandler) => LocalHandler;
  /**
   * Secrets the stand-in of the Parameters and Secrets extension serves (secret id, or
   * `ssm:<parameter name>`, → text), e.g. the OpenLineage HTTP transport's API key. The stand-in
   * runs when these are given or the environment's openLineage names an apiKeySecret.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * How the run report queue's stand-in batches Output Tested events (lib/run-report-writer.ts):
   * the deployed batch size and concurrency, and LOCAL_RUN_REPORT_WINDOW_MS, unless given.
   */
  readonly runReportBatching?: Partial<LocalQueueBatching>;
}

/**
 * The run report queue's window on the embedded stack: the deployed 30 s would keep `npm start`
 * users and every test waiting for a report; one second still gathers the events of a burst.
 */
export const LOCAL_RUN_REPORT_WINDOW_MS = 1000;

export interface Endpoints {
  readonly s3: string;
  readonly dynamodb: string;
}

export interface InterposedEndpoints extends Endpoints {
  readonly close?: () => Promise<void>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** The canary's execution input: which outputs to cover and how many rows each. */
export interface CanaryInput {
  readonly contracts?: readonly string[];
  readonly rows?: number;
}

/** The detail of a Canary Passed/Failed event (statemachines/synthetic-canary.asl.json). */
export interface CanaryEventDetail {
  readonly outcome: 'passed' | 'differences' | 'error';
  readonly execution: string;
  readonly verdict?: CanaryVerdict;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** The state machines a served stack answers for, and where its Step Functions API listens. */
export interface ServedWorkflows {
  readonly canary: string;
  readonly prepareInputs: string;
  /** Set once served: the address for AWS_ENDPOINT_URL_SFN. */
  readonly endpoint?: string;
}

/**
 * The canary's execution input as given: the canary's plan step checks its fields and fails the
 * run naming a malformed one, as it does deployed. Only a non-object is replaced (by no settings).
 */
function canaryInputOf(input: unknown): CanaryInput {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
}

export interface CanaryRun {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly event?: { readonly detailType: string; readonly detail: CanaryEventDetail };
}

interface CanaryMachine {
  readonly machine: StateMachine;
  readonly bindings: Record<string, (input: unknown) => Promise<unknown>>;
}

/** Polls the embedded canary allows at least (one a second): the local workflow's slowest minute. */
const LOCAL_CANARY_POLLS = 90;

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: EventBridgeS3Event;
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  cause?: string;
  /** States entered, in order (the execution's path through the machine). */
  readonly path: string[];
  readonly startDate: string;
  stopDate?: string;
}

/**
 * What an execution decided, in the registry's words (PASSED, WARNED, FAILED, ERROR, UNTRACKED) or,
 * for an event that was not a test, what happened to it (DUPLICATE, IGNORED, PART, DELETED): the
 * execution's own SUCCEEDED/FAILED would call a failed test and a crash alike "FAILED", and a test
 * that failed its data "FAILED" as well as one that never ran.
 */
export function executionOutcome(record: Pick<ExecutionRecord, 'status' | 'path' | 'output'>): string {
  if (record.status === 'RUNNING') return 'RUNNING';
  const end = record.path.at(-1);
  switch (end) {
    case 'Tested': {
      const status = (record.output as { validation?: { status?: unknown } } | undefined)?.validation?.status;
      return typeof status === 'string' ? status.toUpperCase() : 'PASSED';
    }
    case 'ValidationFailed':
      return 'FAILED';
    case 'ObjectUnreadable':
      return 'FAILED';
    case 'ProcessingFailed':
      return 'ERROR';
    case 'Untracked':
      return 'UNTRACKED';
    case 'AlreadyRegistered':
      return 'DUPLICATE';
    case 'PartOfPartitionedOutput':
      return 'PART';
    case 'IgnoredNoise':
    case 'IgnoredMarker':
      return 'IGNORED';
    case 'Deleted':
      return 'DELETED';
    default:
      return record.status;
  }
}

/**
 * Executions the embedded stack runs at once. Its Lambda tasks share one event loop and a few
 * sandboxes (task-bindings.ts); with a thousand executions started together, the last task in line
 * would wait past its state's TimeoutSeconds. Fifty keeps every wait for a sandbox short on a 2-core
 * machine, busy or not.
 */
export const LOCAL_RUNNING_EXECUTIONS = 50;

/** A counting semaphore: at most `size` holders, the rest wait in arrival order. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}

export class EmbeddedStack {
  readonly executions: ExecutionRecord[] = [];
  /**
   * The expected-outputs checks, with the clock their deadlines are due by: set `expected.clock`,
   * then `expected.runDueChecks()` (lib/local/expected-outputs-runner.ts).
   */
  expected!: LocalExpectedOutputs;
  private readonly executionSlots = new Slots(LOCAL_RUNNING_EXECUTIONS);
  readonly ignoredEvents: EventBridgeS3Event[] = [];
  /** Events a subscriber (OpenLineage, run report) did not take after its retries: the DLQ's stand-in. */
  readonly undeliveredEvents: UndeliveredEvent[] = [];
  /** The run report queue's stand-in: its `invocations` say how the Output Tested events were batched. */
  runReportQueue!: LocalEventQueue;
  /** The Parameters and Secrets extension's stand-in, when the stack serves secrets (options.secrets). */
  secretsExtension: SecretsExtensionStandIn | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly arnPrefix: string;
  private served:
    | {
        readonly api: LocalStepFunctionsApi;
        readonly prepare: LocalPrepareInputs;
        readonly workflows: ServedWorkflows;
      }
    | undefined;

  private constructor(
    readonly config: EnvironmentConfig,
    /** What the workflow talks to: the servers, or what `interpose` put in front of them. */
    readonly endpoints: Endpoints,
    readonly resources: ReturnType<typeof localResourceNames>,
    private readonly s3rver: S3rver,
    private readonly dynamo: Server,
    private readonly machine: StateMachine,
    private readonly bindings: Record<string, (input: unknown) => Promise<unknown>>,
    /** Messages the state machine published to the failure topic. */
    readonly alerts: PublishedAlert[],
    /** Output Tested events the state machine put on the default bus. */
    readonly publishedEvents: PublishedEvent[],
    /** Metrics the state machine put to CloudWatch. */
    readonly publishedMetrics: PublishedMetric[],
    private readonly matches: (event: unknown) => boolean,
    private readonly s3: S3Client,
    private readonly cleanupDir: string | undefined,
    private readonly log: (line: string) => void,
    private readonly closeInterposed: (() => Promise<void>) | undefined,
    private readonly canary: CanaryMachine,
  ) {
    this.arnPrefix = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${resources.stateMachine}:`;
  }

  /** Starts the servers, creates the buckets and table, seeds contracts and wires the rule. */
  static async start(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
    const log = options.log ?? (() => undefined);
    const names = localResourceNames(options.config.name);
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'prt-local-'));

    const s3rver = new S3rver({
      address: '127.0.0.1',
      port: options.ports?.s3 ?? 0,
      silent: true,
      directory: dataDir,
      configureBuckets: [{ name: names.outputsBucket }, { name: names.artifactsBucket }],
    });
    // s3rver stores objects as files named after their keys, so a key whose `..` segments climb
    // above its bucket would write outside the server's folder. Real S3 treats such keys as plain
    // names; the stand-in refuses the ones that would escape, with an S3-style error.
    const middleware = (s3rver as unknown as { middleware: KoaMiddleware[] }).middleware;
    middleware.unshift(async (ctx, next) => {
      let path = ctx.path;
      try {
        path = decodeURIComponent(path);
      } catch {
        // leave undecodable paths to s3rver's own error handling
      }
      let depth = 0;
      for (const segment of path.split('/').slice(2)) {
        if (segment === '..') depth--;
        else if (segment !== '.' && segment !== '') depth++;
        if (depth < 0) {
          ctx.status = 400;
          ctx.type = 'application/xml';
          ctx.body =
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>The embedded S3 server refuses keys whose .. segments climb above the bucket</Message></Error>';
          return;
        }
      }
      await next();
    });
    // Server-side copies as S3 makes them (UploadPartCopy, copy preconditions): the publish step.
    middleware.unshift(s3CopyExtensions as unknown as KoaMiddleware);
    const s3Address = await s3rver.run();
    const dynamo = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.dynamodbDir !== undefined ? { path: options.dynamodbDir } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(options.ports?.dynamodb ?? 0, '127.0.0.1', () => resolve());
    });
    const dynamoAddress = dynamo.address() as AddressInfo;
    const servers: Endpoints = {
      s3: `http://127.0.0.1:${s3Address.port}`,
      dynamodb: `http://127.0.0.1:${dynamoAddress.port}`,
    };
    const interposed = options.interpose ? await options.interpose(servers) : undefined;
    const endpoints: Endpoints = interposed ? { s3: interposed.s3, dynamodb: interposed.dynamodb } : servers;

    // The handlers read these at import; only endpoints (and s3rver's quirks) differ from AWS.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      // s3rver stores a streamed upload with its checksum chunk framing inside unless checksums
      // are only sent when an operation requires them (ENVIRONMENT.md).
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      [FUNCTION_ENV.s3ForcePathStyle]: 'true',
      // Powertools: no EMF metrics on stdout and only errors in the log locally; X-Ray is off
      // outside Lambda by itself.
      POWERTOOLS_METRICS_DISABLED: process.env['POWERTOOLS_METRICS_DISABLED'] ?? 'true',
      POWERTOOLS_LOG_LEVEL: process.env['POWERTOOLS_LOG_LEVEL'] ?? 'ERROR',
      [FUNCTION_ENV.registryTable]: names.registryTable,
      [FUNCTION_ENV.artifactsBucket]: names.artifactsBucket,
      [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
      [FUNCTION_ENV.reportsPrefix]: ARTIFACT_PREFIXES.reports,
      [FUNCTION_ENV.quarantinePrefix]: ARTIFACT_PREFIXES.quarantine,
      [FUNCTION_ENV.convertedPrefix]: ARTIFACT_PREFIXES.converted,
      [FUNCTION_ENV.conversionPartsPrefix]: ARTIFACT_PREFIXES.conversionParts,
      [FUNCTION_ENV.manifestsPrefix]: ARTIFACT_PREFIXES.manifests,
      [FUNCTION_ENV.resultsPrefix]: ARTIFACT_PREFIXES.results,
      // The publish function (write-audit-publish), from the environment's publishing settings.
      ...publishingEnvironment(options.config),
      // The generate function, which the synthetic canary runs.
      [GENERATE_ENV.outputsBucket]: names.outputsBucket,
      [CONTRACT_CACHE_SECONDS_ENV]:
        process.env[CONTRACT_CACHE_SECONDS_ENV] ?? String(LOCAL_CONTRACT_CACHE_SECONDS),
      // The environment's readerLimits, as the deployed functions get them (lib/workflow-functions.ts).
      ...(Object.keys(options.config.readerLimits).length > 0
        ? { [FUNCTION_ENV.readerLimits]: readerLimitsEnvValue(options.config.readerLimits) }
        : {}),
    });

    // The OpenLineage function's transport, as the deployed construct sets it (off when absent).
    if (options.config.openLineage)
      Object.assign(process.env, openLineageEnvironment(options.config.openLineage));
    // The extension's stand-in, before any reader is imported (they read its endpoint at cold
    // start); its token is the functions' session token, as Lambda gives the extension's readers.
    const lineage = options.config.openLineage;
    const secretsExtension =
      options.secrets !== undefined || (lineage?.transport === 'http' && lineage.apiKeySecret !== undefined)
        ? await startSecretsExtension(options.secrets)
        : undefined;
    if (secretsExtension)
      Object.assign(process.env, {
        [OPENLINEAGE_ENV.secretsEndpoint]: secretsExtension.endpoint,
        AWS_SESSION_TOKEN: secretsExtension.token,
      });

    const dynamodb = localDynamoDBClient(servers.dynamodb);
    const s3 = localS3Client(servers.s3);
    await createRegistryTable(dynamodb, names.registryTable);
    if (options.contractsDir) await seedContracts(s3, names.artifactsBucket, options.contractsDir, log);

    // The deployed definition, with its substitutions filled by local names.
    const functionArn = (fn: string): string =>
      `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:prt-${options.config.name}-${fn}`;
    const substitutions: Record<string, string> = {
      [REGISTRY_TABLE_SUBSTITUTION]: names.registryTable,
      [ALERT_TOPIC_SUBSTITUTION]: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:prt-${options.config.name}-alerts`,
      [ARTIFACTS_BUCKET_SUBSTITUTION]: names.artifactsBucket,
      [MAP_RUNS_PREFIX_SUBSTITUTION]: ARTIFACT_PREFIXES.mapRuns,
      [ENVIRONMENT_NAME_SUBSTITUTION]: options.config.name,
      [S3_OBJECT_ARN_PREFIX_SUBSTITUTION]: 'arn:aws:s3:::',
      // The partitioned branch's settings, from the same environment config the deployed stack uses.
      ...partitionSubstitutions(options.config.partitions),
    };
    const handlers = new Map<string, LocalHandler>();
    const timeoutsMs = new Map(
      WORKFLOW_FUNCTIONS.map((fn) => [functionArn(fn), FUNCTION_TIMEOUT_SECONDS[fn] * 1000] as const),
    );
    for (const fn of WORKFLOW_FUNCTIONS) {
      substitutions[functionArnSubstitution(fn)] = functionArn(fn);
      const mod = await HANDLER_MODULES[fn]();
      handlers.set(functionArn(fn), options.wrapHandler ? options.wrapHandler(fn, mod.handler) : mod.handler);
    }
    const text = fillDefinition(options.repoRoot, OUTPUT_TESTING_ASL, substitutions);
    const definition = localizeDistributedMaps(JSON.parse(text) as { States: Record<string, never> });
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const alerts: PublishedAlert[] = [];
    const events: PublishedEvent[] = [];
    const metrics: PublishedMetric[] = [];
    // The default bus's rules: functions subscribed to what the state machine puts there.
    const subscribers: EventSubscriber[] = [];
    if (options.config.openLineage) {
      const mod = await SUBSCRIBER_HANDLER_MODULES.openlineage();
      subscribers.push({
        name: `prt-${options.config.name}-openlineage`,
        source: 'pipeline-runtime-testing',
        detailTypes: ['Output Tested'],
        handler: mod.handler,
        timeoutMs: OPENLINEAGE_FUNCTION_TIMEOUT_SECONDS * 1000,
      });
    }
    // The run report function, deployed in every environment (lib/run-report-writer.ts), fed by a
    // queue that hands it the events in batches.
    const runReport = {
      name: `prt-${options.config.name}-run-report`,
      handler: (await SUBSCRIBER_HANDLER_MODULES['run-report']()).handler,
      timeoutMs: RUN_REPORT_FUNCTION_TIMEOUT_SECONDS * 1000,
    };
    const runReportQueue = new LocalEventQueue(runReport, {
      size: RUN_REPORT_BATCH_SIZE,
      windowMs: LOCAL_RUN_REPORT_WINDOW_MS,
      concurrency: RUN_REPORT_MAX_CONCURRENCY,
      ...options.runReportBatching,
    });
    subscribers.push({
      ...runReport,
      source: 'pipeline-runtime-testing',
      detailTypes: ['Output Tested'],
      queue: runReportQueue,
    });
    // Set once the stack exists: the state machine's events reach the subscribers through it.
    const router: { route?: (event: PublishedEvent) => void } = {};
    const bindings = buildTaskBindings(definition, {
      handlers,
      timeoutsMs,
      dynamodb: interposed ? localDynamoDBClient(interposed.dynamodb) : dynamodb,
      s3: interposed ? localS3Client(interposed.s3) : s3,
      onAlert: (alert) => alerts.push(alert),
      onEvent: (event) => {
        events.push(event);
        router.route?.(event);
      },
      onMetric: (metric) => metrics.push(metric),
    });

    // The synthetic canary: its own definition, bound to the generate and canary handlers. Polls
    // come every second here (the local workflow is quick); their number is the environment's.
    const canaryHandlers = new Map<string, LocalHandler>();
    const canarySubstitutions: Record<string, string> = {
      [CANARY_SUBSTITUTIONS.pollSeconds]: '1',
      [CANARY_SUBSTITUTIONS.maxPolls]: String(
        Math.max(options.config.canary?.maxPolls ?? 0, LOCAL_CANARY_POLLS),
      ),
    };
    for (const fn of ['generate', 'canary'] as const) {
      const mod = await CANARY_HANDLER_MODULES[fn]();
      canaryHandlers.set(
        functionArn(fn),
        options.wrapHandler ? options.wrapHandler(fn, mod.handler) : mod.handler,
      );
      timeoutsMs.set(functionArn(fn), (fn === 'generate' ? 900 : 120) * 1000);
    }
    canarySubstitutions[CANARY_SUBSTITUTIONS.generateFunctionArn] = functionArn('generate');
    canarySubstitutions[CANARY_SUBSTITUTIONS.canaryFunctionArn] = functionArn('canary');
    const canaryDefinition = JSON.parse(
      fillDefinition(options.repoRoot, SYNTHETIC_CANARY_ASL, canarySubstitutions),
    ) as { States: Record<string, never> };
    const canary: CanaryMachine = {
      machine: new StateMachine(canaryDefinition as never, { validationOptions: { checkArn: false } }),
      bindings: buildTaskBindings(canaryDefinition, {
        handlers: canaryHandlers,
        timeoutsMs,
        dynamodb: interposed ? localDynamoDBClient(interposed.dynamodb) : dynamodb,
        s3: interposed ? localS3Client(interposed.s3) : s3,
        onAlert: (alert) => alerts.push(alert),
        onEvent: (event) => events.push(event),
      }),
    };

    const pattern = buildArrivalPattern({
      bucketName: names.outputsBucket,
      watchedPrefixes: arrivalPrefixes(options.config),
      partitionedPrefixes: options.config.partitions.prefixes,
    });
    const stack = new EmbeddedStack(
      options.config,
      endpoints,
      names,
      s3rver,
      dynamo,
      machine,
      bindings,
      alerts,
      events,
      metrics,
      compileEventPattern(pattern),
      s3,
      options.dataDir ? undefined : dataDir,
      log,
      interposed?.close,
      canary,
    );
    stack.secretsExtension = secretsExtension;
    stack.runReportQueue = runReportQueue;
    s3rver.on('event', (notification: unknown) => stack.onS3Notification(notification));
    // Expected outputs: deadlines due by a clock the caller moves, Output Tested events as the rule delivers them.
    stack.expected = await LocalExpectedOutputs.create({
      repoRoot: options.repoRoot,
      environment: options.config.name,
      alertTopicArn: substitutions[ALERT_TOPIC_SUBSTITUTION]!,
      functionArn: functionArn('check-expected'),
      dynamodb: interposed ? localDynamoDBClient(interposed.dynamodb) : dynamodb,
      onAlert: (alert) => alerts.push(alert),
      onEvent: (event) => events.push(event),
      ...(options.wrapHandler ? { wrapHandler: options.wrapHandler } : {}),
    });
    router.route = (event) => {
      stack.track(deliverToSubscribers(subscribers, event, stack.undeliveredEvents, log));
      stack.track(stack.expected.onOutputTested(event));
    };
    log(`embedded stack: S3 ${endpoints.s3}, DynamoDB ${endpoints.dynamodb}`);
    return stack;
  }

  private onS3Notification(notification: unknown): void {
    let events: EventBridgeS3Event[];
    try {
      events = toEventBridgeEvents(notification, { account: LOCAL_ACCOUNT, region: LOCAL_REGION });
    } catch (error) {
      this.log(`dropped a malformed S3 notification: ${(error as Error).message}`);
      return;
    }
    for (const event of events) this.track(this.deliver(event));
  }

  /** Routes an event as the EventBridge rule would; returns the execution started, if any. */
  async deliver(event: EventBridgeS3Event): Promise<ExecutionRecord | undefined> {
    let complete = event;
    if (event['detail-type'] === 'Object Created' && event.detail.object.etag === undefined) {
      // s3rver's Copy events lack the ETag S3 always sends; fill it from the object itself.
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: event.detail.bucket.name, Key: event.detail.object.key }),
      );
      complete = {
        ...event,
        detail: {
          ...event.detail,
          object: { ...event.detail.object, etag: (head.ETag ?? '').replace(/"/g, '') },
        },
      };
    }
    if (!this.matches(complete)) {
      this.ignoredEvents.push(complete);
      return undefined;
    }
    return this.startExecution(complete);
  }

  private async startExecution(input: EventBridgeS3Event): Promise<ExecutionRecord> {
    // Past LOCAL_RUNNING_EXECUTIONS the event waits here, as EventBridge holds and retries an event
    // whose StartExecution was throttled: nothing of the execution has started, so no state's time
    // runs while it waits.
    await this.executionSlots.acquire();
    try {
      return await this.runExecution(input);
    } finally {
      this.executionSlots.release();
    }
  }

  private runExecution(input: EventBridgeS3Event): Promise<ExecutionRecord> {
    const name = randomUUID();
    const record: ExecutionRecord = {
      executionArn: `${this.arnPrefix}${name}`,
      name,
      input,
      status: 'RUNNING',
      path: [],
      startDate: new Date().toISOString(),
    };
    this.executions.push(record);
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.bindings as never },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: name,
          RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
        },
        StateMachine: {
          Id: record.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
          Name: this.resources.stateMachine,
        },
        // The interpreter does not maintain $$.State; a getter gives the time the path is read,
        // which is when the state runs.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      },
    });
    const follow = (async () => {
      for await (const ev of execution.eventLogs) {
        const e = ev as { type: string; state?: { name: string } };
        if (e.type === 'StateEntered' && e.state) record.path.push(e.state.name);
      }
    })();
    return (async () => {
      try {
        record.output = await execution.result;
        record.status = 'SUCCEEDED';
      } catch (error) {
        // The interpreter wraps the failure; the wrapped error carries the Fail state's Error/Cause.
        const outer = error as Error & { cause?: unknown };
        const e = outer.cause instanceof Error ? outer.cause : outer;
        record.status = 'FAILED';
        record.error = e.name;
        record.cause = e.message;
      }
      await follow.catch(() => undefined);
      record.stopDate = new Date().toISOString();
      this.log(`${executionOutcome(record).padEnd(9)} ${input.detail.object.key}   (execution ${name})`);
      return record;
    })();
  }

  private track(p: Promise<unknown>): void {
    const done: Promise<void> = p.then(
      () => undefined,
      (error: unknown) => this.log(`event delivery failed: ${(error as Error).message}`),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** Resolves when no delivery or execution is in flight. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 || this.executions.some((e) => e.status === 'RUNNING')) {
      if (Date.now() > deadline) throw new Error(`embedded stack still busy after ${timeoutMs} ms`);
      await Promise.race([...this.running, new Promise((r) => setTimeout(r, 20))]);
    }
  }

  /**
   * Runs the synthetic canary once, as the deployed schedule does (its input: the environment's
   * canary settings, `contracts` and `rows`, overridable here), and returns the execution's end
   * and the Canary Passed/Failed event it published. The outputs it generates are tested by the
   * output-testing workflow like any arrival, so this waits for those executions too.
   */
  async runCanary(input: CanaryInput = {}): Promise<CanaryRun> {
    const settings = this.config.canary;
    const request = {
      ...(settings?.contracts ? { contracts: settings.contracts } : {}),
      ...(settings?.rows !== undefined ? { rows: settings.rows } : {}),
      ...input,
    };
    const name = randomUUID();
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.resources.stateMachine}-canary:${name}`;
    const execution = this.canary.machine.run(request as never, {
      overrides: { taskResourceLocalHandlers: this.canary.bindings as never },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
        StateMachine: {
          Id: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
          Name: `${this.resources.stateMachine}-canary`,
        },
      },
    });
    let status: ExecutionStatus = 'SUCCEEDED';
    let error: string | undefined;
    let cause: string | undefined;
    try {
      await execution.result;
    } catch (e) {
      const outer = e as Error & { cause?: unknown };
      const inner = outer.cause instanceof Error ? outer.cause : outer;
      status = 'FAILED';
      error = inner.name;
      cause = inner.message;
    }
    // The removals start executions of their own (deletions); let them finish before returning.
    await this.idle(120_000);
    const published = this.publishedEvents.find(
      (e) =>
        e.detailType.startsWith('Canary ') &&
        (JSON.parse(e.detail) as { execution?: string }).execution === executionArn,
    );
    this.log(`canary    ${status}   (execution ${name})`);
    return {
      executionArn,
      status,
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
      ...(published
        ? {
            event: {
              detailType: published.detailType,
              detail: JSON.parse(published.detail) as CanaryEventDetail,
            },
          }
        : {}),
    };
  }

  /**
   * Serves the workflows the CLI starts by request, the synthetic canary and prepare-inputs, on a
   * loopback Step Functions API (local-step-functions-api.ts), as a deployed environment serves
   * them: `prt canary` and `prt inputs prepare --state-machine` then reach this stack as they reach
   * AWS. The output-testing workflow needs no API: uploads start it. Called once, by `--serve`.
   */
  async serveWorkflows(options: {
    readonly repoRoot: string;
    readonly port?: number;
  }): Promise<ServedWorkflows> {
    if (this.served) return this.served.workflows;
    const machineArn = (name: string) =>
      `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
    const prepare = await LocalPrepareInputs.start({
      repoRoot: options.repoRoot,
      config: this.config,
      outputsBucket: this.resources.outputsBucket,
      dynamodbEndpoint: this.endpoints.dynamodb,
    });
    const workflows: ServedWorkflows = {
      canary: machineArn(`${this.resources.stateMachine}-canary`),
      prepareInputs: machineArn(`prt-${this.config.name}-prepare-inputs`),
    };
    const canary: LocalWorkflow = async (input) => {
      const run = await this.runCanary(canaryInputOf(input));
      const verdict = run.event?.detail.verdict;
      // The deployed definition ends in Passed with the verdict as output, or in a Fail state.
      if (run.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: verdict ?? null };
      return {
        status: 'FAILED',
        ...(run.error !== undefined ? { error: run.error } : {}),
        ...(run.cause !== undefined ? { cause: run.cause } : {}),
      };
    };
    const prepareInputs: LocalWorkflow = async (input) => {
      const end = await prepare.run(input as Readonly<Record<string, unknown>>);
      return end;
    };
    const api = await LocalStepFunctionsApi.start(
      new Map([
        [workflows.canary, canary],
        [workflows.prepareInputs, prepareInputs],
      ]),
      options.port ?? 0,
    );
    this.served = { api, prepare, workflows: { ...workflows, endpoint: api.endpoint } };
    this.log(`embedded stack: Step Functions ${api.endpoint} (canary, prepare-inputs)`);
    return this.served.workflows;
  }

  /** The workflows `serveWorkflows` serves, once it has. */
  get servedWorkflows(): ServedWorkflows | undefined {
    return this.served?.workflows;
  }

  /** Uploads a contract file (as `prt contract push` will). */
  async putContract(name: string, body: string | Uint8Array): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.resources.artifactsBucket,
        Key: `${ARTIFACT_PREFIXES.contracts}${name}`,
        Body: body,
      }),
    );
  }

  /** Removes a contract file from the artifacts bucket (a contract deleted while serving). */
  async deleteContract(name: string): Promise<void> {
    await this.s3.send(
      new DeleteObjectCommand({
        Bucket: this.resources.artifactsBucket,
        Key: `${ARTIFACT_PREFIXES.contracts}${name}`,
      }),
    );
  }

  async stop(): Promise<void> {
    if (this.served) {
      await this.served.api.stop();
      await this.served.prepare.stop();
    }
    await this.idle().catch(() => undefined);
    await this.closeInterposed?.();
    await this.secretsExtension?.stop();
    await this.s3rver.close();
    await new Promise<void>((resolve) => this.dynamo.close(() => resolve()));
    if (this.cleanupDir) rmSync(this.cleanupDir, { recursive: true, force: true });
  }
}

/** A definition file with its `${...}` placeholders filled; a placeholder without a value is an error. */
function fillDefinition(repoRoot: string, file: string, substitutions: Record<string, string>): string {
  return readFileSync(join(repoRoot, file), 'utf8').replace(/\$\{(\w+)\}/g, (_whole, name: string) => {
    const value = substitutions[name];
    if (value === undefined)
      throw new Error(`${file} uses \${${name}}, which the embedded stack does not provide`);
    return value;
  });
}

async function createRegistryTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const layout = REGISTRY_TABLE_LAYOUT;
  const attributes = new Map<string, 'S'>();
  for (const k of [
    layout.partitionKey,
    layout.sortKey,
    ...layout.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  ]) {
    attributes.set(k.name, k.type);
  }
  // A registry kept in a state folder (dynamodbDir) already has its table from the earlier run.
  const exists = await dynamodb.send(new DescribeTableCommand({ TableName: tableName })).then(
    () => true,
    (error: unknown) => {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    },
  );
  if (exists) return;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: layout.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: layout.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: layout.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: g.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
}

async function seedContracts(
  s3: S3Client,
  bucket: string,
  dir: string,
  log: (line: string) => void,
): Promise<void> {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ya?ml|json)$/i.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const key = `${ARTIFACT_PREFIXES.contracts}${relative(dir, path).split('\\').join('/')}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path) }));
    log(`seeded contract s3://${bucket}/${key}`);
  }
}
