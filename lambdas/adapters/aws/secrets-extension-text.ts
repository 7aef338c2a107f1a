/**
 * A secret's text, read through the AWS Parameters and Secrets Lambda Extension (the same endpoint
 * and token as the masking key, decision 0014): no SDK client in the bundle, and the extension's
 * cache spares Secrets Manager a call per invocation. Read once per container; a failed read is not
 * kept. Errors name the secret, never its value.
 */
import { ConfigurationError, TransientDependencyError } from '../../core/errors';

/** The extension's default port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT changes it). */
export const SECRETS_EXTENSION_PORT = 2773;

export interface SecretsExtensionSettings {
  /** A secret id or ARN, or `ssm:<parameter name>`. */
  readonly secretId: string;
  /** Base URL of the extension, e.g. http://localhost:2773. */
  readonly endpoint: string;
  /** The extension checks this header against the function's session token. */
  readonly token: string;
}

export class SecretsExtensionText {
  private cached: Promise<string> | undefined;

  constructor(
    private readonly settings: SecretsExtensionSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  value(): Promise<string> {
    this.cached ??= this.read().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private async read(): Promise<string> {
    const { secretId, endpoint, token } = this.settings;
    const ssm = secretId.startsWith('ssm:');
    const url = ssm
      ? `${endpoint}/systemsmanager/parameters/get?name=${encodeURIComponent(secretId.slice(4))}&withDecryption=true`
      : `${endpoint}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { 'X-Aws-Parameters-Secrets-Token': token },
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new TransientDependencyError(
        `the secrets extension at ${endpoint} did not answer for ${secretId}: ${(error as Error).message}`,
      );
    }
    if (response.status >= 500 || response.status === 429)
      throw new TransientDependencyError(`reading ${secretId}: HTTP ${response.status}`);
    if (!response.ok)
      throw new ConfigurationError(
        `${secretId} cannot be read (HTTP ${response.status}); check the secret's name and the function's grant`,
      );
    const body = (await response.json()) as { SecretString?: unknown; Parameter?: { Value?: unknown } };
    const value = ssm ? body.Parameter?.Value : body.SecretString;
    if (typeof value !== 'string' || value === '')
      throw new ConfigurationError(`${secretId} holds no text (a binary secret is not supported)`);
    return value;
  }
}
