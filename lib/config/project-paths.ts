/**
 * Absolute paths of the repository files the stack deploys (handlers, the ASL definition, seed
 * contracts). Resolved from this module's location rather than `process.cwd()`, so the CDK CLI, the
 * infra tests and any other caller synthesize the same stack whatever directory they start in.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root: the folder holding package.json, package-lock.json and cdk.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Absolute path of a repository-relative path such as `lambdas/register/handler.ts`. */
export function projectPath(relative: string): string {
  return join(PROJECT_ROOT, relative);
}
