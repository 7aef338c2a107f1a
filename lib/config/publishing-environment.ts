/**
 * The publish function's environment (write-audit-publish), from the environment's `publishing`
 * settings: one builder for the deployed function (lib/workflow-functions.ts) and the embedded
 * stack, which read the same names (lambdas/runtime/publish-dependencies.ts).
 */
import { PUBLISH_ENV } from '../../lambdas/runtime/function-environment';
import type { EnvironmentConfig } from './environment-config';

export function publishingEnvironment(config: Pick<EnvironmentConfig, 'publishing'>): Record<string, string> {
  const { prefix, multipartAboveBytes, copyPartBytes } = config.publishing;
  return {
    [PUBLISH_ENV.publishedPrefix]: prefix,
    ...(multipartAboveBytes !== undefined
      ? { [PUBLISH_ENV.multipartAboveBytes]: String(multipartAboveBytes) }
      : {}),
    ...(copyPartBytes !== undefined ? { [PUBLISH_ENV.copyPartBytes]: String(copyPartBytes) } : {}),
  };
}
