import { describe, expect, it } from 'vitest';

import { matchesEventPattern } from '../../../lib/local/event-pattern-matcher';
import { S3NotificationError, toEventBridgeEvents } from '../../../lib/local/s3-event-to-eventbridge';
import { buildArrivalPattern } from '../../../lib/config/arrival-pattern';

const options = {
  account: '111122223333',
  region: 'eu-west-1',
  now: () => new Date('2024-06-01T12:00:00.000Z'),
  newId: () => '17793124-05d4-b198-2fde-7ededc63b103',
};

/** A record shaped as s3rver 3.7.1 builds it (lib/models/event.js), quirks included. */
function s3rverRecord(
  eventName: string,
  object: Record<string, unknown> = {
    key: 'raw/orders/part-0.csv',
    size: 42,
    eTag: 'b1946ac92492d2347c6235b4d2611184',
  },
  bucket = 'landing-bucket',
): Record<string, unknown> {
  return {
    eventVersion: '2.0',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-06-01T10:20:30.456Z',
    eventName,
    userIdentity: { principalId: 'AWS:0123456789ABCDEF01234' },
    requestParameters: { sourceIPAddress: '::ffff:127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'N4N7GDK58NMKJ12R', 'x-amz-id-2': 'aGFzaA==' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'testConfigId',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A1B2C3D4E5F6G7' },
        arn: `arn:aws:s3: : :${bucket}`,
      },
      object: { sequencer: '18FCB6E4A2C', ...object },
    },
  };
}

function convertOne(record: Record<string, unknown>, extra: { keysUrlEncoded?: boolean } = {}) {
  const [event, ...others] = toEventBridgeEvents({ Records: [record] }, { ...options, ...extra });
  expect(others).toHaveLength(0);
  if (event === undefined) throw new Error('expected one event');
  return event;
}

describe('toEventBridgeEvents', () => {
  describe('Object Created', () => {
    it('converts a Put record into the Object Created event S3 sends to EventBridge', () => {
      // Prepare
      const notification = { Records: [s3rverRecord('ObjectCreated:Put')] };

      // Act
      const events = toEventBridgeEvents(notification, options);

      // Assess
      expect(events).toEqual([
        {
          version: '0',
          id: '17793124-05d4-b198-2fde-7ededc63b103',
          'detail-type': 'Object Created',
          source: 'aws.s3',
          account: '111122223333',
          time: '2024-06-01T10:20:30Z',
          region: 'eu-west-1',
          resources: ['arn:aws:s3:::landing-bucket'],
          detail: {
            version: '0',
            bucket: { name: 'landing-bucket' },
            object: {
              key: 'raw/orders/part-0.csv',
              size: 42,
              etag: 'b1946ac92492d2347c6235b4d2611184',
              sequencer: '18FCB6E4A2C',
            },
            'request-id': 'N4N7GDK58NMKJ12R',
            requester: '111122223333',
            'source-ip-address': '127.0.0.1',
            reason: 'PutObject',
          },
        },
      ]);
    });

    it('lays out the event keys in the order of the documented AWS example', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'k', size: 1, eTag: 'e', versionId: 'v' });

      // Act
      const event = convertOne(record);

      // Assess
      expect(Object.keys(event)).toEqual([
        'version',
        'id',
        'detail-type',
        'source',
        'account',
        'time',
        'region',
        'resources',
        'detail',
      ]);
      expect(Object.keys(event.detail)).toEqual([
        'version',
        'bucket',
        'object',
        'request-id',
        'requester',
        'source-ip-address',
        'reason',
      ]);
      expect(Object.keys(event.detail.object)).toEqual(['key', 'size', 'etag', 'version-id', 'sequencer']);
    });

    it.each([
      ['ObjectCreated:Put', 'PutObject'],
      ['ObjectCreated:Copy', 'CopyObject'],
      ['ObjectCreated:CompleteMultipartUpload', 'CompleteMultipartUpload'],
      ['ObjectCreated:Post', 'CompleteMultipartUpload'],
    ])('gives %s the reason %s', (eventName, reason) => {
      // Prepare
      const record = s3rverRecord(eventName);

      // Act
      const event = convertOne(record);

      // Assess
      expect(event['detail-type']).toBe('Object Created');
      expect(event.detail.reason).toBe(reason);
    });

    it('strips the quotes S3 puts around an ETag', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', {
        key: 'k',
        size: 1,
        eTag: '"4af981f98d22a0b9979da24b259e5e42-12"',
      });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object.etag).toBe('4af981f98d22a0b9979da24b259e5e42-12');
    });

    it('leaves etag out when the record has none, as s3rver Copy records do', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Copy', { key: 'k', size: 1 });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object).not.toHaveProperty('etag');
    });

    it('carries the version id when the record has one', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', {
        key: 'k',
        size: 1,
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
      });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object['version-id']).toBe('IYV3p45BT0ac8hjHg1houSdS1a.Mro8e');
    });

    it('leaves version-id out when the record has none', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'k', size: 1 });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object).not.toHaveProperty('version-id');
    });

    it('keeps a zero size, as for an empty folder marker', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'raw/orders_$folder$', size: 0 });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object).toHaveProperty('size', 0);
    });

    it('produces events the arrival pattern matches when the key is under a watched prefix', () => {
      // Prepare
      const pattern = buildArrivalPattern({ bucketName: 'landing-bucket', watchedPrefixes: ['raw/orders/'] });
      const notification = {
        Records: [
          s3rverRecord('ObjectCreated:Put'),
          s3rverRecord('ObjectRemoved:Delete'),
          s3rverRecord('ObjectCreated:Put', {
            key: 'elsewhere/part-0.csv',
            size: 42,
            eTag: 'b1946ac92492d2347c6235b4d2611184',
          }),
        ],
      };

      // Act
      const matches = toEventBridgeEvents(notification, options).map((event) =>
        matchesEventPattern(pattern, event),
      );

      // Assess
      expect(matches).toEqual([true, true, false]);
    });
  });

  describe('Object Deleted', () => {
    it('converts a Delete record into an Object Deleted event without size', () => {
      // Prepare
      const record = s3rverRecord('ObjectRemoved:Delete', { key: 'raw/orders/part-0.csv' });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event).toMatchObject({
        'detail-type': 'Object Deleted',
        source: 'aws.s3',
        resources: ['arn:aws:s3:::landing-bucket'],
        detail: {
          version: '0',
          bucket: { name: 'landing-bucket' },
          object: { key: 'raw/orders/part-0.csv', sequencer: '18FCB6E4A2C' },
          reason: 'DeleteObject',
          'deletion-type': 'Permanently Deleted',
        },
      });
      expect(event.detail.object).not.toHaveProperty('size');
    });

    it('reports a delete marker as such', () => {
      // Prepare
      const record = s3rverRecord('ObjectRemoved:DeleteMarkerCreated', { key: 'k', versionId: 'v2' });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail).toMatchObject({
        reason: 'DeleteObject',
        'deletion-type': 'Delete Marker Created',
      });
      expect(event.detail.object['version-id']).toBe('v2');
    });
  });

  describe('envelope', () => {
    it('takes region and bucket ARN from the options and bucket name, not from s3rver fixed values', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put');

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.region).toBe('eu-west-1');
      expect(event.resources).toEqual(['arn:aws:s3:::landing-bucket']);
    });

    it('writes time to the second, as EventBridge does', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put');

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.time).toBe('2024-06-01T10:20:30Z');
    });

    it('uses the clock when the record has no eventTime', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put');
      delete record['eventTime'];

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.time).toBe('2024-06-01T12:00:00Z');
    });

    it('gives each event a fresh random UUID by default', () => {
      // Prepare
      const notification = {
        Records: [s3rverRecord('ObjectCreated:Put'), s3rverRecord('ObjectCreated:Put')],
      };

      // Act
      const [first, second] = toEventBridgeEvents(notification, { account: '1', region: 'eu-west-1' });

      // Assess
      expect(first?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(first?.id).not.toBe(second?.id);
    });

    it('generates a 16-character upper-case request id when the record has none', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put');
      delete record['responseElements'];

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail['request-id']).toMatch(/^[0-9A-F]{16}$/);
    });

    it('keeps an IPv6 source address and leaves it out when the record has none', () => {
      // Prepare
      const ipv6 = {
        ...s3rverRecord('ObjectCreated:Put'),
        requestParameters: { sourceIPAddress: '2001:db8::1' },
      };
      const noIp = s3rverRecord('ObjectCreated:Put');
      delete noIp['requestParameters'];

      // Act
      const withIpv6 = convertOne(ipv6);
      const withoutIp = convertOne(noIp);

      // Assess
      expect(withIpv6.detail['source-ip-address']).toBe('2001:db8::1');
      expect(withoutIp.detail).not.toHaveProperty('source-ip-address');
    });

    it('converts every supported record of a notification, in order', () => {
      // Prepare
      const notification = {
        Records: [
          s3rverRecord('ObjectCreated:Put', { key: 'a', size: 1 }),
          s3rverRecord('ObjectRestore:Completed', { key: 'b', size: 1 }),
          s3rverRecord('ObjectRemoved:Delete', { key: 'c' }),
        ],
      };

      // Act
      const events = toEventBridgeEvents(notification, options);

      // Assess
      expect(events.map((event) => [event['detail-type'], event.detail.object.key])).toEqual([
        ['Object Created', 'a'],
        ['Object Deleted', 'c'],
      ]);
    });

    it('returns no event for a notification without records', () => {
      // Prepare
      const notification = { Records: [] };

      // Act
      const events = toEventBridgeEvents(notification, options);

      // Assess
      expect(events).toEqual([]);
    });
  });

  describe('sequencer', () => {
    it('keeps the sequencer of the record', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', {
        key: 'k',
        size: 1,
        sequencer: '0064D3901D00059242',
      });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object.sequencer).toBe('0064D3901D00059242');
    });

    it('generates increasing 18-digit hex sequencers when records have none, even within one millisecond', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'k', size: 1, sequencer: undefined });
      const notification = { Records: [record, record, record] };

      // Act
      const sequencers = toEventBridgeEvents(notification, options).map(
        (event) => event.detail.object.sequencer,
      );

      // Assess
      for (const sequencer of sequencers) expect(sequencer).toMatch(/^[0-9A-F]{18}$/);
      expect([...sequencers].sort()).toEqual(sequencers);
      expect(new Set(sequencers).size).toBe(3);
    });

    it('keeps generated sequencers increasing when the clock goes back', () => {
      // Prepare
      const record = {
        Records: [s3rverRecord('ObjectCreated:Put', { key: 'k', size: 1, sequencer: undefined })],
      };
      const later = { ...options, now: () => new Date('2030-01-01T00:00:00Z') };
      const earlier = { ...options, now: () => new Date('2020-01-01T00:00:00Z') };

      // Act
      const [first] = toEventBridgeEvents(record, later);
      const [second] = toEventBridgeEvents(record, earlier);

      // Assess
      expect(second?.detail.object.sequencer).toMatch(/^[0-9A-F]{18}$/);
      expect((second?.detail.object.sequencer ?? '') > (first?.detail.object.sequencer ?? '')).toBe(true);
    });
  });

  describe('keys', () => {
    it('keeps keys as they come by default, since s3rver does not URL-encode them', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'raw/a b+c%20d.csv', size: 1 });

      // Act
      const event = convertOne(record);

      // Assess
      expect(event.detail.object.key).toBe('raw/a b+c%20d.csv');
    });

    it('decodes URL-encoded keys, with + for spaces, when keysUrlEncoded is set', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', {
        key: 'raw/my+file%2Bv2%20%C3%A9t%C3%A9.csv',
        size: 1,
      });

      // Act
      const event = convertOne(record, { keysUrlEncoded: true });

      // Assess
      expect(event.detail.object.key).toBe('raw/my file+v2 été.csv');
    });

    it('rejects a key that is not valid URL encoding when keysUrlEncoded is set', () => {
      // Prepare
      const record = s3rverRecord('ObjectCreated:Put', { key: 'raw/100%.csv', size: 1 });

      // Act
      const act = () => convertOne(record, { keysUrlEncoded: true });

      // Assess
      expect(act).toThrow(
        expect.objectContaining({ name: 'S3NotificationError', field: 'Records[0].s3.object.key' }),
      );
    });
  });

  describe('malformed notifications', () => {
    const put = s3rverRecord('ObjectCreated:Put');
    const s3 = put['s3'] as { bucket: Record<string, unknown>; object: Record<string, unknown> };

    it.each<[string, unknown, string]>([
      ['a notification that is not an object', 'not json', 'Records'],
      ['a notification without Records', { records: [] }, 'Records'],
      ['Records that is not an array', { Records: put }, 'Records'],
      ['a record that is not an object', { Records: [null] }, 'Records[0]'],
      ['a record without eventName', { Records: [{ ...put, eventName: undefined }] }, 'Records[0].eventName'],
      ['a record without s3', { Records: [{ ...put, s3: undefined }] }, 'Records[0].s3'],
      [
        'a record without bucket',
        { Records: [{ ...put, s3: { ...s3, bucket: undefined } }] },
        'Records[0].s3.bucket',
      ],
      [
        'a record without bucket name',
        { Records: [{ ...put, s3: { ...s3, bucket: { arn: 'arn:aws:s3:::b' } } }] },
        'Records[0].s3.bucket.name',
      ],
      [
        'a record without object',
        { Records: [{ ...put, s3: { ...s3, object: undefined } }] },
        'Records[0].s3.object',
      ],
      [
        'a record without object key',
        { Records: [{ ...put, s3: { ...s3, object: { size: 1 } } }] },
        'Records[0].s3.object.key',
      ],
      [
        'an Object Created record without size',
        { Records: [{ ...put, s3: { ...s3, object: { key: 'k' } } }] },
        'Records[0].s3.object.size',
      ],
      [
        'an Object Created record with a string size',
        { Records: [{ ...put, s3: { ...s3, object: { key: 'k', size: '12' } } }] },
        'Records[0].s3.object.size',
      ],
      [
        'a record with an invalid eventTime',
        { Records: [{ ...put, eventTime: 'yesterday' }] },
        'Records[0].eventTime',
      ],
      ['a malformed second record', { Records: [put, { ...put, eventName: 42 }] }, 'Records[1].eventName'],
    ])('rejects %s with an S3NotificationError naming %s', (_case, notification, field) => {
      // Prepare: the notification comes from the table above

      // Act
      const act = () => toEventBridgeEvents(notification, options);

      // Assess
      expect(act).toThrow(S3NotificationError);
      expect(act).toThrow(expect.objectContaining({ name: 'S3NotificationError', field }));
    });

    it('names the missing field in the message', () => {
      // Prepare
      const notification = { Records: [{ ...put, s3: { ...s3, object: { size: 1 } } }] };

      // Act
      const act = () => toEventBridgeEvents(notification, options);

      // Assess
      expect(act).toThrow(
        'Malformed S3 notification: Records[0].s3.object.key is missing or not a non-empty string',
      );
    });
  });
});
