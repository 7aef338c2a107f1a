/**
 * The fault-injecting proxy on its own, in front of a loopback echo server (the unit tier forbids
 * sockets, so it lives here): each fault looks like what the real service answers, the server sees
 * exactly the requests the fault lets through, and the seeded generator gives the configured rate
 * and the same choices for the same seed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjectionProxy, type FaultInjectionOptions } from '../fixtures/fault-injection-proxy';
import { seededRandom } from '../fixtures/seeded-random';

let upstream: Server;
let upstreamUrl: string;
const received: { method: string; url: string; host: string; body: string }[] = [];
const proxies: FaultInjectionProxy[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', body });
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': '1234', etag: '"abc"' });
        res.end();
        return;
      }
      res.writeHead(201, { 'content-type': 'text/plain', 'x-echo': 'yes' });
      res.end(`echo:${body}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function proxy(options: Partial<FaultInjectionOptions>): Promise<FaultInjectionProxy> {
  const p = await FaultInjectionProxy.start({
    upstream: upstreamUrl,
    service: 's3',
    faultRate: 0,
    seed: 1,
    ...options,
  });
  proxies.push(p);
  return p;
}

function receivedSince(mark: number) {
  return received.slice(mark);
}

describe('fault-injection proxy', () => {
  it('passes requests through unchanged when no fault is chosen', async () => {
    // Prepare
    const p = await proxy({ faultRate: 0 });
    const mark = received.length;

    // Act
    const res = await fetch(`${p.url}/bucket/some/key?x=1`, { method: 'PUT', body: 'hello' });
    const head = await fetch(`${p.url}/bucket/some/key`, { method: 'HEAD' });

    // Assess
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(await res.text()).toBe('echo:hello');
    // A HEAD answer keeps the object's length, not the empty body's.
    expect(head.headers.get('content-length')).toBe('1234');
    expect(receivedSince(mark)).toEqual([
      { method: 'PUT', url: '/bucket/some/key?x=1', host: new URL(p.url).host, body: 'hello' },
      { method: 'HEAD', url: '/bucket/some/key', host: new URL(p.url).host, body: '' },
    ]);
    expect(p.stats()).toMatchObject({
      requests: 2,
      passed: 2,
      operations: { 'PUT object': { requests: 1, faults: 0 }, 'HEAD object': { requests: 1, faults: 0 } },
    });
  });

  it('answers S3 throttling with 503 SlowDown and server faults with 500 InternalError, without forwarding', async () => {
    // Prepare
    const throttle = await proxy({ faultRate: 1, kinds: ['throttle'] });
    const fault = await proxy({ faultRate: 1, kinds: ['server-error'] });
    const mark = received.length;

    // Act
    const slowDown = await fetch(`${throttle.url}/bucket/k`, { method: 'PUT', body: 'x' });
    const internal = await fetch(`${fault.url}/bucket`);

    // Assess
    expect(slowDown.status).toBe(503);
    expect(await slowDown.text()).toMatch(/<Error><Code>SlowDown<\/Code><Message>[^<]+<\/Message>/);
    expect(internal.status).toBe(500);
    expect(await internal.text()).toContain('<Code>InternalError</Code>');
    expect(receivedSince(mark)).toEqual([]);
    expect(throttle.stats().faults.throttle).toBe(1);
    expect(fault.stats().operations).toEqual({ 'GET bucket': { requests: 1, faults: 1 } });
  });

  it('answers DynamoDB throttling with both 400 throttling exceptions and server faults with 500', async () => {
    // Prepare
    const throttle = await proxy({ service: 'dynamodb', faultRate: 1, kinds: ['throttle'] });
    const fault = await proxy({ service: 'dynamodb', faultRate: 1, kinds: ['server-error'] });
    const call = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'DynamoDB_20120810.PutItem',
          'content-type': 'application/x-amz-json-1.0',
        },
        body: '{}',
      });

    // Act
    const answers = [await call(throttle.url), await call(throttle.url), await call(fault.url)];
    const bodies = await Promise.all(
      answers.map(async (a) => {
        const body = (await a.json()) as { __type: string; message: string };
        return [a.status, body.__type, typeof body.message] as const;
      }),
    );

    // Assess: the two throttling answers DynamoDB gives, one each, then the server fault.
    const prefix = 'com.amazonaws.dynamodb.v20120810#';
    expect(bodies.map(([status]) => status)).toEqual([400, 400, 500]);
    expect(new Set(bodies.slice(0, 2).map(([, type]) => type))).toEqual(
      new Set([`${prefix}ThrottlingException`, `${prefix}ProvisionedThroughputExceededException`]),
    );
    expect(bodies[2]).toEqual([500, `${prefix}InternalServerError`, 'string']);
    expect(throttle.stats().operations).toEqual({ PutItem: { requests: 2, faults: 2 } });
  });

  it('drops the connection before forwarding, or after the server did the work', async () => {
    // Prepare
    const before = await proxy({ faultRate: 1, kinds: ['drop-request'] });
    const after = await proxy({ faultRate: 1, kinds: ['drop-response'] });
    const mark = received.length;

    // Act
    const lost = await fetch(`${before.url}/bucket/a`, { method: 'PUT', body: 'never' }).catch(
      (e: unknown) => e,
    );
    const unanswered = await fetch(`${after.url}/bucket/b`, { method: 'PUT', body: 'done' }).catch(
      (e: unknown) => e,
    );

    // Assess: both callers see a failed connection; only the second request reached the server.
    expect(lost).toBeInstanceOf(TypeError);
    expect(unanswered).toBeInstanceOf(TypeError);
    expect(receivedSince(mark).map((r) => r.body)).toEqual(['done']);
    expect(before.stats().faults['drop-request']).toBe(1);
    expect(after.stats().faults['drop-response']).toBe(1);
  });

  it('delays a slow request and then passes it', async () => {
    // Prepare
    const p = await proxy({ faultRate: 1, kinds: ['slow'], slowMs: 120 });
    const started = Date.now();

    // Act
    const res = await fetch(`${p.url}/bucket/slow`, { method: 'PUT', body: 'late' });

    // Assess
    expect(await res.text()).toBe('echo:late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    // A slow request is counted as a fault of its kind but not as a failed request of its operation.
    expect(p.stats()).toMatchObject({ faults: { slow: 1 }, operations: { 'PUT object': { faults: 0 } } });
  });

  it('injects faults at the configured rate, the same ones for the same seed, none when disabled', async () => {
    // Prepare
    const make = (seed: number) => proxy({ faultRate: 0.3, seed, kinds: ['throttle', 'server-error'] });
    const [a, b] = [await make(42), await make(42)];
    const statuses = async (p: FaultInjectionProxy, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await fetch(`${p.url}/bucket/k${i}`)).status);
      return out;
    };

    // Act
    const first = await statuses(a, 400);
    const second = await statuses(b, 400);
    a.enabled = false;
    const disabled = await statuses(a, 20);

    // Assess
    expect(second).toEqual(first);
    const failed = first.filter((s) => s >= 500).length;
    expect(failed / first.length).toBeGreaterThan(0.22);
    expect(failed / first.length).toBeLessThan(0.38);
    expect(a.stats().faults.throttle + a.stats().faults['server-error']).toBe(failed);
    expect(disabled.every((s) => s === 201)).toBe(true);
  });

  it('seeds a generator that is uniform enough over [0, 1)', () => {
    // Prepare
    const random = seededRandom(7);

    // Act
    const draws = Array.from({ length: 10_000 }, random);

    // Assess
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    for (let bucket = 0; bucket < 10; bucket++) {
      const inBucket = draws.filter((d) => Math.floor(d * 10) === bucket).length;
      expect(inBucket).toBeGreaterThan(850);
      expect(inBucket).toBeLessThan(1150);
    }
    expect(seededRandom(7)()).toBe(draws[0]);
  });
});
