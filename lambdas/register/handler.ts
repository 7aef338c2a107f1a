/** Register: resolves the arriving key to its contract and records the object version. */
import middy from '@middy/core';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { OutputRegistry } from '../core/registry/output-registry';
import { S3ObjectStore } from '../core/storage/s3-object-store';
import { registerOutput } from '../core/workflow/register-output';
import type { RegisterResult } from '../core/workflow/workflow-types';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';
import { requireObjectRef } from '../shared/step-input';

const env = process.env;
const deps = {
  catalog: new ContractCatalog(
    new S3ObjectStore(createS3Client(env)),
    getRequiredEnv(env, FUNCTION_ENV.artifactsBucket),
    getRequiredEnv(env, FUNCTION_ENV.contractsPrefix),
  ),
  registry: new OutputRegistry(createDocumentClient(), getRequiredEnv(env, FUNCTION_ENV.registryTable)),
  now: () => new Date(),
};

export const handler = middy<unknown, RegisterResult>().handler((event) =>
  registerOutput({ object: requireObjectRef(event) }, deps),
);
