/**
 * The masking key, read through the AWS Parameters and Secrets Lambda Extension: a local HTTP
 * endpoint (port 2773) in the function's sandbox that fetches and caches a Secrets Manager secret
 * or an SSM SecureString parameter. It needs no SDK client in the bundle, and the extension's
 * cache spares a call per invocation. A `ssm:` prefix names a parameter (`ssm:/prt/dev/masking-key`);
 * anything else is a secret id or ARN. The embedded stack serves the same two paths on loopback.
 *
 * The key's bytes are the UTF-8 bytes of the secret string. Errors name the secret, never its value.
 */
import { ConfigurationError, TransientDependencyError } from '../../core/errors';
import { checkMaskingKey, type MaskingKeySource } from '../../core/masking';

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

export class SecretsExtensionMaskingKey implements MaskingKeySource {
  private cached: Promise<Uint8Array> | undefined;

  constructor(
    private readonly settings: SecretsExtensionSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  key(): Promise<Uint8Array> {
    // One read per container; a failed read is not kept, so the next invocation tries again.
    this.cached ??= this.read().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private async read(): Promise<Uint8Array> {
    const { secretId, endpoint, token } = this.settings;
    const ssm = secretId.startsWith('ssm:');
    const url = ssm
      ? `${endpoint}/systemsmanager/parameters/get?name=${encodeURIComponent(secretId.slice(4))}&withDecryption=true`
      : `${endpoint}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers: { 'X-Aws-Parameters-Secrets-Token': token } });
    } catch (error) {
      throw new TransientDependencyError(
        `the secrets extension at ${endpoint} did not answer for the masking key ${secretId}: ${(error as Error).message}`,
      );
    }
    if (response.status >= 500 || response.status === 429)
      throw new TransientDependencyError(`reading the masking key ${secretId}: HTTP ${response.status}`);
    if (!response.ok)
      throw new ConfigurationError(
        `the masking key ${secretId} cannot be read (HTTP ${response.status}); check the secret's name and the function's grant`,
      );
    const body = (await response.json()) as { SecretString?: unknown; Parameter?: { Value?: unknown } };
    const value = ssm ? body.Parameter?.Value : body.SecretString;
    if (typeof value !== 'string')
      throw new ConfigurationError(
        `the masking key ${secretId} holds no text (a binary secret is not supported)`,
      );
    try {
      return checkMaskingKey(new TextEncoder().encode(value));
    } catch (error) {
      throw new ConfigurationError(`the masking key ${secretId}: ${(error as Error).message}`);
    }
  }
}
