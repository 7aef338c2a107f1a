/**
 * `prt canary`: runs the synthetic canary once with the environment's canary settings (the same
 * definition the environments deploy), prints the verdict and exits 1 when the canary fails or
 * cannot run.
 * - In a shell that sourced the environment of `npm start -- --serve` (PRT_CANARY_STATE_MACHINE and
 *   AWS_ENDPOINT_URL_SFN set), it starts the canary on that served stack through the Step Functions
 *   API, with the SDK client and adapter `--remote` commands use, and waits for its end: the canary
 *   runs against the contracts and registry that stack serves.
 * - Otherwise it starts a fresh embedded stack of its own with the repository's contracts, as
 *   `prt local` does for its demo.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentFromCdkJson } from '../config/project-config';
import { PROJECT_ROOT } from '../config/project-paths';
import type { CanaryVerdict } from '../../lambdas/core/canary';
import {
  createStepFunctionsClient,
  startExecution,
  waitForExecution,
} from '../../lambdas/adapters/aws/step-functions-executions';
import { EmbeddedStack, type CanaryRun } from '../local/embedded-stack';
import { SERVED_WORKFLOW_ENV } from './serve-environment';

interface CanaryOptions {
  readonly env: string;
  readonly contracts?: string;
  readonly rows?: string;
  readonly json?: boolean;
}

/** The verdict as a person reads it. */
export function formatCanaryRun(run: CanaryRun): string {
  const detail = run.event?.detail;
  const verdict = detail?.verdict;
  if (!verdict)
    return `canary ERROR: ${detail?.error?.Error ?? run.error ?? 'no verdict'}: ${detail?.error?.Cause ?? run.cause ?? ''}`;
  const lines = [
    `canary ${verdict.passed ? 'PASSED' : 'FAILED'}: ${verdict.cases} generated outputs, ${verdict.differences.length} differences (run ${verdict.runId})`,
    ...verdict.differences.map((d) => `  - ${d.message}`),
    ...verdict.uncovered.map((u) => `  not covered: ${u.output} ${u.rule}: ${u.reason}`),
  ];
  return lines.join('\n');
}

/** The canary's settings as its execution input: each only where given. */
type CanaryRequest = { readonly contracts?: readonly string[]; readonly rows?: number };

/** The canary's own bound (statemachines/synthetic-canary.asl.json TimeoutSeconds) and a margin. */
const SERVED_WAIT_MS = 3_700_000;

/**
 * Starts the canary on a served stack (or any endpoint AWS_ENDPOINT_URL_SFN names) and waits for
 * its end. Returns the exit code: 0 passed, 1 failed or errored, 2 still running at the bound.
 */
export async function runServedCanary(
  stateMachineArn: string,
  request: CanaryRequest,
  options: { readonly json: boolean; readonly pollMs?: number; readonly timeoutMs?: number },
  print: (line: string) => void,
): Promise<number> {
  const client = createStepFunctionsClient();
  try {
    const executionArn = await startExecution(client, stateMachineArn, request);
    const end = await waitForExecution(client, executionArn, {
      pollMs: options.pollMs ?? 1000,
      timeoutMs: options.timeoutMs ?? SERVED_WAIT_MS,
    });
    if (options.json) print(JSON.stringify(end, null, 2));
    if (end.status === 'SUCCEEDED') {
      const verdict = end.output as CanaryVerdict | null | undefined;
      if (!options.json)
        print(formatCanaryRun({ executionArn, status: 'SUCCEEDED', ...verdictEvent(executionArn, verdict) }));
      return verdict?.passed === true ? 0 : 1;
    }
    if (end.status === 'RUNNING') {
      if (!options.json) print(`canary still running after the wait: ${executionArn}`);
      return 2;
    }
    // A failed canary ends in its Fail state: the differences are in its Canary Failed event,
    // which the serving stack prints.
    if (!options.json)
      print(
        `canary ${end.error === 'CanaryFailed' ? 'FAILED' : `ERROR (${end.status})`}: ${end.error ?? ''}: ${end.cause ?? ''} (execution ${executionArn})`,
      );
    return 1;
  } finally {
    client.destroy();
  }
}

function verdictEvent(
  execution: string,
  verdict: CanaryVerdict | null | undefined,
): Pick<CanaryRun, 'event'> {
  if (!verdict) return {};
  return {
    event: {
      detailType: verdict.passed ? 'Canary Passed' : 'Canary Failed',
      detail: { outcome: verdict.passed ? 'passed' : 'differences', execution, verdict },
    },
  };
}

export function registerCanaryCommand(program: Command): void {
  program
    .command('canary')
    .description(
      'run the synthetic canary once on the embedded stack and print its verdict (exit 1 on failure)',
    )
    .option('--env <name>', 'environment from cdk.json whose canary settings to use', 'dev')
    .option(
      '--contracts <names>',
      'comma-separated pipeline/step/output names (default: the config, else all)',
    )
    .option('--rows <n>', 'rows per generated output')
    .option('--json', 'print the verdict as JSON')
    .action(async (options: CanaryOptions) => {
      const rows = options.rows === undefined ? undefined : Number(options.rows);
      if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1 || rows > 100_000)) {
        console.error(`prt canary: --rows must be a whole number from 1 to 100000, not '${options.rows}'`);
        process.exitCode = 2;
        return;
      }
      const request: CanaryRequest = {
        ...(options.contracts ? { contracts: options.contracts.split(',').map((c) => c.trim()) } : {}),
        ...(rows !== undefined ? { rows } : {}),
      };
      const served = process.env[SERVED_WORKFLOW_ENV.canary];
      if (served !== undefined && served !== '') {
        console.error(`prt canary: on the served stack (${served})`);
        process.exitCode = await runServedCanary(served, request, { json: options.json === true }, (line) =>
          console.log(line),
        );
        return;
      }
      const dataDir = mkdtempSync(join(tmpdir(), 'prt-canary-'));
      const stack = await EmbeddedStack.start({
        repoRoot: PROJECT_ROOT,
        config: loadEnvironmentFromCdkJson(PROJECT_ROOT, options.env),
        contractsDir: join(PROJECT_ROOT, 'contracts'),
        dataDir,
      });
      try {
        const run = await stack.runCanary(request);
        console.log(options.json ? JSON.stringify(run.event?.detail ?? run, null, 2) : formatCanaryRun(run));
        if (run.status !== 'SUCCEEDED' || run.event?.detail.verdict?.passed !== true) process.exitCode = 1;
      } finally {
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
