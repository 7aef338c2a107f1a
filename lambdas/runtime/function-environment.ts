/**
 * Environment variables the handlers read at cold start: the one list of their names. The CDK
 * functions (lib/workflow-functions.ts, lib/generate-function.ts) set them from the resources they
 * are granted; the embedded stack sets them to its local resources. Only endpoints (the standard
 * AWS_ENDPOINT_URL_* variables) differ between the two. function-config.ts reads them, once.
 */
import { READER_LIMITS_ENV } from './reader-limits-env';

// Where the generate function writes canary cases and the register step finds them (fixed in core);
// the CDK grants and the arrival rule name it through here.
export { CANARY_PREFIX } from '../core/canary';

export const FUNCTION_ENV = {
  registryTable: 'PRT_REGISTRY_TABLE',
  artifactsBucket: 'PRT_ARTIFACTS_BUCKET',
  contractsPrefix: 'PRT_CONTRACTS_PREFIX',
  reportsPrefix: 'PRT_REPORTS_PREFIX',
  quarantinePrefix: 'PRT_QUARANTINE_PREFIX',
  convertedPrefix: 'PRT_CONVERTED_PREFIX',
  /** Where a large object's conversion keeps its ranges' parts until they are joined (convert). */
  conversionPartsPrefix: 'PRT_CONVERSION_PARTS_PREFIX',
  /** Where the partitioned branch's plan step writes the map's manifests (validate). */
  manifestsPrefix: 'PRT_MANIFESTS_PREFIX',
  /** Where the validate function writes the results dataset's Parquet files (lambdas/core/results). */
  resultsPrefix: 'PRT_RESULTS_PREFIX',
  /**
   * Optional: seconds the partitioned branch's merge waits for a folder still changing after its
   * marker (default 60, validate-partitions.ts DEFAULT_PARTS_SETTLE); whole seconds, 0 to 240.
   */
  partsSettleSeconds: 'PRT_PARTS_SETTLE_SECONDS',
  /**
   * Optional: the environment's `readerLimits` as JSON, on the functions that read objects
   * (validate, convert); parsed at cold start by readerLimitsFromEnv (READER_LIMITS_ENV).
   */
  readerLimits: READER_LIMITS_ENV,
  /** "true" only for S3 servers that cannot route virtual-hosted-style requests (the embedded stack). */
  s3ForcePathStyle: 'PRT_S3_FORCE_PATH_STYLE',
} as const;

/**
 * Environment variables the generate Lambda reads at cold start, besides the shared ones above
 * (registry table, artifacts bucket, contracts prefix). The CDK construct (lib/generate-function.ts)
 * sets them from the resources it grants.
 */
export const GENERATE_ENV = {
  outputsBucket: 'PRT_OUTPUTS_BUCKET',
  /** Key prefix synthetic objects are written under (the function may write nowhere else). */
  syntheticPrefix: 'PRT_SYNTHETIC_PREFIX',
  /** Most rows one invocation may generate per output (bounded by the function's timeout). */
  maxRows: 'PRT_GENERATE_MAX_ROWS',
} as const;

export const DEFAULT_SYNTHETIC_PREFIX = 'synthetic/';
export const DEFAULT_MAX_ROWS = 50_000_000;

/**
 * Environment variables the download function (prepare-inputs workflow) reads at cold start,
 * besides the shared ones (registry table, artifacts bucket, contracts prefix). The CDK construct
 * (lib/prepare-inputs-workflow.ts) sets them; staging-config.ts reads them.
 */
export const DOWNLOAD_ENV = {
  /** Bucket the staged copies go to, and the key prefix (ending in /) they go under. */
  stagingBucket: 'PRT_STAGING_BUCKET',
  stagingPrefix: 'PRT_STAGING_PREFIX',
  /** The masking key: a Secrets Manager secret id or ARN, or `ssm:<parameter name>`. */
  maskingKeySecret: 'PRT_MASKING_KEY_SECRET',
  /** Optional: base URL of the Parameters and Secrets extension (default http://localhost:2773). */
  secretsEndpoint: 'PRT_SECRETS_ENDPOINT',
  /** Optional bounds: objects per staged output, and bytes per object (default STAGING_DEFAULTS). */
  maxObjects: 'PRT_STAGING_MAX_OBJECTS',
  maxObjectBytes: 'PRT_STAGING_MAX_OBJECT_BYTES',
  /** Optional: where fetched objects are held while staged (default /tmp/prt-staging). */
  cacheDir: 'PRT_STAGING_CACHE_DIR',
  /**
   * Optional: the environment's staging targets as JSON, `{ "<env>": { bucket, prefix, roleArn,
   * externalId? } }` (cdk.json `staging.targets`); a request may stage only into these.
   */
  targets: 'PRT_STAGING_TARGETS',
} as const;

/**
 * Environment variables the publish function (write-audit-publish) reads at cold start, besides
 * the shared ones. The CDK construct (lib/workflow-functions.ts) and the embedded stack set them
 * from the environment's `publishing` settings; publish-dependencies.ts reads them.
 */
export const PUBLISH_ENV = {
  /** Key prefix of the outputs bucket published copies go under (the only one the function writes). */
  publishedPrefix: 'PRT_PUBLISHED_PREFIX',
  /** Optional: objects above this many bytes are copied in parts (default and most 5 GiB). */
  multipartAboveBytes: 'PRT_PUBLISH_MULTIPART_ABOVE_BYTES',
  /** Optional: bytes per part of a multipart copy (default 512 MiB). */
  copyPartBytes: 'PRT_PUBLISH_PART_BYTES',
} as const;

export const STAGING_DEFAULTS = {
  prefix: 'staging/',
  maxObjects: 1000,
  /** Half the function's 4 GiB of temporary storage: the fetched object and its rewrite both fit. */
  maxObjectBytes: 2 * 1024 ** 3,
  cacheDir: '/tmp/prt-staging',
} as const;

/**
 * Environment variables of the canary-after-deploy function (lib/canary-after-deploy.ts), read at
 * cold start by canary-after-deploy-config.ts.
 */
export const CANARY_AFTER_DEPLOY_ENV = {
  /** The synthetic-canary state machine it starts and follows. */
  stateMachineArn: 'PRT_CANARY_STATE_MACHINE_ARN',
  /** The execution input as JSON: the environment's canary settings (contracts, rows). */
  input: 'PRT_CANARY_INPUT',
} as const;
