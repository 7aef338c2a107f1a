/**
 * The target of the integration suite, chosen by one switch, with real SDK clients pointed at it
 * exactly as a user's pipeline or notebook would configure them:
 *
 * - `PRT_TEST_TARGET` unset or `embedded` (default): starts the embedded stack for the test file.
 * - `PRT_TEST_TARGET=stack`: any deployed stack (LocalStack, an AWS account). Endpoints, region and
 *   credentials come from the standard AWS variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE...);
 *   resource names from the CDK outputs file `PRT_STACK_OUTPUTS` (`cdk deploy --outputs-file`,
 *   stack `PRT_STACK_NAME` when the file holds several); `PRT_S3_FORCE_PATH_STYLE=true` for S3
 *   endpoints without bucket subdomains (LocalStack on localhost). Alerts are read back through a
 *   temporary SQS queue subscribed to the alert topic (`PRT_ALERT_QUEUE_URL`: use an already
 *   subscribed queue instead; `PRT_TEST_ALERTS=off`: do not subscribe, alert checks are skipped).
 *
 * Tests observe outcomes the same way on both: they upload through S3, wait for the registry item
 * to leave `pending` (and the object's executions to stop), and read executions as the Step
 * Functions API shows them. What only one target can do is declared in `capabilities`, so a test
 * that needs it says so and skips that one case visibly.
 *
 * `h.stack` (the EmbeddedStack itself) remains for tests written before the switch; it throws on a
 * deployed target, naming what to use instead.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { type OutputRegistry, type RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { DynamoOutputRegistry } from '../../lambdas/adapters/aws/dynamo-output-registry';
import {
  EmbeddedStack,
  type EmbeddedStackOptions,
  LOCAL_ACCOUNT,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';
import type { EventBridgeS3Event } from '../../lib/local/s3-event-to-eventbridge';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { FUNCTION_ENV } from '../../lambdas/runtime/function-environment';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import {
  AlertQueue,
  DeployedExecutions,
  TargetConfigurationError,
  readStackOutputs,
  type AlertView,
  type ExecutionView,
  type TargetResources,
} from '../fixtures/deployed-stack-target';

export type { AlertView, ExecutionView, TargetResources } from '../fixtures/deployed-stack-target';

export type TargetKind = 'embedded' | 'stack';

/** What a target can do beyond the common API; a test needing one of these skips visibly without it. */
export interface Capabilities {
  /** The outputs bucket is versioned: objects get version ids (the embedded S3 server has no versioning). */
  readonly objectVersions: boolean;
  /** Alerts published to the topic can be read back. */
  readonly alerts: boolean;
  /** Output Tested events put on the default bus can be read back (the embedded stack records them). */
  readonly outputTestedEvents: boolean;
}

export interface UploadedObject {
  readonly key: string;
  readonly uri: string;
  /** Without quotes, as S3 events carry it. */
  readonly etag: string;
  readonly versionId: string | undefined;
}

export interface Harness {
  readonly target: TargetKind;
  readonly capabilities: Capabilities;
  /** Why a capability is missing, for the visible skip message. */
  readonly missing: Readonly<Partial<Record<keyof Capabilities, string>>>;
  readonly resources: TargetResources;
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  readonly registry: OutputRegistry;
  /** The embedded stack; throws on a deployed target. */
  readonly stack: EmbeddedStack;
  /** A pipeline run id unique to this harness (`run-10-k3x9q`), so runs against a long-lived stack do not collide. */
  runId(base: string): string;
  upload(key: string, body: string | Uint8Array): Promise<UploadedObject>;
  /** The registry item of the last upload of `key`, once it has left `pending` and the key's executions have stopped. */
  waitForStatus(key: string): Promise<RegistryEntry>;
  /** The key's executions, once at least `count` exist and none is running. */
  waitForExecutions(key: string, count?: number): Promise<ExecutionView[]>;
  executionsFor(key: string): Promise<ExecutionView[]>;
  /** Lets in-flight deliveries finish before asserting that something did NOT happen. */
  settle(): Promise<void>;
  /** Delivers an event again, as EventBridge does at least once (StartExecution with the same input). */
  redeliver(input: EventBridgeS3Event): Promise<void>;
  /** Alerts naming `uri`, once `count` have arrived (or the wait ends). Requires capabilities.alerts. */
  alertsFor(uri: string, count?: number): Promise<AlertView[]>;
  /** Environment for a child process (the CLI) that should reach the same target. */
  cliEnv(): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

const TERMINAL_STATUSES = new Set(['passed', 'warned', 'failed', 'error', 'untracked']);

export function targetKind(env: NodeJS.ProcessEnv = process.env): TargetKind {
  const value = env['PRT_TEST_TARGET'] ?? 'embedded';
  if (value !== 'embedded' && value !== 'stack') {
    throw new TargetConfigurationError(`PRT_TEST_TARGET=${value}: expected "embedded" (default) or "stack"`);
  }
  return value;
}

/** Polls `probe` until it returns a value, or fails naming what was awaited. */
async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface TargetParts {
  readonly target: TargetKind;
  readonly capabilities: Capabilities;
  readonly missing: Partial<Record<keyof Capabilities, string>>;
  readonly resources: TargetResources;
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  readonly embedded: EmbeddedStack | undefined;
  readonly executionsFor: (key: string) => Promise<ExecutionView[]>;
  readonly redeliver: (input: EventBridgeS3Event) => Promise<void>;
  readonly alertsAbout: ((uri: string) => Promise<AlertView[]>) | undefined;
  readonly settle: () => Promise<void>;
  readonly cliEnv: () => NodeJS.ProcessEnv;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly close: () => Promise<void>;
}

/** What a test may change about the embedded stack it starts (a deployed target ignores none: it refuses). */
export interface HarnessOptions {
  /** Wraps a function's handler (EmbeddedStackOptions.wrapHandler): a test breaks a step on purpose. */
  readonly wrapHandler?: EmbeddedStackOptions['wrapHandler'];
  /**
   * How the run report queue's stand-in batches Output Tested events (EmbeddedStackOptions.runReportBatching).
   * A deployed target keeps its own event source mapping: there the option changes nothing.
   */
  readonly runReportBatching?: EmbeddedStackOptions['runReportBatching'];
}

async function startEmbedded(options: HarnessOptions = {}): Promise<TargetParts> {
  const stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    contractsDir: join(PROJECT_ROOT, 'contracts'),
    ...(options.wrapHandler ? { wrapHandler: options.wrapHandler } : {}),
    ...(options.runReportBatching ? { runReportBatching: options.runReportBatching } : {}),
  });
  const s3 = localS3Client(stack.endpoints.s3);
  const db = localDocumentClient(stack.endpoints.dynamodb);
  const toView = (e: EmbeddedStack['executions'][number]): ExecutionView => ({
    executionArn: e.executionArn,
    status: e.status,
    error: e.error,
    cause: e.cause,
    path: [...e.path],
    input: e.input,
    startDate: new Date(e.startDate),
  });
  return {
    target: 'embedded',
    capabilities: { objectVersions: false, alerts: true, outputTestedEvents: true },
    missing: { objectVersions: 'the embedded S3 server (s3rver) has no versioning' },
    resources: {
      outputsBucket: stack.resources.outputsBucket,
      artifactsBucket: stack.resources.artifactsBucket,
      registryTable: stack.resources.registryTable,
      stateMachineArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stack.resources.stateMachine}`,
      alertTopicArn: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:prt-${stack.config.name}-alerts`,
    },
    s3,
    db,
    embedded: stack,
    executionsFor: (key) =>
      Promise.resolve(stack.executions.filter((e) => e.input.detail.object.key === key).map(toView)),
    redeliver: async (input) => {
      await stack.deliver(input);
    },
    alertsAbout: (uri) =>
      Promise.resolve(
        stack.alerts
          .map((a) => ({ subject: a.subject, message: JSON.parse(a.message) as Record<string, unknown> }))
          .filter((a) => a.message['uri'] === uri),
      ),
    // In process, "nothing more will happen" is exact: no delivery or execution is in flight.
    settle: () => stack.idle(),
    cliEnv: () => ({
      ...process.env,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      [FUNCTION_ENV.s3ForcePathStyle]: 'true',
    }),
    waitMs: 60_000,
    pollMs: 20,
    close: async () => {
      s3.destroy();
      db.destroy();
      await stack.stop();
    },
  };
}

async function connectToStack(env: NodeJS.ProcessEnv): Promise<TargetParts> {
  const outputsFile = env['PRT_STACK_OUTPUTS'];
  if (!outputsFile) {
    throw new TargetConfigurationError(
      'PRT_TEST_TARGET=stack needs PRT_STACK_OUTPUTS, the outputs file of `cdk deploy --outputs-file` (e.g. localstack/outputs.json)',
    );
  }
  const resources = readStackOutputs(outputsFile, env['PRT_STACK_NAME']);
  const forcePathStyle = env[FUNCTION_ENV.s3ForcePathStyle] === 'true';
  // Region, credentials and endpoints (AWS_ENDPOINT_URL[_<SERVICE>]) are the SDK's own defaults.
  const s3 = new S3Client({ forcePathStyle });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const sfn = new SFNClient({});
  const executions = new DeployedExecutions(sfn, resources.stateMachineArn, new Date());
  const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: resources.outputsBucket }));

  const missing: Partial<Record<keyof Capabilities, string>> = {};
  if (versioning.Status !== 'Enabled')
    missing.objectVersions = `bucket ${resources.outputsBucket} is not versioned`;
  let alerts: AlertQueue | undefined;
  if (env['PRT_TEST_ALERTS'] === 'off') {
    missing.alerts = 'PRT_TEST_ALERTS=off: no queue is subscribed to the alert topic';
  } else {
    try {
      alerts = await AlertQueue.open(resources.alertTopicArn, env['PRT_ALERT_QUEUE_URL']);
    } catch (error) {
      missing.alerts = `cannot subscribe a queue to ${resources.alertTopicArn}: ${(error as Error).message}`;
    }
  }
  const waitMs = Number(env['PRT_TEST_WAIT_SECONDS'] ?? '100') * 1000;
  const quietMs = Number(env['PRT_TEST_QUIET_SECONDS'] ?? '15') * 1000;
  return {
    target: 'stack',
    capabilities: {
      objectVersions: missing.objectVersions === undefined,
      alerts: alerts !== undefined,
      outputTestedEvents: false,
    },
    missing: {
      ...missing,
      outputTestedEvents: 'reading the default bus back needs a rule and a queue this suite does not deploy',
    },
    resources,
    s3,
    db,
    embedded: undefined,
    executionsFor: (key) => executions.forKey(key),
    redeliver: (input) => executions.start(input),
    alertsAbout: alerts ? (uri) => alerts.about(uri) : undefined,
    // A deployed rule gives no "idle" signal: wait long enough for a delivery that would happen.
    settle: () => new Promise((resolve) => setTimeout(resolve, quietMs)),
    cliEnv: () => ({ ...process.env }),
    waitMs,
    pollMs: 1000,
    close: async () => {
      await alerts?.close();
      s3.destroy();
      db.destroy();
      sfn.destroy();
    },
  };
}

export async function startHarness(
  env: NodeJS.ProcessEnv = process.env,
  options: HarnessOptions = {},
): Promise<Harness> {
  const kind = targetKind(env);
  if (kind !== 'embedded' && options.wrapHandler)
    throw new Error(
      "wrapHandler changes the embedded stack's functions; a deployed stack cannot be changed by a test",
    );
  const parts = kind === 'embedded' ? await startEmbedded(options) : await connectToStack(env);
  const registry = new DynamoOutputRegistry(parts.db, parts.resources.registryTable);
  const uploads = new Map<string, UploadedObject>();
  const suffix = Date.now().toString(36);

  const executionsStopped = async (key: string, count: number) => {
    const found = await parts.executionsFor(key);
    return found.length >= count && found.every((e) => e.status !== 'RUNNING') ? found : undefined;
  };

  return {
    target: parts.target,
    capabilities: parts.capabilities,
    missing: parts.missing,
    resources: parts.resources,
    s3: parts.s3,
    db: parts.db,
    registry,
    get stack(): EmbeddedStack {
      if (!parts.embedded) {
        throw new Error(
          'h.stack is the embedded stack, and PRT_TEST_TARGET=stack runs against a deployed one: use h.resources, h.upload, h.waitForStatus, h.executionsFor, h.alertsFor, h.cliEnv',
        );
      }
      return parts.embedded;
    },
    runId: (base) => `${base}-${suffix}`,
    async upload(key, body) {
      const put = await parts.s3.send(
        new PutObjectCommand({
          Bucket: parts.resources.outputsBucket,
          Key: key,
          Body: typeof body === 'string' ? Buffer.from(body) : body,
        }),
      );
      const uploaded: UploadedObject = {
        key,
        uri: `s3://${parts.resources.outputsBucket}/${key}`,
        etag: (put.ETag ?? '').replace(/"/g, ''),
        versionId: put.VersionId,
      };
      uploads.set(key, uploaded);
      return uploaded;
    },
    async waitForStatus(key) {
      const uploaded = uploads.get(key);
      if (!uploaded) throw new Error(`waitForStatus(${key}): upload it with h.upload first`);
      // The version the event names: its version id on a versioned bucket, else its ETag.
      const version = uploaded.versionId ?? `etag:${uploaded.etag}`;
      return waitUntil(
        `a final registry status for ${uploaded.uri} (${version})`,
        async () => {
          const entry = await registry.find(uploaded.uri, version);
          if (!entry || !TERMINAL_STATUSES.has(entry.status)) return undefined;
          return (await executionsStopped(key, 1)) ? entry : undefined;
        },
        parts.waitMs,
        parts.pollMs,
      );
    },
    waitForExecutions(key, count = 1) {
      return waitUntil(
        `${count} stopped execution(s) for ${key}`,
        () => executionsStopped(key, count),
        parts.waitMs,
        parts.pollMs,
      );
    },
    executionsFor: (key) => parts.executionsFor(key),
    settle: () => parts.settle(),
    redeliver: (input) => parts.redeliver(input),
    async alertsFor(uri, count = 1) {
      const about = parts.alertsAbout;
      if (!about)
        throw new Error(`alerts cannot be observed on this target: ${parts.missing.alerts ?? 'unknown'}`);
      let latest: AlertView[] = [];
      await waitUntil(
        `${count} alert(s) about ${uri}`,
        async () => {
          latest = await about(uri);
          return latest.length >= count ? latest : undefined;
        },
        parts.waitMs,
        parts.pollMs,
      ).catch(() => undefined);
      return latest;
    },
    cliEnv: () => parts.cliEnv(),
    close: () => parts.close(),
  };
}

/**
 * Skips the running test when the target lacks `capability`, visibly: a console line naming the
 * target and the reason, and the reason as the test's skip note. Only that one case is skipped;
 * callers assert first that the capability is really absent, so a target that gains it fails the
 * check and the case gets enabled.
 */
export function skipWithout(h: Harness, ctx: TestContext, capability: keyof Capabilities): void {
  if (h.capabilities[capability]) return;
  const note = `${h.target} target: ${h.missing[capability] ?? `no ${capability}`}`;
  console.warn(`skipped "${ctx.task.name}" (${note})`);
  ctx.skip(note);
}
