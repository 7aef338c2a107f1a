/**
 * The environments the infra tests cover: every entry of cdk.json's `environments` context, read
 * the way bin/app.ts reads it, so a new environment is tested without touching the tests.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/config/project-paths';
import { selectEnvironment, type EnvironmentConfig } from '../../lib/config/environment-config';

interface CdkJson {
  readonly context: { readonly environments: Record<string, unknown> };
}

/** The raw `environments` context object, a fresh copy per call (tests mutate it). */
export function cdkEnvironments(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(projectPath('cdk.json'), 'utf8')) as CdkJson;
  return cdkJson.context.environments;
}

export const ENVIRONMENT_NAMES: readonly string[] = Object.keys(cdkEnvironments());

export function environmentConfig(name: string): EnvironmentConfig {
  return selectEnvironment(cdkEnvironments(), name);
}
