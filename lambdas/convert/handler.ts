/** Convert: writes the output in its contract's `convert_to` format, with the equivalence proof. */
import middy from '@middy/core';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { S3ObjectStore } from '../core/storage/s3-object-store';
import { convertOutput } from '../core/workflow/convert-output';
import type { ConvertResult, InspectResult } from '../core/workflow/workflow-types';
import { createS3Client } from '../shared/aws-clients';
import { requireField, requireObjectRef, requireOutput } from '../shared/step-input';

const env = process.env;
const store = new S3ObjectStore(createS3Client(env));
const artifactsBucket = getRequiredEnv(env, FUNCTION_ENV.artifactsBucket);
const deps = {
  store,
  catalog: new ContractCatalog(store, artifactsBucket, getRequiredEnv(env, FUNCTION_ENV.contractsPrefix)),
  artifactsBucket,
  convertedPrefix: getRequiredEnv(env, FUNCTION_ENV.convertedPrefix),
};

export const handler = middy<unknown, ConvertResult>().handler((event) =>
  convertOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    deps,
  ),
);
