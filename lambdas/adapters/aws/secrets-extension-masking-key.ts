/**
 * The masking key, read through the AWS Parameters and Secrets Lambda Extension: a local HTTP
 * endpoint (port 2773) in the function's sandbox that fetches and caches a Secrets Manager secret
 * or an SSM SecureString parameter. It needs no SDK client in the bundle, and the extension's
 * cache spares a call per invocation. A `ssm:` prefix names a parameter (`ssm:/prt/dev/masking-key`);
 * anything else is a secret id or ARN. The embedded stack serves the same two paths on loopback.
 *
 * The key's bytes are the UTF-8 bytes of the secret string. Errors name the secret, never its value.
 */
import { ConfigurationError } from '../../core/errors';
import { SecretsExtensionText, type SecretsExtensionSettings } from './secrets-extension-text';
import { checkMaskingKey, type MaskingKeySource } from '../../core/masking';

export { SECRETS_EXTENSION_PORT, type SecretsExtensionSettings } from './secrets-extension-text';

export class SecretsExtensionMaskingKey implements MaskingKeySource {
  private readonly text: SecretsExtensionText;
  private cached: Promise<Uint8Array> | undefined;

  constructor(
    private readonly settings: SecretsExtensionSettings,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.text = new SecretsExtensionText(settings, fetchImpl);
  }

  key(): Promise<Uint8Array> {
    // One read per container; a failed read is not kept, so the next invocation tries again.
    this.cached ??= this.read().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private async read(): Promise<Uint8Array> {
    // The secret's text through the extension (its errors name the secret, never its value).
    const value = await this.text.value();
    try {
      return checkMaskingKey(new TextEncoder().encode(value));
    } catch (error) {
      throw new ConfigurationError(`the masking key ${this.settings.secretId}: ${(error as Error).message}`);
    }
  }
}
