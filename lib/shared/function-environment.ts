/**
 * Environment variables the handlers read at cold start. The CDK functions set them from the
 * resources they are granted; the embedded stack sets them to its local resources. Only endpoints
 * (the standard AWS_ENDPOINT_URL_* variables) differ between the two.
 */
import { READER_LIMITS_ENV } from '../../lambdas/core/config/reader-limits-env';

export const FUNCTION_ENV = {
  registryTable: 'PRT_REGISTRY_TABLE',
  artifactsBucket: 'PRT_ARTIFACTS_BUCKET',
  contractsPrefix: 'PRT_CONTRACTS_PREFIX',
  reportsPrefix: 'PRT_REPORTS_PREFIX',
  quarantinePrefix: 'PRT_QUARANTINE_PREFIX',
  convertedPrefix: 'PRT_CONVERTED_PREFIX',
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

/** Fixed layout of the artifacts bucket: contracts in, reports, quarantine and converted outputs out. */
export const ARTIFACT_PREFIXES = {
  contracts: 'contracts/',
  reports: 'reports/',
  quarantine: 'quarantine/',
  converted: 'converted/',
  /** Results of the partitioned branch's Distributed Map runs (its ResultWriter). */
  mapRuns: 'map-runs/',
} as const;
