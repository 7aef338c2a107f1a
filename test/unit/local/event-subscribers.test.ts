/**
 * The embedded stand-in of a queue read through an event source mapping (LocalEventQueue): events
 * gathered until a batch is full or its window ends, handed over as an SQS event whose bodies are
 * the EventBridge events, batch item failures delivered again, and a message that fails every
 * receive kept as undelivered, never dropped.
 */
import { describe, expect, it } from 'vitest';
import {
  LOCAL_DELIVERY_ATTEMPTS,
  LocalEventQueue,
  type UndeliveredEvent,
} from '../../../lib/local/event-subscribers';
import type { PublishedEvent } from '../../../lib/local/task-bindings';

interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly eventSource: string;
}

function event(n: number): PublishedEvent {
  return {
    source: 'pipeline-runtime-testing',
    detailType: 'Output Tested',
    detail: JSON.stringify({ n }),
    resources: [],
    at: '2026-12-07T08:00:00Z',
  };
}

/** A handler that records each batch (the `n` of each event) and answers with `respond`. */
function recording(
  respond: (records: readonly SqsRecord[], call: number) => unknown = () => ({ batchItemFailures: [] }),
) {
  const batches: number[][] = [];
  const handler = (input: unknown) => {
    const records = (input as { Records: SqsRecord[] }).Records;
    batches.push(records.map((r) => (JSON.parse(r.body) as { detail: { n: number } }).detail.n));
    return Promise.resolve(respond(records, batches.length));
  };
  return { batches, handler };
}

const noLog = (): void => undefined;

describe('LocalEventQueue', () => {
  it('hands over a full batch at once, and the rest when the window ends, as SQS records of EventBridge events', async () => {
    // Arrange
    const { batches, handler } = recording();
    const queue = new LocalEventQueue(
      { name: 'run-report', handler, timeoutMs: 1000 },
      { size: 3, windowMs: 50, concurrency: 1 },
    );
    const undelivered: UndeliveredEvent[] = [];

    // Act
    await Promise.all([1, 2, 3, 4, 5].map((n) => queue.send(event(n), undelivered, noLog)));

    // Assess
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(queue.invocations).toEqual([3, 2]);
    expect(undelivered).toEqual([]);
  });

  it('delivers the batch item failures again, and only those', async () => {
    // Arrange
    const { batches, handler } = recording((records, call) => ({
      batchItemFailures: call === 1 ? [{ itemIdentifier: records[1]!.messageId }] : [],
    }));
    const queue = new LocalEventQueue(
      { name: 'run-report', handler, timeoutMs: 1000 },
      { size: 10, windowMs: 10, concurrency: 1 },
    );
    const undelivered: UndeliveredEvent[] = [];

    // Act
    await Promise.all([1, 2, 3].map((n) => queue.send(event(n), undelivered, noLog)));

    // Assess
    expect(batches).toEqual([[1, 2, 3], [2]]);
    expect(undelivered).toEqual([]);
  });

  it('keeps a message that fails every receive as undelivered, with why, and delivers again a whole batch that threw', async () => {
    // Arrange
    const { batches, handler } = recording(() => {
      throw Object.assign(new Error('table unavailable'), { name: 'ResourceNotFoundException' });
    });
    const queue = new LocalEventQueue(
      { name: 'run-report', handler, timeoutMs: 1000 },
      { size: 10, windowMs: 5, concurrency: 1 },
    );
    const undelivered: UndeliveredEvent[] = [];
    const lines: string[] = [];

    // Act
    await Promise.all([1, 2].map((n) => queue.send(event(n), undelivered, (line) => lines.push(line))));

    // Assess
    expect(batches).toEqual(Array.from({ length: LOCAL_DELIVERY_ATTEMPTS }, () => [1, 2]));
    expect(undelivered.map((u) => [u.subscriber, u.event.detail, u.error])).toEqual([
      ['run-report', '{"n":1}', 'ResourceNotFoundException: table unavailable'],
      ['run-report', '{"n":2}', 'ResourceNotFoundException: table unavailable'],
    ]);
    expect(lines).toHaveLength(2);
  });

  it('treats a batch item failure naming no message of the batch as a failure of the whole batch', async () => {
    // Arrange
    const { batches, handler } = recording((_records, call) => ({
      batchItemFailures: call === 1 ? [{ itemIdentifier: 'not-in-batch' }] : [],
    }));
    const queue = new LocalEventQueue(
      { name: 'run-report', handler, timeoutMs: 1000 },
      { size: 10, windowMs: 5, concurrency: 1 },
    );

    // Act
    await Promise.all([1, 2].map((n) => queue.send(event(n), [], noLog)));

    // Assess
    expect(batches).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('hands over what waits when flushed, without waiting for the window', async () => {
    // Arrange
    const { batches, handler } = recording();
    const queue = new LocalEventQueue(
      { name: 'run-report', handler, timeoutMs: 1000 },
      { size: 10, windowMs: 600_000, concurrency: 1 },
    );

    // Act
    const sent = Promise.all([1, 2].map((n) => queue.send(event(n), [], noLog)));
    queue.flush();
    await sent;

    // Assess
    expect(batches).toEqual([[1, 2]]);
  });

  it('refuses a batch size of zero', () => {
    // Arrange
    const { handler } = recording();

    // Act
    const creating = () =>
      new LocalEventQueue(
        { name: 'run-report', handler, timeoutMs: 1000 },
        { size: 0, windowMs: 5, concurrency: 1 },
      );

    // Assess
    expect(creating).toThrow(RangeError);
  });
});
