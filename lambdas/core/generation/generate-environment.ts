/**
 * Environment variables the generate Lambda reads at cold start, besides the shared ones in
 * lib/shared/function-environment.ts (registry table, artifacts bucket, contracts prefix). The CDK
 * construct (lib/generate-function.ts) sets them from the resources it grants.
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
