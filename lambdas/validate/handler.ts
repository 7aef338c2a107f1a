/**
 * Validate: checks the object against its contract and stores the reports and quarantined rows.
 * In the partitioned branch the same function validates one part (`mode: part`, a Distributed Map
 * item) and merges the parts' states into the report (`mode: merge`): same code, same permissions,
 * and its reserved concurrency already covers the map's (see environment-config).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { RULE_FAILURE_METRIC } from '../../lib/shared/workflow-metrics';
import { contractCacheTtlMs } from '../core/config/contract-cache-ttl';
import { readerLimitsFromEnv } from '../core/config/reader-limits-env';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { DynamoOutputRegistry } from '../adapters/aws/dynamo-output-registry';
import { renderHtmlReport } from '../core/reporting/render-html-report';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { validateOutput } from '../core/workflow/validate-output';
import {
  mergeParts,
  validatePart,
  type PartItem,
  type ValidatePartResult,
} from '../core/workflow/validate-partitions';
import type { InspectResult, ObjectRef, ValidateResult } from '../core/workflow/workflow-types';
import { ConfigurationError, InvalidInputError } from '../core/errors';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';
import { createObservability } from '../shared/observability';
import { stepHandler } from '../shared/step-handler';
import { requireField, requireObjectRef, requireOutput } from '../shared/step-input';

const env = process.env;
const o = createObservability('validate');
const store = new S3ObjectStore(createS3Client(env));
const artifactsBucket = getRequiredEnv(env, FUNCTION_ENV.artifactsBucket);
const deps = {
  store,
  catalog: new ContractCatalog(
    store,
    artifactsBucket,
    getRequiredEnv(env, FUNCTION_ENV.contractsPrefix),
    contractCacheTtlMs(env),
  ),
  artifactsBucket,
  reportsPrefix: getRequiredEnv(env, FUNCTION_ENV.reportsPrefix),
  quarantinePrefix: getRequiredEnv(env, FUNCTION_ENV.quarantinePrefix),
  now: () => new Date(),
  registry: new DynamoOutputRegistry(createDocumentClient(), getRequiredEnv(env, FUNCTION_ENV.registryTable)),
  renderHtml: (report: Parameters<typeof renderHtmlReport>[0]) => renderHtmlReport(report),
  // Parsed here, once: a bad PRT_READER_LIMITS fails the cold start, not every object read.
  readerLimits: readerLimitsFromEnv(env),
  ...settleSetting(env[FUNCTION_ENV.partsSettleSeconds]),
};

/**
 * The merge's settle window from the environment, checked at cold start. At most 240 s: the merge
 * runs in this function, whose timeout is 300 s, and must still validate and merge after waiting.
 */
function settleSetting(value: string | undefined): { settle?: { windowMs: number } } {
  if (value === undefined || value.trim() === '') return {};
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 240)
    throw new ConfigurationError(
      `${FUNCTION_ENV.partsSettleSeconds} must be whole seconds from 0 to 240, not '${value}'`,
    );
  return { settle: { windowMs: seconds * 1000 } };
}

export const handler = stepHandler<ValidateResult | ValidatePartResult>(o, 'Validate', async (event) => {
  const mode = (event as { mode?: unknown }).mode ?? 'object';
  if (mode === 'part') {
    const result = await validatePart(
      {
        part: requireField<PartItem>(event, 'part', 'object'),
        dataset: requireField<ObjectRef>(event, 'dataset', 'object'),
        output: requireOutput(event),
      },
      deps,
    );
    o.metrics.addMetric('PartsValidated', MetricUnit.Count, result.skipped ? 0 : 1);
    o.metrics.addMetric('RowsValidated', MetricUnit.Count, result.rows);
    return result;
  }
  if (mode === 'merge') {
    const tolerated = (event as { toleratedFailurePercentage?: unknown }).toleratedFailurePercentage;
    const result = await mergeParts(
      {
        dataset: requireObjectRef(event),
        output: requireOutput(event),
        toleratedFailurePercentage: typeof tolerated === 'number' ? tolerated : 0,
      },
      deps,
    );
    recordOutcome(result);
    return result;
  }
  if (mode !== 'object')
    throw new InvalidInputError(`mode must be object, part or merge, not ${JSON.stringify(mode)}`);
  const result = await validateOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    deps,
  );
  o.metrics.addMetric('RowsValidated', MetricUnit.Count, result.rowCount);
  recordOutcome(result);
  return result;
});

function recordOutcome(result: ValidateResult): void {
  o.metrics.addMetric('RulesFailed', MetricUnit.Count, result.failedRules.length);
  // One metric per failed rule, with the rule as a dimension: the dashboard's "failures by rule"
  // (rule names come from contracts, so the dimension's values stay few).
  for (const rule of result.failedRules) {
    const single = o.metrics.singleMetric();
    single.addDimension(RULE_FAILURE_METRIC.dimension, rule);
    single.addMetric(RULE_FAILURE_METRIC.name, MetricUnit.Count, 1);
  }
  o.metrics.addMetric(
    `Outputs${result.status[0]!.toUpperCase()}${result.status.slice(1)}`,
    MetricUnit.Count,
    1,
  );
}
