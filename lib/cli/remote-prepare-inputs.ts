/**
 * `prt inputs prepare <step> --remote <env>`: starts the deployed prepare-inputs state machine of
 * an environment and waits for it (or, with --no-wait, prints how to follow it). The state
 * machine's ARN comes from --state-machine, else from the stack outputs file `cdk deploy
 * --outputs-file` wrote (`{ "prt-<env>": { "PrepareInputsStateMachineArn": ... } }`).
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  createStepFunctionsClient,
  startExecution,
  waitForExecution,
} from '../../lambdas/adapters/aws/step-functions-executions';
import { PREPARE_INPUTS_OUTPUT } from '../config/prepare-inputs-definition';
import { UsageError } from './aws-session';

export interface RemotePrepareOptions {
  readonly remote: string;
  readonly stateMachine?: string;
  readonly outputsFile: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
}

/** The state machine's ARN: given, or read from the stack outputs file. */
export function prepareInputsArn(options: RemotePrepareOptions): string {
  if (options.stateMachine !== undefined) return options.stateMachine;
  if (!existsSync(options.outputsFile))
    throw new UsageError(
      `no ${options.outputsFile}: deploy with \`cdk deploy -c env=${options.remote} --outputs-file ${options.outputsFile}\`, or pass --state-machine <arn>`,
    );
  const outputs = JSON.parse(readFileSync(options.outputsFile, 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const arn = outputs[`prt-${options.remote}`]?.[PREPARE_INPUTS_OUTPUT];
  if (typeof arn !== 'string')
    throw new UsageError(
      `${options.outputsFile} has no ${PREPARE_INPUTS_OUTPUT} for stack prt-${options.remote}; redeploy it, or pass --state-machine <arn>`,
    );
  return arn;
}

/** Starts the execution; waits for it unless told not to. Returns the process exit code. */
export async function runRemotePrepare(
  input: Readonly<Record<string, unknown>>,
  options: RemotePrepareOptions,
  print: (line: string) => void,
): Promise<number> {
  const arn = prepareInputsArn(options);
  const client = createStepFunctionsClient();
  try {
    const executionArn = await startExecution(client, arn, input);
    print(`started ${executionArn}`);
    if (!options.wait) {
      print(`follow it with: aws stepfunctions describe-execution --execution-arn ${executionArn}`);
      return 0;
    }
    const end = await waitForExecution(client, executionArn, {
      pollMs: 2000,
      timeoutMs: options.timeoutSeconds * 1000,
    });
    if (end.status === 'RUNNING') {
      print(
        `still running after ${options.timeoutSeconds} s; follow it with: aws stepfunctions describe-execution --execution-arn ${executionArn}`,
      );
      return 2;
    }
    if (end.status !== 'SUCCEEDED') {
      print(`${end.status}: ${end.error ?? ''} ${end.cause ?? ''}`.trim());
      return 1;
    }
    print(JSON.stringify(end.output, null, 2));
    return 0;
  } finally {
    client.destroy();
  }
}
