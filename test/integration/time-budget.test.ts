/**
 * A test that runs out of function time, through the embedded stack: the validate function is
 * given a Lambda context whose remaining time drops under its reserve once it starts reading, as
 * a function near its timeout sees it. The workflow must record `error` (the test could not run)
 * with TimeBudgetExceeded and its reason — how far it got and what would make the object fit —
 * and alert it as a processing error: never `failed`, never a bare timeout.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { objectPk } from '../../lambdas/core/registry/output-registry';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';
import type { LocalHandler } from '../../lib/local/task-bindings';

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;

/** The validate function's clock: a minute when it starts, 2 s (under the 6 s reserve) after. */
function runningOutOfTime(fn: string, handler: LocalHandler): LocalHandler {
  if (fn !== 'validate') return handler;
  return (event, context) => {
    let looks = 0;
    const ctx = context as { getRemainingTimeInMillis: () => number };
    return handler(event, { ...ctx, getRemainingTimeInMillis: () => (looks++ === 0 ? 60_000 : 2_000) });
  };
}

beforeAll(async () => {
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    contractsDir: join(PROJECT_ROOT, 'contracts'),
    wrapHandler: runningOutOfTime,
  });
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a validation that runs out of function time', () => {
  it('is recorded as error with TimeBudgetExceeded and its reason, and alerted as a processing error', async () => {
    // Prepare
    const key = `pipelines/sales/budget-${Date.now().toString(36)}/ingestion/raw_orders/orders.csv`;
    const rows = Array.from({ length: 2000 }, (_, i) => `o-${i},${i + 1},12.5,2026-11-01T09:00:00Z`);
    const body = `order_id,customer_id,amount,ordered_at\n${rows.join('\n')}\n`;
    const uri = `s3://${stack.resources.outputsBucket}/${key}`;

    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: Buffer.from(body) }),
    );
    await stack.idle(120_000);

    // Assess
    const items = await db.send(
      new QueryCommand({
        TableName: stack.resources.registryTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': objectPk(uri) },
        ConsistentRead: true,
      }),
    );
    expect(items.Items).toHaveLength(1);
    const item = items.Items![0]!;
    expect(item['status']).toBe('error');
    expect(item['failureReason']).toBe('TimeBudgetExceeded');
    expect(String(item['failureCause'])).toContain(
      "stopped with 2 s of the function's 60 s left, before its timeout",
    );
    const alerts = stack.alerts.filter((a) => JSON.stringify(a).includes(key));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0])).toContain('processing-error');
  });
});
