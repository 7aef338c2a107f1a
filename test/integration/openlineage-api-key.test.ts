/**
 * The OpenLineage HTTP transport's API key, through the embedded stack as deployed: the
 * environment's openLineage names an apiKeySecret, the function reads it through the Parameters
 * and Secrets extension (here its loopback stand-in, which checks the session token header as the
 * extension does), and the receiver, which refuses any other key, gets every RunEvent with
 * `Authorization: Bearer <key>`. A file of its own: the function reads its transport and its key
 * once per container, and modules are cached per test file.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsExtensionText } from '../../lambdas/adapters/aws/secrets-extension-text';
import type { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localS3Client } from '../../lib/local/local-clients';
import {
  startOpenLineageReceiver,
  startStackSendingLineageTo,
  type OpenLineageReceiver,
} from '../fixtures/openlineage-receiver';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const SECRET_ID = 'prt/dev/openlineage-api-key';
const API_KEY = randomBytes(16).toString('hex');

interface Received {
  readonly authorization: string | undefined;
  readonly eventType: string;
  readonly status: number;
}

const received: Received[] = [];
let receiver: OpenLineageReceiver;
let stack: EmbeddedStack;
let s3: S3Client;
const log: string[] = [];

beforeAll(async () => {
  // A receiver that takes an event only with the key, as Marquez or DataHub behind a token does.
  receiver = await startOpenLineageReceiver((req, text) => {
    const authorization = req.headers['authorization'];
    const status = authorization === `Bearer ${API_KEY}` ? 201 : 401;
    received.push({
      authorization,
      eventType: (JSON.parse(text) as { eventType: string }).eventType,
      status,
    });
    return { status };
  });
  stack = await startStackSendingLineageTo(receiver, {
    apiKeySecret: SECRET_ID,
    secrets: { [SECRET_ID]: API_KEY },
    log: (line) => log.push(line),
  });
  s3 = localS3Client(stack.endpoints.s3);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
  await receiver?.close();
});

describe('the OpenLineage API key on the embedded stack', () => {
  it("reaches the receiver as the Authorization header, read from the secret through the extension's API", async () => {
    // Arrange
    const key = 'pipelines/sales/run-ol-key/preprocessing/training_data/good.csv';

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.resources.outputsBucket,
        Key: key,
        Body: `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`,
      }),
    );
    await stack.idle(120_000);

    // Assess
    expect(stack.undeliveredEvents).toEqual([]);
    expect(received.map((r) => [r.eventType, r.status])).toEqual([
      ['COMPLETE', 201],
      ['COMPLETE', 201],
    ]);
    expect(received.every((r) => r.authorization === `Bearer ${API_KEY}`)).toBe(true);
    const reads = stack.secretsExtension!.requests;
    expect(reads).toEqual([
      { route: 'secretsmanager', secretId: SECRET_ID, tokenMatched: true, status: 200 },
    ]);
    expect(log.join('\n')).not.toContain(API_KEY);
  });

  it('has a stand-in that refuses a reader without the session token, as the extension does', async () => {
    // Arrange
    const url = `${stack.secretsExtension!.endpoint}/secretsmanager/get?secretId=${encodeURIComponent(SECRET_ID)}`;

    // Act
    const without = await fetch(url);
    const wrong = await fetch(url, { headers: { 'X-Aws-Parameters-Secrets-Token': 'not-the-token' } });

    // Assess
    expect([without.status, wrong.status]).toEqual([401, 401]);
    expect(await without.text()).not.toContain(API_KEY);
  });

  it("serves a Parameter Store parameter on the extension's route to the project's own reader", async () => {
    // Arrange
    stack.secretsExtension!.secrets.set('ssm:/prt/dev/lineage-key', 'parameter-text');
    const reader = new SecretsExtensionText({
      secretId: 'ssm:/prt/dev/lineage-key',
      endpoint: stack.secretsExtension!.endpoint,
      token: stack.secretsExtension!.token,
    });

    // Act
    const value = await reader.value();

    // Assess
    expect(value).toBe('parameter-text');
    expect(stack.secretsExtension!.requests.at(-1)).toEqual({
      route: 'systemsmanager',
      secretId: 'ssm:/prt/dev/lineage-key',
      tokenMatched: true,
      status: 200,
    });
  });
});
