/**
 * The environment's `openLineage` setting (cdk.json): where the OpenLineage function sends the
 * RunEvents of every tested version. Absent means off: no function, no rule. One of
 * - `{ "transport": "http", "url": "https://marquez.example.com/api/v1/lineage", "apiKeySecret"?: "<secret id or ARN, or ssm:name>" }`
 * - `{ "transport": "datazone", "domainId": "dzd_..." }` (the AWS catalog's PostLineageEvent)
 * - `{ "transport": "s3", "prefix": "openlineage/" }` (objects in the artifacts bucket)
 * and optionally `namespace`, the namespace of the test jobs (default `prt-<environment>`).
 */
import * as z from 'zod';
import { OPENLINEAGE_ENV } from '../../lambdas/runtime/openlineage-environment';

export type OpenLineageSettings = { readonly namespace: string } & (
  | { readonly transport: 'http'; readonly url: string; readonly apiKeySecret?: string }
  | { readonly transport: 'datazone'; readonly domainId: string }
  | { readonly transport: 's3'; readonly prefix: string }
);

const message = (what: string) => ({
  error: (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? `is required (${what})` : `${JSON.stringify(issue.input)} is not ${what}`,
});

const namespace = z
  .string(message('a namespace (letters, digits, . _ - : /)'))
  .regex(/^[A-Za-z0-9._:/-]{1,200}$/, message('a namespace (letters, digits, . _ - : /)'))
  .optional();

export const openLineageSchema = z.discriminatedUnion(
  'transport',
  [
    z.strictObject({
      transport: z.literal('http'),
      url: z
        .string(message('an http(s) URL'))
        .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, message('an http(s) URL')),
      apiKeySecret: z
        .string(message('a secret name or ARN, or ssm:<parameter name>'))
        .min(1, message('a secret name or ARN, or ssm:<parameter name>'))
        .optional(),
      namespace,
    }),
    z.strictObject({
      transport: z.literal('datazone'),
      domainId: z
        .string(message('a DataZone domain id (dzd_...)'))
        .regex(/^dzd[-_][a-zA-Z0-9_-]{1,36}$/, message('a DataZone domain id (dzd_...)')),
      namespace,
    }),
    z.strictObject({
      transport: z.literal('s3'),
      prefix: z
        .string(message('a key prefix ending in "/" (no leading "/")'))
        .regex(/^[^/].*\/$/, message('a key prefix ending in "/" (no leading "/")')),
      namespace,
    }),
  ],
  { error: () => 'must be an object with transport "http" (url), "datazone" (domainId) or "s3" (prefix)' },
);

/** The parsed setting with its default namespace, without the keys zod leaves undefined. */
export function openLineageSettings(
  envName: string,
  raw: z.infer<typeof openLineageSchema>,
): OpenLineageSettings {
  const ns = raw.namespace ?? `prt-${envName}`;
  switch (raw.transport) {
    case 'http':
      return {
        transport: 'http',
        url: raw.url,
        namespace: ns,
        ...(raw.apiKeySecret !== undefined ? { apiKeySecret: raw.apiKeySecret } : {}),
      };
    case 'datazone':
      return { transport: 'datazone', domainId: raw.domainId, namespace: ns };
    case 's3':
      return { transport: 's3', prefix: raw.prefix, namespace: ns };
  }
}

/** The OpenLineage function's environment for a setting (the CDK construct and the embedded stack). */
export function openLineageEnvironment(settings: OpenLineageSettings): Record<string, string> {
  const env: Record<string, string> = {
    [OPENLINEAGE_ENV.transport]: settings.transport,
    [OPENLINEAGE_ENV.namespace]: settings.namespace,
  };
  if (settings.transport === 'http') {
    env[OPENLINEAGE_ENV.url] = settings.url;
    if (settings.apiKeySecret !== undefined) env[OPENLINEAGE_ENV.apiKeySecret] = settings.apiKeySecret;
  } else if (settings.transport === 'datazone') env[OPENLINEAGE_ENV.domainId] = settings.domainId;
  else env[OPENLINEAGE_ENV.prefix] = settings.prefix;
  return env;
}

/**
 * The OpenLineage function's timeout: two events per version, each given at most the transport's
 * timeout (10 s by default), plus reading the registry, the report and the lineage edges.
 */
export const OPENLINEAGE_FUNCTION_TIMEOUT_SECONDS = 60;
