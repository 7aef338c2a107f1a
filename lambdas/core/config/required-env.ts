import { ConfigurationError } from '../errors';

/** Reads a required environment variable, failing at cold start with the variable's name. */
export function getRequiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  }
  return value;
}
