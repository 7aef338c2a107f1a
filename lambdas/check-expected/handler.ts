/**
 * Check-expected: the expected-outputs state machine's one task. At a schedule's deadline (after
 * its grace), at a sweep of relative waits, or at an Output Tested event, it decides which windows
 * are missing or closed late (lambdas/core/expectations) and returns the notices the state machine
 * publishes as alerts and events.
 */
import { runExpectedCheck } from '../core/expectations';
import { functionDependencies } from '../runtime/dependencies';
import { expectationLedger } from '../runtime/expectation-dependencies';
import { requireExpectedRequest } from '../runtime/expected-request';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('check-expected');
const deps = functionDependencies();
const ledger = expectationLedger(deps);

export const handler = stepHandler(o, 'CheckExpected', async (event) => {
  const { request, execution } = requireExpectedRequest(event);
  const result = await runExpectedCheck(
    request,
    { catalog: deps.catalog, registry: deps.registry, ledger, now: () => new Date() },
    execution,
  );
  o.logger.info(result.summary, { notices: result.notices.length });
  return result;
});
