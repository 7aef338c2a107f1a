/**
 * Canary after deploy: the CDK trigger's function (lib/canary-after-deploy.ts). Starts the
 * environment's synthetic canary and waits for its end within this invocation's remaining time;
 * throwing fails the trigger's custom resource, and with it the deployment.
 */
import { runCanaryAfterDeploy } from '../core/canary';
import { canaryAfterDeployDependencies } from '../runtime/canary-after-deploy-dependencies';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';

/** Between two DescribeExecution calls: the canary itself polls every pollSeconds (30 by default). */
const POLL_MS = 10_000;
/** Left to report a timeout with its execution ARN before Lambda ends the invocation. */
const MARGIN_MS = 15_000;

const o = createObservability('canary-after-deploy');
const { input, executions } = canaryAfterDeployDependencies(process.env);

export const handler = stepHandler(o, 'CanaryAfterDeploy', async (_event, context) => {
  const result = await runCanaryAfterDeploy(executions, {
    input,
    remainingMs: () => context.getRemainingTimeInMillis(),
    pollMs: POLL_MS,
    marginMs: MARGIN_MS,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  o.logger.info('canary passed after deploy', {
    execution: result.executionArn,
    cases: result.verdict.cases,
  });
  return { executionArn: result.executionArn, cases: result.verdict.cases };
});
