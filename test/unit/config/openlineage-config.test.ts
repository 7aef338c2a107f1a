/**
 * The environment's `openLineage` setting: each transport parsed with its default namespace,
 * absent means off, and a wrong value is named with what was expected.
 */
import { describe, expect, it } from 'vitest';
import { parseEnvironmentConfig } from '../../../lib/config/environment-config';
import { openLineageEnvironment } from '../../../lib/config/openlineage-config';
import { cdkEnvironments } from '../../fixtures/cdk-environments';

const dev = () => cdkEnvironments()['dev'] as Record<string, unknown>;

describe('openLineage setting', () => {
  it('is off when absent', () => {
    // Act
    const config = parseEnvironmentConfig('dev', dev());
    // Assess
    expect(config.openLineage).toBeUndefined();
  });

  it.each([
    [
      { transport: 'http', url: 'https://m.example.com/api/v1/lineage', apiKeySecret: 'prt/key' },
      {
        PRT_OPENLINEAGE_URL: 'https://m.example.com/api/v1/lineage',
        PRT_OPENLINEAGE_API_KEY_SECRET: 'prt/key',
      },
    ],
    [{ transport: 'datazone', domainId: 'dzd_abc' }, { PRT_OPENLINEAGE_DOMAIN_ID: 'dzd_abc' }],
    [{ transport: 's3', prefix: 'openlineage/' }, { PRT_OPENLINEAGE_PREFIX: 'openlineage/' }],
  ])('parses %j and carries it to the function environment', (raw, env) => {
    // Act
    const config = parseEnvironmentConfig('dev', { ...dev(), openLineage: raw });
    // Assess
    expect(config.openLineage).toEqual({ ...raw, namespace: 'prt-dev' });
    expect(openLineageEnvironment(config.openLineage!)).toEqual({
      PRT_OPENLINEAGE_TRANSPORT: raw.transport,
      PRT_OPENLINEAGE_NAMESPACE: 'prt-dev',
      ...env,
    });
  });

  it.each([
    [{ transport: 'kafka' }, /openLineage.*transport "http"/],
    [{ transport: 'http', url: 'ftp://x' }, /openLineage\.url.*http\(s\) URL/],
    [{ transport: 'datazone', domainId: 'abc' }, /openLineage\.domainId/],
    [{ transport: 's3', prefix: '/abs/' }, /openLineage\.prefix/],
    [{ transport: 's3', prefix: 'ol/', extra: 1 }, /openLineage/],
  ])('refuses %j, naming the setting', (raw, message) => {
    // Act
    const parse = () => parseEnvironmentConfig('dev', { ...dev(), openLineage: raw });
    // Assess
    expect(parse).toThrow(message);
  });
});
