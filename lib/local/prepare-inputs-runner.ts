/**
 * The prepare-inputs workflow on the embedded stack: the deployed ASL file
 * (statemachines/prepare-inputs.asl.json) run by the local interpreter, its Task states bound to the
 * real download handler, and a loopback stand-in of the Parameters and Secrets extension serving
 * the masking key (a random key per start, as the deployed stack generates one per environment).
 * The handler does not know it is local: only the extension's endpoint differs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { DOWNLOAD_ENV } from '../../lambdas/runtime/function-environment';
import { stagingTargetsEnvValue, type StagingTarget } from '../../lambdas/runtime/staging-targets-env';
import type { EnvironmentConfig } from '../config/environment-config';
import {
  DOWNLOAD_FUNCTION_SUBSTITUTION,
  DOWNLOAD_TIMEOUT_SECONDS,
  PREPARE_INPUTS_ASL,
} from '../config/prepare-inputs-definition';
import { localDynamoDBClient, LOCAL_ACCOUNT, LOCAL_REGION } from './local-clients';
import { buildTaskBindings, type LocalHandler } from './task-bindings';

/** The secret id the local function is given; the stand-in serves only this one. */
export const LOCAL_MASKING_KEY_SECRET = 'prt/local/masking-key';

export interface PrepareInputsOutcome {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export class LocalPrepareInputs {
  private constructor(
    private readonly machine: StateMachine,
    private readonly bindings: Record<string, (input: unknown) => Promise<unknown>>,
    private readonly secrets: Server,
    private readonly machineName: string,
  ) {}

  /**
   * Sets the download function's variables (before its module is loaded: it reads them at cold
   * start), starts the secrets stand-in and binds the definition to the handler.
   */
  static async start(options: {
    readonly repoRoot: string;
    readonly config: EnvironmentConfig;
    readonly outputsBucket: string;
    readonly dynamodbEndpoint: string;
    /**
     * Staging targets other than the config's (another bucket of the embedded S3 server standing in
     * for another environment's), and the STS endpoint their roles are assumed at (lib/local/local-sts.ts).
     */
    readonly targets?: { readonly targets: readonly StagingTarget[]; readonly stsEndpoint: string };
  }): Promise<LocalPrepareInputs> {
    const key = randomBytes(32).toString('hex');
    const secrets = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const known =
        url.pathname === '/secretsmanager/get' &&
        url.searchParams.get('secretId') === LOCAL_MASKING_KEY_SECRET;
      response.writeHead(known ? 200 : 400, { 'content-type': 'application/json' });
      response.end(JSON.stringify(known ? { SecretString: key } : { message: 'unknown secret' }));
    });
    await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
    const port = (secrets.address() as AddressInfo).port;
    Object.assign(process.env, {
      [DOWNLOAD_ENV.stagingBucket]: options.outputsBucket,
      [DOWNLOAD_ENV.stagingPrefix]: options.config.staging.prefix,
      [DOWNLOAD_ENV.maskingKeySecret]: LOCAL_MASKING_KEY_SECRET,
      [DOWNLOAD_ENV.secretsEndpoint]: `http://127.0.0.1:${port}`,
    });
    if (options.targets)
      Object.assign(process.env, {
        [DOWNLOAD_ENV.targets]: stagingTargetsEnvValue(options.targets.targets),
        AWS_ENDPOINT_URL_STS: options.targets.stsEndpoint,
      });
    const name = `prt-${options.config.name}-prepare-inputs`;
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:prt-${options.config.name}-download`;
    const text = readFileSync(join(options.repoRoot, PREPARE_INPUTS_ASL), 'utf8').replaceAll(
      `\${${DOWNLOAD_FUNCTION_SUBSTITUTION}}`,
      arn,
    );
    const definition = JSON.parse(text) as { States: Record<string, never> };
    const mod = (await import('../../lambdas/download/handler')) as { handler: LocalHandler };
    const bindings = buildTaskBindings(definition, {
      handlers: new Map([[arn, mod.handler]]),
      timeoutsMs: new Map([[arn, DOWNLOAD_TIMEOUT_SECONDS * 1000]]),
      dynamodb: localDynamoDBClient(options.dynamodbEndpoint),
      onAlert: () => undefined,
    });
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    return new LocalPrepareInputs(machine, bindings, secrets, name);
  }

  /** Runs one execution to its end: `{ step, runId?, pins?, sample?, mask?, format? }`. */
  async run(input: Readonly<Record<string, unknown>>): Promise<PrepareInputsOutcome> {
    const name = randomUUID();
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.machineName}:${name}`;
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.bindings as never },
      context: { Execution: { Id: executionArn, Name: name } },
    });
    try {
      return { executionArn, status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      // The interpreter wraps the failure; the wrapped error carries the Fail state's Error/Cause.
      const outer = error as Error & { cause?: unknown };
      const e = outer.cause instanceof Error ? outer.cause : outer;
      return { executionArn, status: 'FAILED', error: e.name, cause: e.message };
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.secrets.close(() => resolve()));
  }
}
