/**
 * Canary: the synthetic-canary state machine's plan and check steps
 * (`{ "action": "plan", "execution": ..., "request": {...} }`, `{ "action": "check", ... }`), over
 * lambdas/core/canary. Generation itself is the generate function's; this one only reads contracts
 * and the registry.
 */
import { runCanaryStep } from '../core/canary';
import { functionDependencies } from '../runtime/dependencies';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { countCanary } from '../runtime/step-metrics';

const o = createObservability('canary');
const { catalog, registry } = functionDependencies();

export const handler = stepHandler(o, 'Canary', async (event) => {
  const result = await runCanaryStep(event, { catalog, registry });
  countCanary(o.metrics, result);
  return result;
});
