/** Lineage: links the object version to its declared inputs and to its converted copy. */
import { recordLineage, type LineageStepResult, type ConversionOutcome } from '../core/workflow';
import { functionDependencies } from '../runtime/dependencies';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { countLineage } from '../runtime/step-metrics';
import { requireField, requireObjectRef, requireOutput } from '../runtime/step-input';

const o = createObservability('lineage');
const { catalog, registry, lineage } = functionDependencies();
const deps = { catalog, registry, lineage, now: () => new Date() };

export const handler = stepHandler<LineageStepResult>(o, 'Lineage', async (event) => {
  const result = await recordLineage(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      conversion: requireField<ConversionOutcome>(event, 'conversion', 'object'),
    },
    deps,
  );
  countLineage(o.metrics, result);
  return result;
});
