/**
 * Reads `cdk.json` for code that runs outside the CDK app (the embedded stack, the CLI), so both
 * see the environments exactly as `cdk synth -c env=...` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectEnvironment, type EnvironmentConfig } from './environment-config';

export function loadEnvironmentFromCdkJson(repoRoot: string, envName: string): EnvironmentConfig {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context?: { environments?: unknown };
  };
  return selectEnvironment(cdkJson.context?.environments, envName);
}

/**
 * Names of the embedded stack's resources. Deployed stacks let CloudFormation generate names
 * (bucket names are global across accounts) and publish them as stack outputs instead.
 */
export function localResourceNames(envName: string): {
  outputsBucket: string;
  artifactsBucket: string;
  registryTable: string;
  stateMachine: string;
} {
  return {
    outputsBucket: `prt-${envName}-outputs`,
    artifactsBucket: `prt-${envName}-artifacts`,
    registryTable: `prt-${envName}-registry`,
    stateMachine: `prt-${envName}-output-testing`,
  };
}
