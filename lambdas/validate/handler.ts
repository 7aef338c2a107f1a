/**
 * Validate: checks the object against its contract and stores the reports and quarantined rows;
 * in the partitioned branch, one part or the merge of the parts (core/workflow/validate-request.ts).
 */
import { renderHtmlReport } from '../core/reporting';
// eslint-disable-next-line prt/core-public-face -- loads the table readers, which the workflow index keeps out of the inspect, register and lineage bundles
import { runValidateRequest } from '../core/workflow/validate-request';
import { functionDependencies } from '../runtime/dependencies';
import { requireSetting } from '../runtime/function-config';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { invocationStore } from '../runtime/time-budget';
import { requireValidateRequest } from '../runtime/step-input';
import { countTestedOutput, countValidation } from '../runtime/step-metrics';

const o = createObservability('validate');
const { config, store, catalog, registry } = functionDependencies();
const deps = {
  store,
  catalog,
  artifactsBucket: requireSetting(config, 'artifactsBucket'),
  reportsPrefix: requireSetting(config, 'reportsPrefix'),
  quarantinePrefix: requireSetting(config, 'quarantinePrefix'),
  manifestsPrefix: requireSetting(config, 'manifestsPrefix'),
  resultsPrefix: requireSetting(config, 'resultsPrefix'),
  // A partitioned output with convert_to is converted part by part in the map's children.
  convertedPrefix: requireSetting(config, 'convertedPrefix'),
  now: () => new Date(),
  registry,
  renderHtml: (report: Parameters<typeof renderHtmlReport>[0]) => renderHtmlReport(report),
  readerLimits: config.readerLimits,
  ...(config.settle ? { settle: config.settle } : {}),
};

export const handler = stepHandler(o, 'Validate', async (event, context) => {
  const request = requireValidateRequest(event);
  const outcome = await runValidateRequest(request, { ...deps, store: invocationStore(store, context) });
  countValidation(o.metrics, outcome);
  countTestedOutput(o.metrics, request, outcome, deps.now());
  return withoutTally(outcome.result);
});

/**
 * The rule tally feeds the quality score metric only: the state machine's Validate task selects
 * the other fields, so the payload it receives stays what it selects.
 */
function withoutTally<T extends object>(result: T): Omit<T, 'rules'> {
  if (!('rules' in result)) return result;
  const { rules: _tally, ...rest } = result;
  return rest;
}
