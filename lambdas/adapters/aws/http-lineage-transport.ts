/**
 * OpenLineage over HTTP: each RunEvent POSTed as JSON to the receiver's endpoint (Marquez's
 * `/api/v1/lineage`, DataHub's `/openapi/openlineage/api/v1/lineage`, OpenMetadata's), as the
 * OpenLineage HTTP transport does, with `Authorization: Bearer <key>` when the environment names an
 * API key secret. The key is read through the Parameters and Secrets extension (as the masking key
 * is, decision 0014), once per container, and never put in a log or an error.
 *
 * Bounded: a receiver that does not answer within the timeout is abandoned with a
 * TransientDependencyError, so the subscriber fails and EventBridge retries it (then the
 * dead-letter queue), rather than the function hanging until its own timeout.
 */
import { ConfigurationError, TransientDependencyError } from '../../core/errors';
import type { OpenLineageTransport, RunEvent } from '../../core/openlineage';

/** Milliseconds a receiver has to answer one event; the function's timeout leaves room for several. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

export interface HttpTransportSettings {
  readonly url: string;
  /** Gives the API key; absent for a receiver without authentication. */
  readonly apiKey?: () => Promise<string>;
  readonly timeoutMs?: number;
}

export class HttpLineageTransport implements OpenLineageTransport {
  readonly describe: string;

  constructor(
    private readonly settings: HttpTransportSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    // The URL's origin and path only: a query string could carry a token.
    const u = new URL(settings.url);
    this.describe = `${u.origin}${u.pathname}`;
  }

  async send(event: RunEvent): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.settings.apiKey) headers['authorization'] = `Bearer ${await this.settings.apiKey()}`;
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    let response: Response;
    try {
      response = await this.fetchImpl(this.settings.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const e = error as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
      throw new TransientDependencyError(
        `the OpenLineage receiver ${this.describe} did not take the event: ${why}`,
      );
    }
    // The body is read (and dropped) so the connection can be reused; a few hundred bytes of it
    // go into the error, enough to see a receiver's complaint without logging a whole page.
    const body = (await response.text().catch(() => '')).slice(0, 300);
    if (response.ok) return;
    const message = `the OpenLineage receiver ${this.describe} answered HTTP ${response.status}${body ? `: ${body}` : ''}`;
    if (response.status >= 500 || response.status === 429 || response.status === 408)
      throw new TransientDependencyError(message);
    throw new ConfigurationError(message);
  }
}
