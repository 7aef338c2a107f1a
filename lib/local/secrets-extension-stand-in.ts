/**
 * A loopback stand-in of the AWS Parameters and Secrets Lambda Extension's HTTP API, for the
 * embedded stack: the functions that read a secret through the extension (the OpenLineage HTTP
 * transport's API key) do so here exactly as deployed, with only the endpoint differing. It serves
 * the two routes the readers call, `GET /secretsmanager/get?secretId=<id>` (`{ SecretString }`)
 * and `GET /systemsmanager/parameters/get?name=<name>&withDecryption=true` (`{ Parameter: { Value } }`,
 * a secret id `ssm:<name>` in `secrets`), and, like the extension, refuses a request whose
 * `X-Aws-Parameters-Secrets-Token` header is not the function's session token.
 *
 * The secrets are a map the caller may change while it runs (a secret created, rotated or deleted);
 * a secret it does not hold is answered as Secrets Manager's ResourceNotFoundException (HTTP 400),
 * which the extension passes on. Requests are kept (route, id, whether the token matched; never a
 * value) so a test can see the reader went through the extension.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The header the extension checks against the function's AWS_SESSION_TOKEN. */
export const SECRETS_TOKEN_HEADER = 'x-aws-parameters-secrets-token';

export interface SecretRequest {
  readonly route: 'secretsmanager' | 'systemsmanager' | 'other';
  /** The secret id (`ssm:<name>` for a parameter), or null when the request named none. */
  readonly secretId: string | null;
  readonly tokenMatched: boolean;
  readonly status: number;
}

export interface SecretsExtensionStandIn {
  /** Base URL, e.g. http://127.0.0.1:49152 (the readers' PRT_SECRETS_ENDPOINT). */
  readonly endpoint: string;
  /** The session token it accepts (set as the functions' AWS_SESSION_TOKEN). */
  readonly token: string;
  /** Secret id (or `ssm:<name>`) → text; changes take effect on the next request. */
  readonly secrets: Map<string, string>;
  readonly requests: readonly SecretRequest[];
  stop(): Promise<void>;
}

/** Requests kept for inspection: enough for any test, bounded for a long `npm start`. */
const MAX_KEPT_REQUESTS = 1_000;

export async function startSecretsExtension(
  initial: Readonly<Record<string, string>> = {},
): Promise<SecretsExtensionStandIn> {
  const token = randomBytes(24).toString('hex');
  const secrets = new Map(Object.entries(initial));
  const requests: SecretRequest[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route =
      url.pathname === '/secretsmanager/get'
        ? 'secretsmanager'
        : url.pathname === '/systemsmanager/parameters/get'
          ? 'systemsmanager'
          : 'other';
    const name =
      route === 'secretsmanager'
        ? url.searchParams.get('secretId')
        : route === 'systemsmanager'
          ? url.searchParams.get('name')
          : null;
    const secretId = name === null ? null : route === 'systemsmanager' ? `ssm:${name}` : name;
    const tokenMatched = request.headers[SECRETS_TOKEN_HEADER] === token;
    const answer = (status: number, body: unknown): void => {
      if (requests.length < MAX_KEPT_REQUESTS) requests.push({ route, secretId, tokenMatched, status });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || route === 'other')
      return answer(404, { message: `no route ${request.method ?? ''} ${url.pathname}` });
    if (!tokenMatched) return answer(401, { message: 'missing or wrong X-Aws-Parameters-Secrets-Token' });
    if (secretId === null) return answer(400, { message: 'the request names no secret' });
    const value = secrets.get(secretId);
    if (value === undefined)
      return answer(400, {
        __type: 'ResourceNotFoundException',
        message: `Secrets Manager can't find the specified secret (${secretId})`,
      });
    if (route === 'systemsmanager')
      return answer(200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
    return answer(200, { Name: secretId, SecretString: value, VersionStages: ['AWSCURRENT'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    token,
    secrets,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
