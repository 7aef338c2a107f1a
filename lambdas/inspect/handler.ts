/** Inspect (download): confirms the object version and detects its format and compression. */
import { inspectOutput, type InspectResult } from '../core/workflow';
import { functionDependencies } from '../runtime/dependencies';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { countInspection } from '../runtime/step-metrics';
import { requireObjectRef, requireOutput } from '../runtime/step-input';

const o = createObservability('inspect');
const deps = { store: functionDependencies().store };

export const handler = stepHandler<InspectResult>(o, 'Inspect', async (event) => {
  const result = await inspectOutput({ object: requireObjectRef(event), output: requireOutput(event) }, deps);
  countInspection(o.metrics, result);
  return result;
});
