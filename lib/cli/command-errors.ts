/**
 * How the registry, download, lineage and inputs commands end: a typed error becomes one line that
 * says what went wrong and what to do, and an exit code: 2 for a usage or configuration problem
 * (fix the command or the environment), 1 for an operation that failed (missing object, integrity,
 * access, network). Anything unexpected is rethrown, so bugs keep their stack trace.
 */
import { PrtError } from '../../lambdas/core/errors';
import { ConfigurationError, ContractError, InvalidInputError } from '../../lambdas/core/errors';
import { NoCredentialsError } from '../../lambdas/core/download';
import { InvalidCursorError, OutputNameError } from '../../lambdas/core/registry';
import type { AwsSession } from './aws-session';
import { UsageError } from './aws-session';

interface AwsErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
}

const USAGE_ERRORS = [
  UsageError,
  ConfigurationError,
  ContractError,
  InvalidInputError,
  OutputNameError,
  InvalidCursorError,
  NoCredentialsError,
];

/** A message for the SDK errors that reach a command without passing a core mapper. */
function describeSdkError(
  error: AwsErrorShape,
  session: AwsSession,
  table?: string,
): { message: string; code: number } | undefined {
  const name = error.name ?? '';
  const text = `${error.message ?? ''} ${error.code ?? ''}`;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(text)) {
    return {
      code: 2,
      message: `no AWS credentials found: set AWS_PROFILE (run \`aws sso login\` for SSO) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for the embedded stack, the keys \`npm start -- --serve\` prints`,
    };
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'].includes(name)) {
    return {
      code: 2,
      message: `the endpoint rejected the credentials (${name}); check AWS_PROFILE / the access keys, or refresh them`,
    };
  }
  if (/Region is missing/i.test(text))
    return { code: 2, message: 'no AWS region configured: set AWS_REGION' };
  if (name === 'ResourceNotFoundException') {
    return {
      code: 2,
      message: `the registry table${table ? ` '${table}'` : ''} does not exist at ${session.dynamoEndpoint}; check --table / PRT_REGISTRY_TABLE, AWS_REGION and AWS_ENDPOINT_URL_DYNAMODB`,
    };
  }
  if (name === 'AccessDeniedException') {
    return {
      code: 1,
      message: `access denied to the registry table: the credentials need dynamodb:Query and dynamodb:GetItem on it and its indexes (${error.message ?? ''})`,
    };
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH/.test(text)) {
    return {
      code: 1,
      message: `cannot reach an AWS endpoint (${error.message ?? name}); check AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 and the network`,
    };
  }
  return undefined;
}

/**
 * Runs a command's action, reports its failure as above and always closes the session's clients.
 * Returns the exit code it set.
 */
export async function runCommand(
  command: string,
  session: AwsSession,
  action: () => Promise<number | void>,
  context: { readonly table?: string } = {},
): Promise<number> {
  try {
    const code = (await action()) ?? 0;
    process.exitCode = code;
    return code;
  } catch (error) {
    let code: number;
    let line: string;
    if (USAGE_ERRORS.some((type) => error instanceof type)) {
      code = 2;
      line = (error as Error).message;
    } else if (error instanceof PrtError) {
      code = 1;
      line = `${error.name}: ${error.message}`;
    } else if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'EACCES'
    ) {
      code = 2;
      line = (error as Error).message;
    } else {
      const described = describeSdkError(error ?? {}, session, context.table);
      if (!described) throw error;
      code = described.code;
      line = described.message;
    }
    console.error(`prt ${command}: ${line}`);
    process.exitCode = code;
    return code;
  } finally {
    session.close();
  }
}
