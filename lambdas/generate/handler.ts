/**
 * Generate: synthetic data for one output (`{ "output": "sales/ingestion/raw_orders", "rows": 1000 }`)
 * or a whole pipeline with agreeing keys (`{ "pipeline": "sales" }`), written under the synthetic
 * prefix of the outputs bucket and registered with data type `synthetic`. The same core as
 * `prt generate` (lambdas/core/generation); settings are read once, at cold start.
 */
import { generateToStore, parseGenerateRequest, type GenerateResult } from '../core/generation';
import { functionDependencies } from '../runtime/dependencies';
import { requireSetting } from '../runtime/function-config';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('generate');
const { config, store, catalog, registry } = functionDependencies();
const deps = {
  store,
  catalog,
  registry,
  bucket: requireSetting(config, 'outputsBucket'),
  prefix: config.syntheticPrefix,
  maxRows: config.maxGeneratedRows,
  now: () => new Date(),
};

export const handler = stepHandler<GenerateResult>(o, 'Generate', (event) =>
  generateToStore(parseGenerateRequest(event), deps),
);
