/**
 * OpenLineage into the AWS catalog's lineage (Amazon DataZone / SageMaker Unified Studio
 * `PostLineageEvent`): `POST /v2/domains/<domainId>/lineage/events` with the RunEvent as the body,
 * signed with SigV4 for the service `datazone`. The service's SDK client is not a dependency (the
 * registry's @aws-sdk/client-datazone lags the API), so the request is signed with the signer and
 * credential chain every SDK client uses. The run id and event type make the Client-Token, so a
 * retried emission is the same request to the service's idempotency check.
 *
 * Bounded like the HTTP transport: no answer within the timeout is a TransientDependencyError.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { ConfigurationError, TransientDependencyError } from '../../core/errors';
import type { OpenLineageTransport, RunEvent } from '../../core/openlineage';
import { DEFAULT_HTTP_TIMEOUT_MS } from './http-lineage-transport';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The signer's hash: SHA-256, keyed (HMAC) when given a secret, as @aws-crypto/sha256-js is. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export interface DataZoneTransportSettings {
  readonly domainId: string;
  readonly region: string;
  /** Base URL of the service; the regional endpoint when absent. */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
}

export class DataZoneLineageTransport implements OpenLineageTransport {
  readonly describe: string;
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(
    private readonly settings: DataZoneTransportSettings,
    credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'] = defaultProvider(),
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    const base = settings.endpoint ?? `https://datazone.${settings.region}.api.aws`;
    this.url = new URL(`/v2/domains/${encodeURIComponent(settings.domainId)}/lineage/events`, base);
    this.describe = `DataZone domain ${settings.domainId} (${settings.region})`;
    this.signer = new SignatureV4({
      service: 'datazone',
      region: settings.region,
      credentials,
      sha256: NodeSha256,
    });
  }

  async send(event: RunEvent): Promise<void> {
    const body = JSON.stringify(event);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port !== '' ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: {
        host: this.url.host,
        'content-type': 'application/json',
        'client-token': `${event.run.runId}-${event.eventType}`,
      },
      body,
    });
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const e = error as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
      throw new TransientDependencyError(`PostLineageEvent to ${this.describe} failed: ${why}`);
    }
    const text = (await response.text().catch(() => '')).slice(0, 300);
    if (response.ok) return;
    const message = `PostLineageEvent to ${this.describe} answered HTTP ${response.status}${text ? `: ${text}` : ''}`;
    if (response.status >= 500 || response.status === 429) throw new TransientDependencyError(message);
    throw new ConfigurationError(message);
  }
}
