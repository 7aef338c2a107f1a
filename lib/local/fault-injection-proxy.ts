/**
 * A fault-injecting HTTP reverse proxy for the embedded stack's S3 and DynamoDB servers (the
 * reliability suite's "injected faults"): each request is passed through, or answered with what the
 * real service answers when it is overloaded or failing, chosen by a seeded generator so a run can
 * be repeated. The faults are the ones the SDKs and the state machine must absorb:
 *
 * - `throttle`: S3 `503 SlowDown`; DynamoDB `400 ThrottlingException` or
 *   `ProvisionedThroughputExceededException` (alternating), answered without forwarding;
 * - `server-error`: S3 `500 InternalError`; DynamoDB `500 InternalServerError`, without forwarding;
 * - `drop-request`: the connection is destroyed before the request reaches the server;
 * - `drop-response`: the request IS forwarded and done, then the connection is destroyed before the
 *   answer is sent (the work happened, the caller does not know: a conditional write retried by the
 *   SDK then finds its own item);
 * - `slow`: the request waits `slowMs` and then passes.
 *
 * Counters per kind and per operation (DynamoDB's X-Amz-Target action, S3's method and object/bucket
 * level) let a test compare requests with faults, i.e. see the SDK's own retries.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxiedService = 's3' | 'dynamodb';

export const FAULT_KINDS = ['throttle', 'server-error', 'drop-request', 'drop-response', 'slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultInjectionOptions {
  /** Base URL of the real server, e.g. `http://127.0.0.1:4568`. */
  readonly upstream: string;
  /** Decides the shape of error answers (S3 XML or DynamoDB JSON) and how operations are named. */
  readonly service: ProxiedService;
  /** Share of requests that get a fault, 0–1. */
  readonly faultRate: number;
  /** Seed of the generator that picks which requests get which fault. */
  readonly seed: number;
  /** The faults to choose from, equally likely (default: all). */
  readonly kinds?: readonly FaultKind[];
  /** Delay of a `slow` request (default 150 ms). */
  readonly slowMs?: number;
}

export interface OperationCount {
  requests: number;
  faults: number;
}

export interface FaultStats {
  readonly requests: number;
  readonly passed: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Per operation (`PutItem`, `PUT object`...): requests seen and faults injected. */
  readonly operations: Readonly<Record<string, OperationCount>>;
}

/** mulberry32: a small, fast, seedable generator; enough to spread faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The name of the operation a request calls, for the per-operation counters. */
export function operationOf(
  service: ProxiedService,
  req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
): string {
  if (service === 'dynamodb') {
    const target = req.headers['x-amz-target'];
    const action = (Array.isArray(target) ? target[0] : target)?.split('.').pop();
    return action ?? `${req.method ?? 'GET'} (no target)`;
  }
  // Path-style S3: /bucket is a bucket operation, /bucket/key an object operation.
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const level = path.split('/').filter(Boolean).length > 1 ? 'object' : 'bucket';
  return `${req.method ?? 'GET'} ${level}`;
}

interface FaultAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What the real service answers for a throttle or server fault. */
export function faultAnswer(
  service: ProxiedService,
  kind: 'throttle' | 'server-error',
  nth = 0,
): FaultAnswer {
  const requestId = randomUUID();
  if (service === 's3') {
    const [status, code, message] =
      kind === 'throttle'
        ? [503, 'SlowDown', 'Please reduce your request rate.']
        : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
    return {
      status,
      contentType: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  const prefix = 'com.amazonaws.dynamodb.v20120810#';
  if (kind === 'throttle') {
    // Both throttling answers DynamoDB gives, so both retry paths are exercised.
    const type =
      nth % 2 === 0
        ? ['ThrottlingException', 'Rate of requests exceeds the allowed throughput.']
        : [
            'ProvisionedThroughputExceededException',
            'The level of configured provisioned throughput for the table was exceeded.',
          ];
    return {
      status: 400,
      contentType: 'application/x-amz-json-1.0',
      body: JSON.stringify({ __type: `${prefix}${type[0]}`, message: type[1] }),
    };
  }
  return {
    status: 500,
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: `${prefix}InternalServerError`, message: 'Internal server error' }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class FaultInjectionProxy {
  /** Off: every request passes (setup and verification phases). */
  enabled = true;
  private readonly random: () => number;
  private readonly kinds: readonly FaultKind[];
  private readonly counts = { requests: 0, passed: 0 };
  private readonly faults: Record<FaultKind, number> = {
    throttle: 0,
    'server-error': 0,
    'drop-request': 0,
    'drop-response': 0,
    slow: 0,
  };
  private readonly operations: Record<string, OperationCount> = {};
  private readonly agent = new Agent({ keepAlive: true });
  private readonly upstream: URL;

  private constructor(
    private readonly options: FaultInjectionOptions,
    private readonly server: Server,
    /** The proxy's base URL, to give to clients instead of the upstream's. */
    readonly url: string,
  ) {
    this.random = seededRandom(options.seed);
    this.kinds = options.kinds ?? FAULT_KINDS;
    this.upstream = new URL(options.upstream);
    if (this.kinds.length === 0) throw new Error('FaultInjectionProxy: kinds must name at least one fault');
  }

  static async start(options: FaultInjectionOptions): Promise<FaultInjectionProxy> {
    if (!(options.faultRate >= 0 && options.faultRate <= 1))
      throw new Error(`FaultInjectionProxy: faultRate must be within 0–1, got ${options.faultRate}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultInjectionProxy(options, server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      proxy.handle(req, res).catch(() => {
        // The client went away or the upstream failed mid-answer: the connection is all that is left.
        req.socket.destroy();
      });
    });
    return proxy;
  }

  stats(): FaultStats {
    return {
      requests: this.counts.requests,
      passed: this.counts.passed,
      faults: { ...this.faults },
      operations: Object.fromEntries(Object.entries(this.operations).map(([k, v]) => [k, { ...v }])),
    };
  }

  /** The fault for the next request, or undefined to pass it. */
  private choose(): FaultKind | undefined {
    if (!this.enabled) return undefined;
    // Two draws per request whatever the outcome, so the sequence of choices depends only on the seed.
    const hit = this.random() < this.options.faultRate;
    const pick = this.kinds[Math.floor(this.random() * this.kinds.length)];
    return hit ? pick : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = operationOf(this.options.service, req);
    const op = (this.operations[operation] ??= { requests: 0, faults: 0 });
    op.requests++;
    this.counts.requests++;
    const fault = this.choose();
    if (fault === undefined) this.counts.passed++;
    else {
      this.faults[fault]++;
      if (fault !== 'slow') op.faults++;
    }

    switch (fault) {
      case 'throttle':
      case 'server-error': {
        const answer = faultAnswer(this.options.service, fault, this.faults[fault]);
        res.writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': Buffer.byteLength(answer.body),
          'x-amz-request-id': randomUUID(),
        });
        res.end(answer.body);
        return;
      }
      case 'drop-request':
        req.socket.destroy();
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, this.options.slowMs ?? 150));
        break;
      default:
        break;
    }
    const answer = await this.forward(req, body);
    if (fault === 'drop-response') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      // The client signed the Host it talked to (the proxy's); it is forwarded unchanged, so the
      // server checks the signature against the same value.
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined && name !== 'connection') headers[name] = value;
      }
      const upstream = httpRequest(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        (response) => {
          readBody(response).then((data) => {
            const out: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding')
                out[name] = value;
            }
            // A HEAD answer's length is the object's, not of the (empty) body that came with it.
            const bodiless =
              req.method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304;
            if (!bodiless) out['content-length'] = String(data.length);
            resolve({ status: response.statusCode ?? 502, headers: out, body: data });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}
