/**
 * Environment variables the OpenLineage function reads at cold start (openlineage-dependencies.ts):
 * the one list of their names, which the CDK construct and the embedded stack import through
 * lib/config/openlineage-config.ts, so the two cannot drift apart. Names only: importing this loads
 * no transport.
 */
export const OPENLINEAGE_ENV = {
  /** `http`, `datazone` or `s3`. */
  transport: 'PRT_OPENLINEAGE_TRANSPORT',
  /** http: the receiver's URL. */
  url: 'PRT_OPENLINEAGE_URL',
  /** http, optional: the API key's secret id or ARN, or `ssm:<parameter name>`. */
  apiKeySecret: 'PRT_OPENLINEAGE_API_KEY_SECRET',
  /** datazone: the domain id (dzd_...). */
  domainId: 'PRT_OPENLINEAGE_DOMAIN_ID',
  /** s3: the key prefix of the artifacts bucket the events go under (ends in /). */
  prefix: 'PRT_OPENLINEAGE_PREFIX',
  /** The namespace of the test jobs, e.g. prt-prod. */
  namespace: 'PRT_OPENLINEAGE_NAMESPACE',
  /** Optional: milliseconds a receiver has to answer one event (default DEFAULT_HTTP_TIMEOUT_MS). */
  timeoutMs: 'PRT_OPENLINEAGE_TIMEOUT_MS',
  /** Optional: base URL of the Parameters and Secrets extension (default http://localhost:2773). */
  secretsEndpoint: 'PRT_SECRETS_ENDPOINT',
} as const;

export const OPENLINEAGE_TRANSPORTS = ['http', 'datazone', 's3'] as const;
