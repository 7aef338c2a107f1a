/**
 * Converts the classic S3 notification (`{ Records: [...] }`) that the local S3 server emits into the
 * events Amazon S3 sends to EventBridge ("Object Created", "Object Deleted"), so the embedded stack feeds
 * its rules the same shape as the deployed bucket does (AWS: S3 user guide, "EventBridge event message
 * structure").
 *
 * Quirks of s3rver 3.7.1 that drive choices here:
 * - its bucket ARN reads `arn:aws:s3: : :name` and its `awsRegion` is always us-east-1, so `resources`
 *   is rebuilt from the bucket name and `region` comes from the options;
 * - it emits `ObjectCreated:Post` for CompleteMultipartUpload (and for browser-form POST uploads, which
 *   the pipelines do not use), so Post maps to reason `CompleteMultipartUpload`; real S3 names a form
 *   upload `POST Object`;
 * - its Copy records carry no eTag, so `etag` is left out when absent rather than invented;
 * - it does not URL-encode keys while real S3 notifications do (`+` for spaces): `keysUrlEncoded` decodes.
 *
 * @example
 * s3rver.on('event', (notification) => {
 *   for (const event of toEventBridgeEvents(notification, { account, region })) bus.put(event);
 * });
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** Thrown for a record that lacks what the conversion needs; `field` names it, e.g. `Records[0].s3.object.key`. */
export class S3NotificationError extends Error {
  override readonly name = 'S3NotificationError';

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Malformed S3 notification: ${field} ${reason}`);
  }
}

export type S3ObjectCreatedReason = 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';
export type S3DeletionType = 'Permanently Deleted' | 'Delete Marker Created';

interface S3EventObject {
  readonly key: string;
  readonly etag?: string;
  readonly 'version-id'?: string;
  readonly sequencer: string;
}

interface S3EventDetailBase {
  readonly version: '0';
  readonly bucket: { readonly name: string };
  readonly 'request-id': string;
  readonly requester: string;
  /** Only present for events triggered by an S3 request, as in AWS. */
  readonly 'source-ip-address'?: string;
}

interface EventBridgeEnvelope<DetailType extends string, Detail> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': DetailType;
  readonly source: 'aws.s3';
  readonly account: string;
  /** ISO 8601 to the second, e.g. `2021-11-12T00:00:00Z`, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Detail;
}

export type S3ObjectCreatedEvent = EventBridgeEnvelope<
  'Object Created',
  S3EventDetailBase & {
    readonly object: S3EventObject & { readonly size: number };
    readonly reason: S3ObjectCreatedReason;
  }
>;

export type S3ObjectDeletedEvent = EventBridgeEnvelope<
  'Object Deleted',
  S3EventDetailBase & {
    readonly object: S3EventObject;
    readonly reason: 'DeleteObject';
    readonly 'deletion-type': S3DeletionType;
  }
>;

/** An S3 event as EventBridge delivers it. */
export type EventBridgeS3Event = S3ObjectCreatedEvent | S3ObjectDeletedEvent;

export interface ToEventBridgeOptions {
  /** The bucket owner's account, also used as `requester`: the embedded stack has a single account. */
  readonly account: string;
  readonly region: string;
  /** Clock for records without `eventTime` and for generated sequencers; defaults to the system clock. */
  readonly now?: () => Date;
  /** Event id factory; defaults to a random UUID, as EventBridge uses. */
  readonly newId?: () => string;
  /** True when keys arrive URL-encoded as real S3 notifications send them; s3rver's do not. */
  readonly keysUrlEncoded?: boolean;
}

const CREATED_REASONS: ReadonlyMap<string, S3ObjectCreatedReason> = new Map([
  ['ObjectCreated:Put', 'PutObject'],
  ['ObjectCreated:Copy', 'CopyObject'],
  ['ObjectCreated:CompleteMultipartUpload', 'CompleteMultipartUpload'],
  ['ObjectCreated:Post', 'CompleteMultipartUpload'],
]);

const DELETION_TYPES: ReadonlyMap<string, S3DeletionType> = new Map([
  ['ObjectRemoved:Delete', 'Permanently Deleted'],
  ['ObjectRemoved:DeleteMarkerCreated', 'Delete Marker Created'],
]);

/**
 * Converts every ObjectCreated and ObjectRemoved record of an S3 notification into its EventBridge event.
 * Records of other kinds (restore, replication, tagging...) have no counterpart the local stack uses and
 * are skipped.
 *
 * @throws S3NotificationError when the notification or a record lacks a field the conversion needs.
 */
export function toEventBridgeEvents(
  notification: unknown,
  options: ToEventBridgeOptions,
): EventBridgeS3Event[] {
  const records = isObject(notification) ? notification['Records'] : undefined;
  if (!Array.isArray(records)) {
    throw new S3NotificationError('Records', 'is missing or not an array');
  }
  return records.flatMap((record: unknown, index) => {
    const event = toEventBridgeEvent(record, `Records[${index}]`, options);
    return event === undefined ? [] : [event];
  });
}

function toEventBridgeEvent(
  record: unknown,
  path: string,
  options: ToEventBridgeOptions,
): EventBridgeS3Event | undefined {
  const fields = requireObject(record, path);
  const eventName = requireString(fields, 'eventName', path);
  const reason = CREATED_REASONS.get(eventName);
  const deletionType = DELETION_TYPES.get(eventName);
  if (reason === undefined && deletionType === undefined) return undefined;

  const now = options.now ?? (() => new Date());
  const s3 = requireObject(fields['s3'], `${path}.s3`);
  const bucketName = requireString(
    requireObject(s3['bucket'], `${path}.s3.bucket`),
    'name',
    `${path}.s3.bucket`,
  );
  const objectPath = `${path}.s3.object`;
  const s3Object = requireObject(s3['object'], objectPath);
  const rawKey = requireString(s3Object, 'key', objectPath);
  const eTag = optionalString(s3Object, 'eTag')?.replaceAll('"', '');
  const versionId = optionalString(s3Object, 'versionId');

  const id = (options.newId ?? randomUUID)();
  const time = eventBridgeTime(fields, path, now);
  const key = options.keysUrlEncoded === true ? decodeKey(rawKey, `${objectPath}.key`) : rawKey;
  // Spread after key (and size): AWS's order is key, size, etag, version-id, sequencer.
  const objectTail = {
    ...(eTag === undefined || eTag === '' ? {} : { etag: eTag }),
    ...(versionId === undefined ? {} : { 'version-id': versionId }),
    sequencer: optionalString(s3Object, 'sequencer') ?? nextSequencer(now()),
  };
  const sourceIp = optionalString(optionalObject(fields['requestParameters']), 'sourceIPAddress');
  const requestFields = {
    'request-id':
      optionalString(optionalObject(fields['responseElements']), 'x-amz-request-id') ?? newRequestId(),
    requester: options.account,
    // Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; S3 reports them as a.b.c.d.
    ...(sourceIp === undefined
      ? {}
      : { 'source-ip-address': sourceIp.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') }),
  };
  // A function, so each branch spreads it with its own detail-type in AWS's key order.
  const envelope = <DetailType extends EventBridgeS3Event['detail-type']>(detailType: DetailType) =>
    ({
      version: '0',
      id,
      'detail-type': detailType,
      source: 'aws.s3',
      account: options.account,
      time,
      region: options.region,
      resources: [`arn:aws:s3:::${bucketName}`],
    }) as const;

  if (reason !== undefined) {
    const size = s3Object['size'];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new S3NotificationError(`${objectPath}.size`, 'is missing or not a non-negative integer');
    }
    return {
      ...envelope('Object Created'),
      detail: {
        version: '0',
        bucket: { name: bucketName },
        object: { key, size, ...objectTail },
        ...requestFields,
        reason,
      },
    } satisfies S3ObjectCreatedEvent;
  }
  return {
    ...envelope('Object Deleted'),
    detail: {
      version: '0',
      bucket: { name: bucketName },
      object: { key, ...objectTail },
      ...requestFields,
      reason: 'DeleteObject',
      'deletion-type': deletionType ?? 'Permanently Deleted',
    },
  } satisfies S3ObjectDeletedEvent;
}

/** EventBridge writes `time` to the second; the record's eventTime carries milliseconds. */
function eventBridgeTime(record: Readonly<Record<string, unknown>>, path: string, now: () => Date): string {
  const eventTime = record['eventTime'];
  const date =
    eventTime === undefined ? now() : new Date(typeof eventTime === 'string' ? eventTime : Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new S3NotificationError(`${path}.eventTime`, 'is not an ISO 8601 date');
  }
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Real S3 notifications URL-encode keys with `+` for spaces (a literal plus arrives as %2B). */
function decodeKey(key: string, field: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    throw new S3NotificationError(field, `"${key}" is not valid URL encoding`);
  }
}

let lastSequencer = 0n;

/**
 * S3 sequencers order events for the same key when compared as hex strings of equal length. The generated
 * ones are millisecond time shifted left 16 bits, never repeating nor going back within the process, and
 * zero-padded to 18 digits like S3's, so they compare correctly as strings.
 */
function nextSequencer(now: Date): string {
  const fromClock = BigInt(now.getTime()) << 16n;
  lastSequencer = fromClock > lastSequencer ? fromClock : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

/** S3 request ids are 16 upper-case characters. */
function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireObject(value: unknown, field: string): Readonly<Record<string, unknown>> {
  if (!isObject(value)) throw new S3NotificationError(field, 'is missing or not an object');
  return value;
}

function optionalObject(value: unknown): Readonly<Record<string, unknown>> {
  return isObject(value) ? value : {};
}

function requireString(fields: Readonly<Record<string, unknown>>, key: string, path: string): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '') {
    throw new S3NotificationError(`${path}.${key}`, 'is missing or not a non-empty string');
  }
  return value;
}

function optionalString(fields: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
