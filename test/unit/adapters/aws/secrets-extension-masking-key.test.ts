import { describe, expect, it } from 'vitest';
import { SecretsExtensionMaskingKey } from '../../../../lambdas/adapters/aws/secrets-extension-masking-key';
import { ConfigurationError, TransientDependencyError } from '../../../../lambdas/core/errors';

const SECRET = 'k'.repeat(40);

function answering(status: number, body: unknown, seen: string[] = []): typeof fetch {
  return ((url: string, init?: RequestInit) => {
    seen.push(`${url} ${JSON.stringify(init?.headers)}`);
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }) as typeof fetch;
}

describe('SecretsExtensionMaskingKey', () => {
  it('reads a Secrets Manager secret once per container, with the session token', async () => {
    // Arrange
    const seen: string[] = [];
    const source = new SecretsExtensionMaskingKey(
      { secretId: 'prt/dev/masking-key', endpoint: 'http://localhost:2773', token: 'session' },
      answering(200, { SecretString: SECRET }, seen),
    );

    // Act
    const first = await source.key();
    const second = await source.key();

    // Assess
    expect(Buffer.from(first).toString()).toBe(SECRET);
    expect(second).toBe(first);
    expect(seen).toEqual([
      'http://localhost:2773/secretsmanager/get?secretId=prt%2Fdev%2Fmasking-key {"X-Aws-Parameters-Secrets-Token":"session"}',
    ]);
  });

  it('reads an SSM SecureString parameter decrypted', async () => {
    // Arrange
    const seen: string[] = [];
    const source = new SecretsExtensionMaskingKey(
      { secretId: 'ssm:/prt/dev/masking-key', endpoint: 'http://localhost:2773', token: 't' },
      answering(200, { Parameter: { Value: SECRET } }, seen),
    );

    // Act
    const key = await source.key();

    // Assess
    expect(key.byteLength).toBe(40);
    expect(seen[0]).toContain(
      '/systemsmanager/parameters/get?name=%2Fprt%2Fdev%2Fmasking-key&withDecryption=true',
    );
  });

  it('maps a missing secret to a configuration error, an outage to a transient one, and never shows a short key', async () => {
    // Arrange
    const settings = { secretId: 'prt/dev/masking-key', endpoint: 'http://localhost:2773', token: 't' };

    // Act
    const missing = new SecretsExtensionMaskingKey(settings, answering(400, {})).key();
    const outage = new SecretsExtensionMaskingKey(settings, answering(503, {})).key();
    const short = new SecretsExtensionMaskingKey(
      settings,
      answering(200, { SecretString: 'tiny-secret' }),
    ).key();

    // Assess
    await expect(missing).rejects.toThrow(ConfigurationError);
    await expect(outage).rejects.toThrow(TransientDependencyError);
    await expect(short).rejects.toThrow(/11 bytes; it needs at least 32/);
    await expect(short).rejects.not.toThrow(/tiny-secret/);
  });
});
