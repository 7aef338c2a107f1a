/**
 * Starting a state machine execution and following it to its end, for the CLI's remote commands
 * (`prt inputs prepare --remote <env>`). Polls DescribeExecution: a STANDARD execution has no
 * push notification a command could wait on without more infrastructure.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CanaryExecutionState, CanaryExecutions } from '../../core/canary';

export interface ExecutionEnd {
  readonly executionArn: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export function createStepFunctionsClient(): SFNClient {
  return new SFNClient({ retryMode: 'adaptive' });
}

export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  input: unknown,
): Promise<string> {
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  if (!started.executionArn)
    throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
  return started.executionArn;
}

/** Polls until the execution leaves RUNNING, or `timeoutMs` passes (then the status is RUNNING). */
export async function waitForExecution(
  client: SFNClient,
  executionArn: string,
  options: { readonly pollMs: number; readonly timeoutMs: number },
): Promise<ExecutionEnd> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    const status = d.status ?? 'UNKNOWN';
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE')
      return {
        executionArn,
        status,
        ...(d.output !== undefined ? { output: JSON.parse(d.output) as unknown } : {}),
        ...(d.error !== undefined ? { error: d.error } : {}),
        ...(d.cause !== undefined ? { cause: d.cause } : {}),
      };
    if (Date.now() >= deadline) return { executionArn, status };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

/**
 * The canary's executions through Step Functions (the port of core/canary): one state machine,
 * fixed at construction, which is all the after-deploy trigger's role may start and describe.
 */
export class StepFunctionsCanaryExecutions implements CanaryExecutions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  start(input: Readonly<Record<string, unknown>>): Promise<string> {
    return startExecution(this.client, this.stateMachineArn, input);
  }

  async describe(executionArn: string): Promise<CanaryExecutionState> {
    const d = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: d.status ?? 'UNKNOWN',
      ...(d.output !== undefined ? { output: JSON.parse(d.output) as unknown } : {}),
      ...(d.error !== undefined ? { error: d.error } : {}),
      ...(d.cause !== undefined ? { cause: d.cause } : {}),
    };
  }
}
