/**
 * The embedded stand-in for EventBridge rules on the default bus: events the state machine puts
 * (Output Tested, ...) are delivered to the functions subscribed to their source and detail type,
 * as the deployed rules deliver them, with the deployed rules' retry policy in small (a failed
 * delivery is tried again, then kept in `undelivered`, the dead-letter queue's stand-in). The
 * subscriber sees the event as EventBridge shapes it: `detail` as an object, `resources` as put.
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
