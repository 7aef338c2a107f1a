/**
 * Register: resolves the arriving key to its contract and records the object version (or the
 * versions an S3 deletion removed). Idempotent per (execution, object version): see
 * runtime/register-idempotency.ts.
 */
import { registerArrival } from '../core/workflow';
import { functionDependencies } from '../runtime/dependencies';
import { requireSetting } from '../runtime/function-config';
import { createObservability } from '../runtime/observability';
import { registerIdempotency } from '../runtime/register-idempotency';
import { stepHandler } from '../runtime/step-handler';
import { requireRegisterRequest } from '../runtime/step-input';
import { countRegistration } from '../runtime/step-metrics';

const o = createObservability('register');
const { config, catalog, registry, lineage } = functionDependencies();
const deps = { catalog, registry, lineage, now: () => new Date() };

export const handler = stepHandler(
  o,
  'Register',
  async (event) => {
    const outcome = await registerArrival(requireRegisterRequest(event), deps);
    countRegistration(o.metrics, outcome);
    return outcome.result;
  },
  [registerIdempotency(requireSetting(config, 'registryTable'))],
);
