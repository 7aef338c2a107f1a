/** Validate: checks the object against its contract and stores the report and quarantined rows. */
import middy from '@middy/core';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { S3ObjectStore } from '../core/storage/s3-object-store';
import { validateOutput } from '../core/workflow/validate-output';
import type { InspectResult, ValidateResult } from '../core/workflow/workflow-types';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';
import { OutputRegistry } from '../core/registry/output-registry';
import { renderHtmlReport } from '../core/reporting/render-html-report';
import { requireField, requireObjectRef, requireOutput } from '../shared/step-input';

const env = process.env;
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
  renderHtml: renderHtmlReport,
};

export const handler = middy<unknown, ValidateResult>().handler((event) =>
  validateOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    deps,
  ),
);
