/**
 * The environment a shell needs to use the embedded stack that `prt local --serve` keeps running:
 * the standard AWS variables (endpoints, region, the fixed key pair the local S3 server checks) and
 * the settings the CLI reads (aws-session.ts: PRT_REGISTRY_TABLE, PRT_ARTIFACTS_BUCKET,
 * PRT_S3_FORCE_PATH_STYLE), printed as `export` lines and written to a file to `source`, so
 * `prt outputs`, `prt download`, the AWS CLI and the SDKs reach the local stack unchanged. Where the
 * stack serves its workflows (EmbeddedStack.serveWorkflows), also the Step Functions endpoint and
 * the ARNs of the canary and prepare-inputs state machines, which `prt canary` reads.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EmbeddedStack } from '../local/embedded-stack';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/embedded-stack';
import { FUNCTION_ENV } from '../../lambdas/runtime/function-environment';

/** Variable → value, in the order they are printed. */
export type ServeEnvironment = ReadonlyMap<string, string>;

/** Set by a served stack's environment: `prt canary` runs the canary there (canary-command.ts). */
export const SERVED_WORKFLOW_ENV = {
  canary: 'PRT_CANARY_STATE_MACHINE',
  prepareInputs: 'PRT_PREPARE_INPUTS_STATE_MACHINE',
} as const;

export function serveEnvironment(
  stack: Pick<EmbeddedStack, 'endpoints' | 'resources'> & Partial<Pick<EmbeddedStack, 'servedWorkflows'>>,
): ServeEnvironment {
  const served = stack.servedWorkflows;
  return new Map([
    ['AWS_ENDPOINT_URL_S3', stack.endpoints.s3],
    ['AWS_ENDPOINT_URL_DYNAMODB', stack.endpoints.dynamodb],
    ['AWS_REGION', LOCAL_REGION],
    ['AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey],
    // The local S3 server has no bucket subdomains (clientSettingsFromEnv reads this).
    [FUNCTION_ENV.s3ForcePathStyle, 'true'],
    // Without these, SDKs and the AWS CLI (v2.23+) send streamed uploads with checksum framing the
    // local S3 server would store inside the object.
    ['AWS_REQUEST_CHECKSUM_CALCULATION', 'WHEN_REQUIRED'],
    ['AWS_RESPONSE_CHECKSUM_VALIDATION', 'WHEN_REQUIRED'],
    [FUNCTION_ENV.registryTable, stack.resources.registryTable],
    [FUNCTION_ENV.artifactsBucket, stack.resources.artifactsBucket],
    ...(served?.endpoint !== undefined
      ? ([
          ['AWS_ENDPOINT_URL_SFN', served.endpoint],
          [SERVED_WORKFLOW_ENV.canary, served.canary],
          [SERVED_WORKFLOW_ENV.prepareInputs, served.prepareInputs],
        ] as const)
      : []),
  ]);
}

/** POSIX shell single-quoting: every value survives `source` byte for byte. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One `export NAME=value` line per variable. */
export function exportLines(env: ServeEnvironment): string[] {
  return [...env].map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

/**
 * Writes the export lines to `path` (for `source <path>` in another shell), replacing the file
 * whole so a shell sourcing it during a restart never reads half of it.
 */
export function writeServeEnvironment(path: string, env: ServeEnvironment): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  writeFileSync(
    partial,
    `# Written by \`prt local --serve\`: source it to point the CLI and AWS tools at the local stack.\n${exportLines(env).join('\n')}\n`,
  );
  renameSync(partial, path);
}
