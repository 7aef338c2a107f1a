/**
 * The embedded stand-in for EventBridge rules on the default bus: events the state machine puts
 * (Output Tested, ...) are delivered to the functions subscribed to their source and detail type,
 * as the deployed rules deliver them, with the deployed rules' retry policy in small (a failed
 * delivery is tried again, then kept in `undelivered`, the dead-letter queue's stand-in). The
 * subscriber sees the event as EventBridge shapes it: `detail` as an object, `resources` as put.
 *
 * A subscriber fed through a queue (the run report function: rule -> SQS -> event source mapping,
 * lib/run-report-writer.ts) gets its events through a LocalEventQueue instead: gathered for a
 * window or until a batch is full, handed over as an SQS event, and its batch item failures
 * delivered again until the last receive, then kept in `undelivered`.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './local-clients';
import { lambdaContext, type LocalHandler, type PublishedEvent } from './task-bindings';

export interface EventSubscriber {
  /** The function's name, e.g. `openlineage`. */
  readonly name: string;
  readonly source: string;
  readonly detailTypes: readonly string[];
  readonly handler: LocalHandler;
  /** The deployed function's timeout (ms), for the context's remaining time. */
  readonly timeoutMs: number;
  /** Set when the deployed rule sends to a queue the function reads in batches. */
  readonly queue?: LocalEventQueue;
}

export interface UndeliveredEvent {
  readonly subscriber: string;
  readonly event: PublishedEvent;
  readonly error: string;
}

/** Attempts per event and subscriber: the first and two retries (the deployed rules allow more, over hours). */
export const LOCAL_DELIVERY_ATTEMPTS = 3;

/** The EventBridge event a rule hands its target. */
export function eventBridgeEnvelope(event: PublishedEvent): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': event.detailType,
    source: event.source,
    account: LOCAL_ACCOUNT,
    time: event.at,
    region: LOCAL_REGION,
    resources: event.resources,
    detail: JSON.parse(event.detail) as unknown,
  };
}

/** Delivers one event to every matching subscriber; resolves when each has taken it or given up. */
export async function deliverToSubscribers(
  subscribers: readonly EventSubscriber[],
  event: PublishedEvent,
  undelivered: UndeliveredEvent[],
  log: (line: string) => void,
): Promise<void> {
  const targets = subscribers.filter(
    (s) => s.source === event.source && s.detailTypes.includes(event.detailType),
  );
  await Promise.all(
    targets.map(async (s) => {
      if (s.queue) return s.queue.send(event, undelivered, log);
      const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${s.name}`;
      let last = '';
      for (let attempt = 1; attempt <= LOCAL_DELIVERY_ATTEMPTS; attempt++) {
        try {
          await s.handler(eventBridgeEnvelope(event), lambdaContext(arn, s.timeoutMs));
          return;
        } catch (error) {
          last = `${(error as Error).name}: ${(error as Error).message}`;
        }
      }
      log(
        `${s.name} did not take a ${event.detailType} event after ${LOCAL_DELIVERY_ATTEMPTS} attempts: ${last}`,
      );
      undelivered.push({ subscriber: s.name, event, error: last });
    }),
  );
}

/** How a queue's event source mapping batches: as the deployed one does, with a shorter window. */
export interface LocalQueueBatching {
  /** Messages per invocation at most (the mapping's BatchSize). */
  readonly size: number;
  /** How long a message waits for others before a batch short of `size` is handed over (MaximumBatchingWindowInSeconds). */
  readonly windowMs: number;
  /** Invocations at once at most (the mapping's MaximumConcurrency). */
  readonly concurrency: number;
}

interface QueuedMessage {
  readonly messageId: string;
  /** The EventBridge event as the rule put it on the queue: the message body. */
  readonly body: string;
  readonly event: PublishedEvent;
  readonly sentAt: number;
  receives: number;
  readonly done: () => void;
  readonly undelivered: UndeliveredEvent[];
  readonly log: (line: string) => void;
}

/**
 * The stand-in of an SQS queue read by a function through an event source mapping with
 * ReportBatchItemFailures. `send` resolves once the message was taken (deleted from the queue) or
 * kept as undelivered after LOCAL_DELIVERY_ATTEMPTS receives, so the embedded stack's `idle` waits
 * for batches still gathering. A message the handler names among its batch item failures, or every
 * message of a batch whose invocation threw or named an id not in the batch (Lambda then retries the
 * whole batch), goes back to the queue with one receive more.
 */
export class LocalEventQueue {
  private readonly pending: QueuedMessage[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The oldest pending message has waited its window: hand it over as soon as an invocation is free. */
  private due = false;
  private inFlight = 0;
  /** Invocations made, and messages in each: what tests count to see the batching. */
  readonly invocations: number[] = [];

  constructor(
    private readonly target: {
      readonly name: string;
      readonly handler: LocalHandler;
      readonly timeoutMs: number;
    },
    private readonly batching: LocalQueueBatching,
  ) {
    if (!(batching.size >= 1 && batching.concurrency >= 1 && batching.windowMs >= 0))
      throw new RangeError(
        `${target.name}: a queue batch needs size and concurrency of 1 or more and a window of 0 or more`,
      );
  }

  send(event: PublishedEvent, undelivered: UndeliveredEvent[], log: (line: string) => void): Promise<void> {
    return new Promise((done) => {
      this.pending.push({
        messageId: randomUUID(),
        body: JSON.stringify(eventBridgeEnvelope(event)),
        event,
        sentAt: Date.now(),
        receives: 0,
        done,
        undelivered,
        log,
      });
      this.schedule();
    });
  }

  /**
   * Hands over what is waiting now, as when the oldest message's window ends: a test that set a
   * long window decides when a batch is complete (and so how many it expects).
   */
  flush(): void {
    if (this.pending.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    this.schedule();
  }

  private schedule(): void {
    while (
      this.pending.length > 0 &&
      this.inFlight < this.batching.concurrency &&
      (this.due || this.pending.length >= this.batching.size)
    ) {
      const batch = this.pending.splice(0, this.batching.size);
      if (this.pending.length === 0) this.due = false;
      this.inFlight++;
      void this.invoke(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
    if (this.pending.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.schedule();
      }, this.batching.windowMs);
    }
  }

  private async invoke(batch: QueuedMessage[]): Promise<void> {
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${this.target.name}`;
    const queueArn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${this.target.name}-events`;
    for (const m of batch) m.receives++;
    this.invocations.push(batch.length);
    let failed: Set<string>;
    let error = '';
    try {
      const response = (await this.target.handler(
        {
          Records: batch.map((m) => ({
            messageId: m.messageId,
            receiptHandle: `${m.messageId}#${m.receives}`,
            body: m.body,
            attributes: {
              ApproximateReceiveCount: String(m.receives),
              SentTimestamp: String(m.sentAt),
              SenderId: 'events.amazonaws.com',
              ApproximateFirstReceiveTimestamp: String(Date.now()),
            },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: queueArn,
            awsRegion: LOCAL_REGION,
          })),
        },
        lambdaContext(arn, this.target.timeoutMs),
      )) as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null | undefined;
      const ids = new Set(batch.map((m) => m.messageId));
      const named = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      if (named.every((id): id is string => typeof id === 'string' && ids.has(id))) {
        failed = new Set(named);
        error = 'named among the batch item failures';
      } else {
        failed = ids;
        error = 'the batch item failures name a message not in the batch';
      }
    } catch (e) {
      failed = new Set(batch.map((m) => m.messageId));
      error = `${(e as Error).name}: ${(e as Error).message}`;
    }
    for (const m of batch) {
      if (!failed.has(m.messageId)) m.done();
      else if (m.receives >= LOCAL_DELIVERY_ATTEMPTS) {
        m.log(
          `${this.target.name} did not take a ${m.event.detailType} event after ${m.receives} receives: ${error}`,
        );
        m.undelivered.push({ subscriber: this.target.name, event: m.event, error });
        m.done();
      } else this.pending.push(m);
    }
  }
}
