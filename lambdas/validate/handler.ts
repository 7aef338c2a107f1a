/** Validate: checks the object against its contract and stores the reports and quarantined rows. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { OutputRegistry } from '../core/registry/output-registry';
import { renderHtmlReport } from '../core/reporting/render-html-report';
import { S3ObjectStore } from '../core/storage/s3-object-store';
import { validateOutput } from '../core/workflow/validate-output';
import type { InspectResult, ValidateResult } from '../core/workflow/workflow-types';
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
  catalog: new ContractCatalog(store, artifactsBucket, getRequiredEnv(env, FUNCTION_ENV.contractsPrefix)),
  artifactsBucket,
  reportsPrefix: getRequiredEnv(env, FUNCTION_ENV.reportsPrefix),
  quarantinePrefix: getRequiredEnv(env, FUNCTION_ENV.quarantinePrefix),
  now: () => new Date(),
  registry: new OutputRegistry(createDocumentClient(), getRequiredEnv(env, FUNCTION_ENV.registryTable)),
  renderHtml: (report: Parameters<typeof renderHtmlReport>[0]) => renderHtmlReport(report),
};

export const handler = stepHandler<ValidateResult>(o, 'Validate', async (event) => {
  const result = await validateOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    deps,
  );
  o.metrics.addMetric('RowsValidated', MetricUnit.Count, result.rowCount);
  o.metrics.addMetric('RulesFailed', MetricUnit.Count, result.failedRules.length);
  o.metrics.addMetric(
    `Outputs${result.status[0]!.toUpperCase()}${result.status.slice(1)}`,
    MetricUnit.Count,
    1,
  );
  return result;
});
