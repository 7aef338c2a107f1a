/**
 * Generate: synthetic data for one output (`{ "output": "sales/ingestion/raw_orders", "rows": 1000 }`)
 * or a whole pipeline with agreeing keys (`{ "pipeline": "sales" }`), written under the synthetic
 * prefix of the outputs bucket and registered with data type `synthetic`. The same core as
 * `prt generate` (lambdas/core/generation); settings are read once, at cold start.
 */
import middy from '@middy/core';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { contractCacheTtlMs } from '../core/config/contract-cache-ttl';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { ConfigurationError } from '../core/errors';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_SYNTHETIC_PREFIX,
  GENERATE_ENV,
} from '../core/generation/generate-environment';
import {
  generateToStore,
  parseGenerateRequest,
  type GenerateResult,
} from '../core/generation/generate-to-store';
import { DynamoOutputRegistry } from '../adapters/aws/dynamo-output-registry';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';

const env = process.env;
const store = new S3ObjectStore(createS3Client(env));
const prefix = env[GENERATE_ENV.syntheticPrefix] ?? DEFAULT_SYNTHETIC_PREFIX;
const maxRows = Number(env[GENERATE_ENV.maxRows] ?? DEFAULT_MAX_ROWS);
if (!Number.isSafeInteger(maxRows) || maxRows < 1)
  throw new ConfigurationError(`${GENERATE_ENV.maxRows} must be a positive whole number`);
if (prefix !== '' && !prefix.endsWith('/'))
  throw new ConfigurationError(`${GENERATE_ENV.syntheticPrefix} must end with / (got '${prefix}')`);
const deps = {
  store,
  catalog: new ContractCatalog(
    store,
    getRequiredEnv(env, FUNCTION_ENV.artifactsBucket),
    getRequiredEnv(env, FUNCTION_ENV.contractsPrefix),
    contractCacheTtlMs(env),
  ),
  registry: new DynamoOutputRegistry(createDocumentClient(), getRequiredEnv(env, FUNCTION_ENV.registryTable)),
  bucket: getRequiredEnv(env, GENERATE_ENV.outputsBucket),
  prefix,
  maxRows,
  now: () => new Date(),
};

export const handler = middy<unknown, GenerateResult>().handler((event) =>
  generateToStore(parseGenerateRequest(event), deps),
);
