/**
 * OpenLineage: subscribed to the `Output Tested` event, emits the tested version's RunEvents
 * (lambdas/core/openlineage) through the environment's transport. A failure is thrown, so
 * EventBridge retries the delivery and then puts it in the dead-letter queue.
 */
import { emitTestedVersion, type EmissionResult } from '../core/openlineage';
import { openLineageDependencies } from '../runtime/openlineage-dependencies';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('openlineage');
const deps = openLineageDependencies();

export const handler = stepHandler<EmissionResult>(o, 'OpenLineage', async (event) => {
  const detail = (event as { detail?: unknown } | null)?.detail;
  const result = await emitTestedVersion(detail, deps);
  if ('skipped' in result) o.logger.info('no OpenLineage events', { reason: result.skipped });
  else o.logger.info('OpenLineage events sent', { to: deps.transport.describe, events: result.emitted });
  return result;
});
