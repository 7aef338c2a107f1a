/**
 * The DataZone transport's request: PostLineageEvent's path on the regional endpoint, signed with
 * SigV4 for the service `datazone`, the event as the body, and the run id and type as Client-Token.
 */
import { describe, expect, it } from 'vitest';
import { DataZoneLineageTransport } from '../../../../lambdas/adapters/aws/datazone-lineage-transport';
import type { RunEvent } from '../../../../lambdas/core/openlineage';

const EVENT = {
  eventType: 'FAIL',
  eventTime: '2026-12-07T00:00:00Z',
  producer: 'urn:x',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  run: { runId: '00000000-0000-5000-8000-000000000001' },
  job: { namespace: 'prt-dev', name: 'test.sales.preprocessing.training_data' },
  inputs: [],
  outputs: [],
} satisfies RunEvent;

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('DataZoneLineageTransport', () => {
  it('POSTs the event to the domain lineage path, SigV4-signed for datazone, with a Client-Token', async () => {
    // Arrange
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchImpl = ((url: URL, init: RequestInit) => {
      calls.push({ url: url.toString(), init });
      return Promise.resolve(new Response('{"domainId":"dzd_abc","id":"x"}', { status: 200 }));
    }) as unknown as typeof fetch;
    const transport = new DataZoneLineageTransport(
      { domainId: 'dzd_abc', region: 'eu-west-1' },
      CREDENTIALS,
      fetchImpl,
    );
    // Act
    await transport.send(EVENT);
    // Assess
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://datazone.eu-west-1.api.aws/v2/domains/dzd_abc/lineage/events');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/datazone\/aws4_request, SignedHeaders=[^,]*client-token[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['client-token']).toBe('00000000-0000-5000-8000-000000000001-FAIL');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual(EVENT);
  });

  it('classes a refusal: 403 as a configuration error, 500 as transient', async () => {
    // Arrange
    const answer = (status: number) =>
      new DataZoneLineageTransport({ domainId: 'dzd_abc', region: 'eu-west-1' }, CREDENTIALS, () =>
        Promise.resolve(new Response('denied', { status })),
      );
    // Act
    const denied = answer(403).send(EVENT);
    const down = answer(500).send(EVENT);
    // Assess
    await expect(denied).rejects.toMatchObject({ name: 'ConfigurationError' });
    await expect(down).rejects.toMatchObject({ name: 'TransientDependencyError' });
  });
});
