/**
 * The HTTP OpenLineage transport against a fake fetch: the event as JSON with the API key as a
 * bearer token, a hanging receiver abandoned at the timeout, and refusals classed as transient
 * (retry) or configuration (fix the setting), never naming the key.
 */
import { describe, expect, it } from 'vitest';
import { HttpLineageTransport } from '../../../../lambdas/adapters/aws/http-lineage-transport';
import type { RunEvent } from '../../../../lambdas/core/openlineage';

const EVENT = {
  eventType: 'COMPLETE',
  eventTime: '2026-12-07T00:00:00Z',
  producer: 'urn:x',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  run: { runId: '00000000-0000-5000-8000-000000000000' },
  job: { namespace: 'sales', name: 'preprocessing' },
  inputs: [],
  outputs: [],
} satisfies RunEvent;

describe('HttpLineageTransport', () => {
  it('POSTs the event as JSON with the API key as a bearer token', async () => {
    // Arrange
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchImpl = ((url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(new Response(null, { status: 201 }));
    }) as typeof fetch;
    const transport = new HttpLineageTransport(
      { url: 'https://lineage.example.com/api/v1/lineage?token=t', apiKey: () => Promise.resolve('k-123') },
      fetchImpl,
    );
    // Act
    await transport.send(EVENT);
    // Assess
    expect(calls).toHaveLength(1);
    expect(calls[0]!.init.method).toBe('POST');
    expect(calls[0]!.init.headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer k-123',
    });
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual(EVENT);
    expect(transport.describe).toBe('https://lineage.example.com/api/v1/lineage');
  });

  it('abandons a receiver that does not answer within the timeout, as a transient error', async () => {
    // Arrange: a fetch that only ends when its signal aborts
    const fetchImpl = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason as Error));
      })) as typeof fetch;
    const transport = new HttpLineageTransport(
      { url: 'http://127.0.0.1:9/lineage', timeoutMs: 100 },
      fetchImpl,
    );
    const started = Date.now();
    // Act
    const sending = transport.send(EVENT);
    // Assess
    await expect(sending).rejects.toMatchObject({
      name: 'TransientDependencyError',
      message: expect.stringContaining('no answer within 100 ms') as unknown,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    [503, 'TransientDependencyError'],
    [429, 'TransientDependencyError'],
    [401, 'ConfigurationError'],
    [400, 'ConfigurationError'],
  ])('classes an HTTP %i answer as %s, without the API key in the message', async (status, name) => {
    // Arrange
    const fetchImpl = (() => Promise.resolve(new Response('nope', { status }))) as typeof fetch;
    const transport = new HttpLineageTransport(
      { url: 'https://lineage.example.com/api/v1/lineage', apiKey: () => Promise.resolve('secret-key') },
      fetchImpl,
    );
    // Act
    const sending = transport.send(EVENT);
    // Assess
    await expect(sending).rejects.toMatchObject({ name });
    await expect(transport.send(EVENT)).rejects.not.toThrow(/secret-key/);
  });
});
