/**
 * The two Step Functions API calls the CLI makes (StartExecution, DescribeExecution), served on
 * loopback for the workflows the embedded stack runs on request (the synthetic canary and
 * prepare-inputs), so `prt canary` and `prt inputs prepare --state-machine` reach a served stack
 * through the same SDK client and adapter (lambdas/adapters/aws/step-functions-executions.ts) they
 * use against AWS. It speaks the service's JSON 1.0 protocol (`X-Amz-Target: AWSStepFunctions.<Op>`)
 * and nothing else: any other operation is an UnknownOperationException, as the service answers.
 *
 * Limits, as the service's: an input of at most 256 KiB; executions are kept for DescribeExecution
 * up to MAX_KEPT_EXECUTIONS, the oldest finished ones forgotten first.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a local workflow ended, as DescribeExecution reports it. */
export interface LocalExecutionEnd {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** Runs one execution of a workflow to its end, never rejecting (a failure is a FAILED end). */
export type LocalWorkflow = (input: unknown, executionArn: string) => Promise<LocalExecutionEnd>;

/** Step Functions' own limit on an execution's input. */
export const MAX_INPUT_BYTES = 256 * 1024;
export const MAX_KEPT_EXECUTIONS = 1_000;

interface Execution {
  readonly stateMachineArn: string;
  readonly startDate: Date;
  end?: LocalExecutionEnd & { readonly stopDate: Date };
}

export class LocalStepFunctionsApi {
  private readonly executions = new Map<string, Execution>();
  private readonly running = new Set<Promise<void>>();

  private constructor(
    private readonly server: Server,
    /** The address to give AWS_ENDPOINT_URL_SFN. */
    readonly endpoint: string,
    private readonly workflows: ReadonlyMap<string, LocalWorkflow>,
  ) {}

  /** Listens on loopback (`port` 0: any free port) for the state machines named by ARN. */
  static async start(
    workflows: ReadonlyMap<string, LocalWorkflow>,
    port = 0,
  ): Promise<LocalStepFunctionsApi> {
    const answering: { api?: LocalStepFunctionsApi } = {};
    const server = createServer((request, response) => {
      void answering.api?.answer(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    answering.api = new LocalStepFunctionsApi(server, `http://127.0.0.1:${address.port}`, workflows);
    return answering.api;
  }

  /** Resolves when no execution started here is still running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    await this.idle();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    const fault = (status: number, type: string, message: string): void =>
      reply(status, { __type: type, message });
    try {
      const body = await readBody(request);
      if (body === undefined)
        return fault(400, 'ValidationException', `the request is larger than ${MAX_INPUT_BYTES} bytes`);
      const target = request.headers['x-amz-target'];
      const params = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
      if (target === 'AWSStepFunctions.StartExecution') return this.startExecution(params, reply, fault);
      if (target === 'AWSStepFunctions.DescribeExecution')
        return this.describeExecution(params, reply, fault);
      return fault(
        400,
        'UnknownOperationException',
        `the local Step Functions API serves StartExecution and DescribeExecution, not ${String(target)}`,
      );
    } catch (error) {
      return fault(400, 'SerializationException', (error as Error).message);
    }
  }

  private startExecution(
    params: Record<string, unknown>,
    reply: (status: number, body: unknown) => void,
    fault: (status: number, type: string, message: string) => void,
  ): void {
    const arn = params['stateMachineArn'];
    const workflow = typeof arn === 'string' ? this.workflows.get(arn) : undefined;
    if (typeof arn !== 'string' || workflow === undefined)
      return fault(400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    let input: unknown = {};
    if (params['input'] !== undefined) {
      if (typeof params['input'] !== 'string')
        return fault(400, 'InvalidExecutionInput', 'input must be a string');
      try {
        input = JSON.parse(params['input']);
      } catch (error) {
        return fault(400, 'InvalidExecutionInput', `input is not JSON: ${(error as Error).message}`);
      }
    }
    const name = typeof params['name'] === 'string' ? params['name'] : randomUUID();
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn))
      return fault(400, 'ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    const execution: Execution = { stateMachineArn: arn, startDate: new Date() };
    this.keep(executionArn, execution);
    const done = workflow(input, executionArn)
      .catch((error: unknown): LocalExecutionEnd => ({
        status: 'FAILED',
        error: (error as Error).name,
        cause: (error as Error).message,
      }))
      .then((end) => {
        execution.end = { ...end, stopDate: new Date() };
      });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    reply(200, { executionArn, startDate: execution.startDate.getTime() / 1000 });
  }

  private describeExecution(
    params: Record<string, unknown>,
    reply: (status: number, body: unknown) => void,
    fault: (status: number, type: string, message: string) => void,
  ): void {
    const arn = params['executionArn'];
    const execution = typeof arn === 'string' ? this.executions.get(arn) : undefined;
    if (execution === undefined)
      return fault(400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    const { end } = execution;
    reply(200, {
      executionArn: arn,
      stateMachineArn: execution.stateMachineArn,
      status: end?.status ?? 'RUNNING',
      startDate: execution.startDate.getTime() / 1000,
      ...(end ? { stopDate: end.stopDate.getTime() / 1000 } : {}),
      // As the service: an output only for a succeeded execution, error and cause for a failed one.
      ...(end?.status === 'SUCCEEDED' ? { output: JSON.stringify(end.output ?? null) } : {}),
      ...(end?.status === 'FAILED' && end.error !== undefined ? { error: end.error } : {}),
      ...(end?.status === 'FAILED' && end.cause !== undefined ? { cause: end.cause } : {}),
    });
  }

  /** Keeps an execution, forgetting the oldest finished ones beyond the bound. */
  private keep(executionArn: string, execution: Execution): void {
    this.executions.set(executionArn, execution);
    if (this.executions.size <= MAX_KEPT_EXECUTIONS) return;
    for (const [arn, kept] of this.executions) {
      if (this.executions.size <= MAX_KEPT_EXECUTIONS) break;
      if (kept.end !== undefined) this.executions.delete(arn);
    }
  }
}

/** The request body, or undefined when it exceeds the input limit (with room for the envelope). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // The input travels JSON-escaped inside the request: allow for the escaping and the other fields.
    if (size > 2 * MAX_INPUT_BYTES + 4096) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
