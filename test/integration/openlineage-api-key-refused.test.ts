/**
 * The OpenLineage HTTP transport's API key when it is missing or wrong, through the embedded stack:
 * the environment names an apiKeySecret that the secrets extension's stand-in does not hold, then
 * holds with a key the receiver refuses. Neither ends in silence: each version's Output Tested
 * delivery fails after its retries with the reason (the secret's name and HTTP status, or the
 * receiver's 401), is kept as undelivered (the dead-letter queue's stand-in) and logged, the
 * receiver takes no event, and no log or error carries the key. The two cases run in this order on
 * one stack: the function keeps a key it read for its container (as deployed), and a failed read
 * is not kept, so the second case reads the key the first could not.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStack } from '../../lib/local/embedded-stack';
import { LOCAL_DELIVERY_ATTEMPTS } from '../../lib/local/event-subscribers';
import { localS3Client } from '../../lib/local/local-clients';
import {
  startOpenLineageReceiver,
  startStackSendingLineageTo,
  type OpenLineageReceiver,
} from '../fixtures/openlineage-receiver';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const SECRET_ID = 'prt/dev/openlineage-api-key';
const API_KEY = randomBytes(16).toString('hex');
const WRONG_KEY = randomBytes(16).toString('hex');

const accepted: string[] = [];
const refused: string[] = [];
let receiver: OpenLineageReceiver;
let stack: EmbeddedStack;
let s3: S3Client;
const log: string[] = [];

beforeAll(async () => {
  receiver = await startOpenLineageReceiver((req, text) => {
    const ok = req.headers['authorization'] === `Bearer ${API_KEY}`;
    (ok ? accepted : refused).push(text);
    return { status: ok ? 201 : 401, json: { error: 'invalid token' } };
  });
  // No secrets: the environment names one the stand-in does not hold.
  stack = await startStackSendingLineageTo(receiver, {
    apiKeySecret: SECRET_ID,
    log: (line) => log.push(line),
  });
  s3 = localS3Client(stack.endpoints.s3);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
  await receiver?.close();
});

async function land(key: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: stack.resources.outputsBucket,
      Key: key,
      Body: `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`,
    }),
  );
  await stack.idle(120_000);
}

function undeliveredAbout(key: string) {
  return stack.undeliveredEvents.filter((u) => u.event.detail.includes(key));
}

describe('a missing or wrong OpenLineage API key on the embedded stack', () => {
  it('a secret the extension cannot find: the delivery fails, kept as undelivered and logged with the secret named', async () => {
    // Arrange
    const key = 'pipelines/sales/run-ol-nokey/preprocessing/training_data/good.csv';

    // Act
    await land(key);

    // Assess
    const [undelivered, ...more] = undeliveredAbout(key);
    expect(more).toEqual([]);
    expect(undelivered!.subscriber).toBe('prt-dev-openlineage');
    expect(undelivered!.error).toMatch(
      /^ConfigurationError: prt\/dev\/openlineage-api-key cannot be read \(HTTP 400\)/,
    );
    expect(log.some((l) => l.includes('did not take a Output Tested event') && l.includes(SECRET_ID))).toBe(
      true,
    );
    const reads = stack.secretsExtension!.requests.filter((r) => r.secretId === SECRET_ID);
    expect(reads).toHaveLength(LOCAL_DELIVERY_ATTEMPTS);
    expect(reads.every((r) => r.tokenMatched && r.status === 400)).toBe(true);
    expect(accepted).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('a key the receiver refuses: the delivery fails with its 401, kept as undelivered and logged, the key in no log', async () => {
    // Arrange
    stack.secretsExtension!.secrets.set(SECRET_ID, WRONG_KEY);
    const key = 'pipelines/sales/run-ol-wrongkey/preprocessing/training_data/good.csv';

    // Act
    await land(key);

    // Assess
    const [undelivered, ...more] = undeliveredAbout(key);
    expect(more).toEqual([]);
    expect(undelivered!.error).toMatch(/^ConfigurationError: the OpenLineage receiver .* answered HTTP 401/);
    expect(log.some((l) => l.includes('did not take a Output Tested event') && l.includes('HTTP 401'))).toBe(
      true,
    );
    expect(refused.length).toBe(LOCAL_DELIVERY_ATTEMPTS);
    expect(accepted).toEqual([]);
    const everything = [...log, ...stack.undeliveredEvents.map((u) => u.error)].join('\n');
    expect(everything).not.toContain(WRONG_KEY);
  });
});
