/**
 * How long a warm function keeps its parsed contracts (ContractCatalog's TTL), from the optional
 * PRT_CONTRACT_CACHE_SECONDS, read once at cold start. Deployed functions leave it unset (a minute:
 * a burst of arrivals lists the contracts prefix once, an edited contract takes effect within a
 * minute); the embedded stack sets it to a second, so a contract saved while `prt local --serve`
 * runs applies to the next upload instead of a minute later.
 */
import { ConfigurationError } from '../core/errors';

export const CONTRACT_CACHE_SECONDS_ENV = 'PRT_CONTRACT_CACHE_SECONDS';
export const DEFAULT_CONTRACT_CACHE_SECONDS = 60;
/** An hour: past it, an edited contract would stay unseen by warm functions longer than anyone expects. */
export const MAX_CONTRACT_CACHE_SECONDS = 3_600;

/**
 * The catalog TTL in milliseconds; a value that is not whole seconds within 0 to
 * MAX_CONTRACT_CACHE_SECONDS fails the cold start with the variable's name.
 *
 * @example
 * const ttlMs = contractCacheTtlMs(process.env); // readFunctionConfig's contractCacheTtlMs
 */
export function contractCacheTtlMs(env: NodeJS.ProcessEnv): number {
  const text = env[CONTRACT_CACHE_SECONDS_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_CONTRACT_CACHE_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_CONTRACT_CACHE_SECONDS) {
    throw new ConfigurationError(
      `environment variable ${CONTRACT_CACHE_SECONDS_ENV} must be whole seconds from 0 to ${MAX_CONTRACT_CACHE_SECONDS}, not '${text}'`,
    );
  }
  return seconds * 1000;
}
