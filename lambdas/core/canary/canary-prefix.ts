/**
 * Where the synthetic canary writes: one fixed key prefix of the outputs bucket, watched by the
 * arrival rule wherever the canary is configured. Under it, a key is the contract's own path
 * (`canary/pipelines/sales/<run>/ingestion/raw_orders/part-00000.csv`), so the register step finds
 * the contract by the rest of the key and the output is tested exactly as the pipeline's would be,
 * while its registry entry is kept apart (data type `canary`, in no listing of the pipeline).
 *
 * Fixed rather than configured: the register step, the generate function, the arrival rule and the
 * canary's cleanup grant must all agree on it, and one constant cannot drift.
 */
export const CANARY_PREFIX = 'canary/';

/** The key a contract's template sees: the key without the canary prefix, or undefined for any other key. */
export function canaryContractKey(key: string): string | undefined {
  return key.startsWith(CANARY_PREFIX) ? key.slice(CANARY_PREFIX.length) : undefined;
}
