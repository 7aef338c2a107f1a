import { describe, expect, it } from 'vitest';

import {
  compileEventPattern,
  EventPatternError,
  matchesEventPattern,
} from '../../../lib/local/event-pattern-matcher';
import { buildArrivalPattern } from '../../../lib/config/arrival-pattern';

/** The "Object Created" example of the S3 user guide ("EventBridge event message structure"). */
function objectCreatedEvent(overrides: { bucket?: string; key?: string; detailType?: string } = {}) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': overrides.detailType ?? 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: [`arn:aws:s3:::${overrides.bucket ?? 'landing-bucket'}`],
    detail: {
      version: '0',
      bucket: { name: overrides.bucket ?? 'landing-bucket' },
      object: {
        key: overrides.key ?? 'raw/orders/2024-06-01/part-0000.parquet',
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '617f08299329d189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

describe('matchesEventPattern', () => {
  describe('structure', () => {
    it('matches when every field of the pattern matches (fields are ANDed)', () => {
      // Prepare
      const pattern = { source: ['aws.s3'], 'detail-type': ['Object Created'] };

      // Act
      const matched = matchesEventPattern(pattern, objectCreatedEvent());

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match when one field of the pattern differs', () => {
      // Prepare
      const pattern = { source: ['aws.s3'], 'detail-type': ['Object Deleted'] };

      // Act
      const matched = matchesEventPattern(pattern, objectCreatedEvent());

      // Assess
      expect(matched).toBe(false);
    });

    it('matches when the event value equals any element of the leaf array (elements are ORed)', () => {
      // Prepare
      const pattern = { detail: { state: ['initializing', 'running'] } };

      // Act
      const running = matchesEventPattern(pattern, { detail: { state: 'running' } });
      const stopped = matchesEventPattern(pattern, { detail: { state: 'stopped' } });

      // Assess
      expect(running).toBe(true);
      expect(stopped).toBe(false);
    });

    it('ignores event fields the pattern does not name', () => {
      // Prepare
      const pattern = { detail: { bucket: { name: ['landing-bucket'] } } };

      // Act
      const matched = matchesEventPattern(pattern, objectCreatedEvent());

      // Assess
      expect(matched).toBe(true);
    });

    it('matches nested objects field by field', () => {
      // Prepare
      const pattern = {
        detail: { object: { key: ['a/b.csv'], size: [5] }, bucket: { name: ['landing-bucket'] } },
      };

      // Act
      const matched = matchesEventPattern(pattern, objectCreatedEvent({ key: 'a/b.csv' }));

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match when a field of the pattern is missing from the event', () => {
      // Prepare
      const pattern = { detail: { object: { 'version-id': ['v1'] } } };

      // Act
      const matched = matchesEventPattern(pattern, objectCreatedEvent());

      // Assess
      expect(matched).toBe(false);
    });

    it('does not match when a whole nested object of the pattern is missing from the event', () => {
      // Prepare
      const pattern = { detail: { object: { key: ['a'] } } };

      // Act
      const matched = matchesEventPattern(pattern, { source: 'aws.s3' });

      // Assess
      expect(matched).toBe(false);
    });

    it('does not match when the event holds a string where the pattern expects an object', () => {
      // Prepare
      const pattern = { detail: { state: ['running'] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: 'running' });

      // Assess
      expect(matched).toBe(false);
    });

    it('matches an event array when any of its elements is in the pattern (non-empty intersection)', () => {
      // Prepare
      const pattern = { resources: ['arn:aws:s3:::other', 'arn:aws:s3:::landing-bucket'] };

      // Act
      const matched = matchesEventPattern(pattern, {
        resources: ['arn:aws:s3:::first', 'arn:aws:s3:::landing-bucket'],
      });

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match an event array when none of its elements is in the pattern', () => {
      // Prepare
      const pattern = { resources: ['arn:aws:s3:::landing-bucket'] };

      // Act
      const matched = matchesEventPattern(pattern, { resources: ['arn:aws:s3:::a', 'arn:aws:s3:::b'] });

      // Assess
      expect(matched).toBe(false);
    });

    it('matches a sub-pattern against the objects of an event array', () => {
      // Prepare
      const pattern = { employees: { firstName: ['Anna'] } };
      const event = { employees: [{ firstName: 'John' }, { firstName: 'Anna' }] };

      // Act
      const matched = matchesEventPattern(pattern, event);

      // Assess
      expect(matched).toBe(true);
    });

    it('does not combine fields taken from different elements of an event array', () => {
      // Prepare
      const pattern = { employees: { firstName: ['Anna'], lastName: ['Jones'] } };
      const event = {
        employees: [
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      };

      // Act
      const matched = matchesEventPattern(pattern, event);

      // Assess
      expect(matched).toBe(false);
    });

    it('matches values inside nested event arrays', () => {
      // Prepare
      const pattern = { tags: ['b'] };

      // Act
      const matched = matchesEventPattern(pattern, { tags: [['a'], ['b', 'c']] });

      // Assess
      expect(matched).toBe(true);
    });

    it('compares exact values by JSON type: a string never equals a number or a boolean', () => {
      // Prepare
      const stringPattern = { value: ['5', 'true'] };

      // Act
      const number = matchesEventPattern(stringPattern, { value: 5 });
      const boolean = matchesEventPattern(stringPattern, { value: true });
      const string = matchesEventPattern(stringPattern, { value: '5' });

      // Assess
      expect(number).toBe(false);
      expect(boolean).toBe(false);
      expect(string).toBe(true);
    });

    it('matches numbers and booleans exactly', () => {
      // Prepare
      const pattern = { size: [300], enabled: [false] };

      // Act
      const matched = matchesEventPattern(pattern, { size: 3.0e2, enabled: false });
      const otherSize = matchesEventPattern(pattern, { size: 301, enabled: false });

      // Assess
      expect(matched).toBe(true);
      expect(otherSize).toBe(false);
    });

    it('matches null only against a null value, not against an empty string or a missing field', () => {
      // Prepare
      const pattern = { detail: { responseElements: [null] } };

      // Act
      const isNull = matchesEventPattern(pattern, { detail: { responseElements: null } });
      const isEmpty = matchesEventPattern(pattern, { detail: { responseElements: '' } });
      const isMissing = matchesEventPattern(pattern, { detail: {} });

      // Assess
      expect(isNull).toBe(true);
      expect(isEmpty).toBe(false);
      expect(isMissing).toBe(false);
    });

    it('matches an empty string only against an empty string, not against null', () => {
      // Prepare
      const pattern = { detail: { eventVersion: [''] } };

      // Act
      const isEmpty = matchesEventPattern(pattern, { detail: { eventVersion: '' } });
      const isNull = matchesEventPattern(pattern, { detail: { eventVersion: null } });

      // Assess
      expect(isEmpty).toBe(true);
      expect(isNull).toBe(false);
    });

    it('treats an event that is not an object as having no fields', () => {
      // Prepare
      const pattern = { source: ['aws.s3'] };

      // Act
      const matched = matchesEventPattern(pattern, 'aws.s3');

      // Assess
      expect(matched).toBe(false);
    });

    it('does not read fields from the prototype chain of the event', () => {
      // Prepare
      const pattern = { constructor: [{ exists: true }] };

      // Act
      const matched = matchesEventPattern(pattern, {});

      // Assess
      expect(matched).toBe(false);
    });
  });

  describe('prefix', () => {
    it('matches a string that starts with the prefix', () => {
      // Prepare
      const pattern = { time: [{ prefix: '2017-10-02' }] };

      // Act
      const matched = matchesEventPattern(pattern, { time: '2017-10-02T18:43:48Z' });

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match a string that starts otherwise or differs in case', () => {
      // Prepare
      const pattern = { key: [{ prefix: 'raw/' }] };

      // Act
      const other = matchesEventPattern(pattern, { key: 'curated/raw/x' });
      const upper = matchesEventPattern(pattern, { key: 'RAW/x' });

      // Assess
      expect(other).toBe(false);
      expect(upper).toBe(false);
    });

    it('ignores case in its equals-ignore-case form', () => {
      // Prepare
      const pattern = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };

      // Act
      const matched = matchesEventPattern(pattern, { service: 'EventBridge' });
      const other = matchesEventPattern(pattern, { service: 'Lambda' });

      // Assess
      expect(matched).toBe(true);
      expect(other).toBe(false);
    });

    it('does not match numbers, whose text would start with the prefix', () => {
      // Prepare
      const pattern = { code: [{ prefix: '12' }] };

      // Act
      const matched = matchesEventPattern(pattern, { code: 123 });

      // Assess
      expect(matched).toBe(false);
    });
  });

  describe('suffix', () => {
    it('matches a string that ends with the suffix', () => {
      // Prepare
      const pattern = { FileName: [{ suffix: '.png' }] };

      // Act
      const matched = matchesEventPattern(pattern, { FileName: 'images/cat.png' });

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match a string that ends otherwise or differs in case', () => {
      // Prepare
      const pattern = { FileName: [{ suffix: '.png' }] };

      // Act
      const other = matchesEventPattern(pattern, { FileName: 'cat.png.bak' });
      const upper = matchesEventPattern(pattern, { FileName: 'CAT.PNG' });

      // Assess
      expect(other).toBe(false);
      expect(upper).toBe(false);
    });

    it('ignores case in its equals-ignore-case form', () => {
      // Prepare
      const pattern = { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] };

      // Act
      const matched = matchesEventPattern(pattern, { service: 'EVENTBRIDGE' });

      // Assess
      expect(matched).toBe(true);
    });
  });

  describe('equals-ignore-case', () => {
    it('matches the same string in another case', () => {
      // Prepare
      const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };

      // Act
      const matched = matchesEventPattern(pattern, { Name: 'ALICE' });

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match a different string nor a longer one', () => {
      // Prepare
      const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };

      // Act
      const other = matchesEventPattern(pattern, { Name: 'Bob' });
      const longer = matchesEventPattern(pattern, { Name: 'Alice Smith' });

      // Assess
      expect(other).toBe(false);
      expect(longer).toBe(false);
    });
  });

  describe('anything-but', () => {
    it('matches any string but the one given', () => {
      // Prepare
      const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

      // Act
      const running = matchesEventPattern(pattern, { detail: { state: 'running' } });
      const initializing = matchesEventPattern(pattern, { detail: { state: 'initializing' } });

      // Assess
      expect(running).toBe(true);
      expect(initializing).toBe(false);
    });

    it('matches any number but the one given', () => {
      // Prepare
      const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };

      // Act
      const other = matchesEventPattern(pattern, { detail: { 'x-limit': 301.8 } });
      const same = matchesEventPattern(pattern, { detail: { 'x-limit': 123 } });

      // Assess
      expect(other).toBe(true);
      expect(same).toBe(false);
    });

    it('matches any value outside a list of strings', () => {
      // Prepare
      const pattern = { state: [{ 'anything-but': ['stopped', 'overloaded'] }] };

      // Act
      const running = matchesEventPattern(pattern, { state: 'running' });
      const overloaded = matchesEventPattern(pattern, { state: 'overloaded' });

      // Assess
      expect(running).toBe(true);
      expect(overloaded).toBe(false);
    });

    it('matches any value outside a list of numbers', () => {
      // Prepare
      const pattern = { limit: [{ 'anything-but': [100, 200, 300] }] };

      // Act
      const other = matchesEventPattern(pattern, { limit: 150 });
      const listed = matchesEventPattern(pattern, { limit: 200 });

      // Assess
      expect(other).toBe(true);
      expect(listed).toBe(false);
    });

    it('matches any string not starting with the prefix', () => {
      // Prepare
      const pattern = { Region: [{ 'anything-but': { prefix: 'us-' } }] };

      // Act
      const europe = matchesEventPattern(pattern, { Region: 'eu-west-1' });
      const us = matchesEventPattern(pattern, { Region: 'us-east-1' });

      // Assess
      expect(europe).toBe(true);
      expect(us).toBe(false);
    });

    it('matches any string not ending with the suffix', () => {
      // Prepare
      const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };

      // Act
      const csv = matchesEventPattern(pattern, { FileName: 'a.csv' });
      const png = matchesEventPattern(pattern, { FileName: 'a.png' });

      // Assess
      expect(csv).toBe(true);
      expect(png).toBe(false);
    });

    it('matches any string not matching the wildcard', () => {
      // Prepare
      const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };

      // Act
      const src = matchesEventPattern(pattern, { FilePath: 'project/src/index.ts' });
      const lib = matchesEventPattern(pattern, { FilePath: 'project/lib/index.ts' });

      // Assess
      expect(src).toBe(true);
      expect(lib).toBe(false);
    });

    it('matches any string outside a list of wildcards', () => {
      // Prepare
      const pattern = { key: [{ 'anything-but': { wildcard: ['*_SUCCESS', '*$folder$'] } }] };

      // Act
      const data = matchesEventPattern(pattern, { key: 'raw/part-0.parquet' });
      const marker = matchesEventPattern(pattern, { key: 'raw/_SUCCESS' });

      // Assess
      expect(data).toBe(true);
      expect(marker).toBe(false);
    });

    it('matches any string but the one given, whatever its case, in its equals-ignore-case form', () => {
      // Prepare
      const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };

      // Act
      const running = matchesEventPattern(pattern, { state: 'running' });
      const upper = matchesEventPattern(pattern, { state: 'INITIALIZING' });

      // Assess
      expect(running).toBe(true);
      expect(upper).toBe(false);
    });

    it('excludes every string of a list in its equals-ignore-case form', () => {
      // Prepare
      const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] };

      // Act
      const running = matchesEventPattern(pattern, { state: 'running' });
      const stopped = matchesEventPattern(pattern, { state: 'STOPPED' });

      // Assess
      expect(running).toBe(true);
      expect(stopped).toBe(false);
    });

    it('does not match a missing field', () => {
      // Prepare
      const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: {} });

      // Assess
      expect(matched).toBe(false);
    });

    it('matches an event array when at least one element is not excluded', () => {
      // Prepare
      const pattern = { interests: [{ 'anything-but': { suffix: 'ball' } }] };

      // Act
      const mixed = matchesEventPattern(pattern, { interests: ['baseball', 'hockey'] });
      const allExcluded = matchesEventPattern(pattern, { interests: ['baseball', 'basketball'] });

      // Assess
      expect(mixed).toBe(true);
      expect(allExcluded).toBe(false);
    });

    it('matches a value of another JSON type than the excluded one', () => {
      // Prepare
      const pattern = { value: [{ 'anything-but': '5' }] };

      // Act
      const matched = matchesEventPattern(pattern, { value: 5 });

      // Assess
      expect(matched).toBe(true);
    });
  });

  describe('exists', () => {
    it('exists: true matches a present field, even a null one', () => {
      // Prepare
      const pattern = { detail: { 'c-count': [{ exists: true }] } };

      // Act
      const present = matchesEventPattern(pattern, { detail: { 'c-count': 5 } });
      const nullValue = matchesEventPattern(pattern, { detail: { 'c-count': null } });

      // Assess
      expect(present).toBe(true);
      expect(nullValue).toBe(true);
    });

    it('exists: true does not match an absent field', () => {
      // Prepare
      const pattern = { detail: { 'c-count': [{ exists: true }] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: {} });

      // Assess
      expect(matched).toBe(false);
    });

    it('exists: false matches an absent field, even when its parent object is absent too', () => {
      // Prepare
      const pattern = { detail: { 'c-count': [{ exists: false }] } };

      // Act
      const absentField = matchesEventPattern(pattern, { detail: { state: 'running' } });
      const absentParent = matchesEventPattern(pattern, { source: 'aws.ec2' });

      // Assess
      expect(absentField).toBe(true);
      expect(absentParent).toBe(true);
    });

    it('exists: false does not match a present field', () => {
      // Prepare
      const pattern = { detail: { 'c-count': [{ exists: false }] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: { 'c-count': 0 } });

      // Assess
      expect(matched).toBe(false);
    });

    it('treats a field holding an object as absent, since exists only looks at leaves', () => {
      // Prepare
      const absent = { detail: { 'c-count': [{ exists: false }] } };
      const present = { detail: { 'c-count': [{ exists: true }] } };
      const event = { detail: { 'c-count': { c1: 100 } } };

      // Act
      const absentMatched = matchesEventPattern(absent, event);
      const presentMatched = matchesEventPattern(present, event);

      // Assess
      expect(absentMatched).toBe(true);
      expect(presentMatched).toBe(false);
    });

    it('treats an empty event array as absent', () => {
      // Prepare
      const pattern = { resources: [{ exists: false }] };

      // Act
      const matched = matchesEventPattern(pattern, { resources: [] });

      // Assess
      expect(matched).toBe(true);
    });

    it('ORs exists: false with the other elements of the leaf array', () => {
      // Prepare
      const pattern = { state: [{ exists: false }, 'running'] };

      // Act
      const absent = matchesEventPattern(pattern, {});
      const running = matchesEventPattern(pattern, { state: 'running' });
      const stopped = matchesEventPattern(pattern, { state: 'stopped' });

      // Assess
      expect(absent).toBe(true);
      expect(running).toBe(true);
      expect(stopped).toBe(false);
    });
  });

  describe('numeric', () => {
    it.each([
      [0, false],
      [0.5, true],
      [5, true],
      [5.01, false],
      [-1, false],
    ])('[">", 0, "<=", 5] on %d gives %s', (value, expected) => {
      // Prepare
      const pattern = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: { 'c-count': value } });

      // Assess
      expect(matched).toBe(expected);
    });

    it.each([
      ['>=', 10, 10, true],
      ['>=', 10, 9.99, false],
      ['>', 10, 10, false],
      ['<', 10, 9, true],
      ['<', 10, 10, false],
      ['<=', 10, 10, true],
      ['<=', 10, 11, false],
      ['=', 301.8, 3.018e2, true],
      ['=', 301.8, 301, false],
    ] as const)('[%s, %d] on %d gives %s', (operator, bound, value, expected) => {
      // Prepare
      const pattern = { limit: [{ numeric: [operator, bound] }] };

      // Act
      const matched = matchesEventPattern(pattern, { limit: value });

      // Assess
      expect(matched).toBe(expected);
    });

    it('treats a lower bound with "<" as exclusive and a range with ">=" as inclusive', () => {
      // Prepare
      const pattern = { size: [{ numeric: ['>=', 1024, '<', 2048] }] };

      // Act
      const lower = matchesEventPattern(pattern, { size: 1024 });
      const upper = matchesEventPattern(pattern, { size: 2048 });

      // Assess
      expect(lower).toBe(true);
      expect(upper).toBe(false);
    });

    it('does not match a numeric string, only JSON numbers', () => {
      // Prepare
      const pattern = { size: [{ numeric: ['>', 0] }] };

      // Act
      const matched = matchesEventPattern(pattern, { size: '12' });

      // Assess
      expect(matched).toBe(false);
    });

    it('matches when any number of an event array is in range', () => {
      // Prepare
      const pattern = { sizes: [{ numeric: ['>', 100] }] };

      // Act
      const matched = matchesEventPattern(pattern, { sizes: [1, 2, 300] });

      // Assess
      expect(matched).toBe(true);
    });
  });

  describe('wildcard', () => {
    it.each([
      ['Simple*Service', 'SimpleStorageService', true],
      ['Simple*Service', 'SimpleService', true],
      ['Simple*Service', 'SimpleStorageServices', false],
      ['dir/*.png', 'dir/a/b.png', true],
      ['dir/*.png', 'other/dir/a.png', false],
      ['*/_temporary/*', 'out/_temporary/0/part', true],
      ['a*b*c', 'aXXbYYc', true],
      ['a*b*c', 'aXXcYYb', false],
      ['exact.txt', 'exact.txt', true],
      ['exact.txt', 'exactXtxt', false],
      ['*', '', true],
      ['line*end', 'line\nend', true],
    ])('%s on %j gives %s', (wildcard, value, expected) => {
      // Prepare
      const pattern = { key: [{ wildcard }] };

      // Act
      const matched = matchesEventPattern(pattern, { key: value });

      // Assess
      expect(matched).toBe(expected);
    });

    it('matches a literal star escaped with a backslash', () => {
      // Prepare
      const pattern = { key: [{ wildcard: 'a\\*b' }] };

      // Act
      const literal = matchesEventPattern(pattern, { key: 'a*b' });
      const expanded = matchesEventPattern(pattern, { key: 'aXb' });

      // Assess
      expect(literal).toBe(true);
      expect(expanded).toBe(false);
    });

    it('matches a literal backslash written as two backslashes', () => {
      // Prepare
      const pattern = { path: [{ wildcard: 'C:\\\\*' }] };

      // Act
      const matched = matchesEventPattern(pattern, { path: 'C:\\Windows' });

      // Assess
      expect(matched).toBe(true);
    });

    it('does not match numbers', () => {
      // Prepare
      const pattern = { code: [{ wildcard: '1*' }] };

      // Act
      const matched = matchesEventPattern(pattern, { code: 123 });

      // Assess
      expect(matched).toBe(false);
    });
  });

  describe('cidr', () => {
    it.each([
      ['10.0.0.0/24', '10.0.0.33', true],
      ['10.0.0.0/24', '10.0.0.255', true],
      ['10.0.0.0/24', '10.0.1.1', false],
      ['10.0.0.0/8', '10.200.3.4', true],
      ['10.0.0.0/8', '11.0.0.1', false],
      ['192.168.1.7/32', '192.168.1.7', true],
      ['192.168.1.7/32', '192.168.1.8', false],
      ['0.0.0.0/0', '255.255.255.255', true],
      ['10.0.0.0/24', 'not-an-ip', false],
      ['10.0.0.0/24', '10.0.0.256', false],
    ])('%s on %s gives %s', (cidr, value, expected) => {
      // Prepare
      const pattern = { detail: { sourceIPAddress: [{ cidr }] } };

      // Act
      const matched = matchesEventPattern(pattern, { detail: { sourceIPAddress: value } });

      // Assess
      expect(matched).toBe(expected);
    });

    it('does not match a value that is not a string', () => {
      // Prepare
      const pattern = { ip: [{ cidr: '0.0.0.0/0' }] };

      // Act
      const matched = matchesEventPattern(pattern, { ip: 167772161 });

      // Assess
      expect(matched).toBe(false);
    });
  });

  describe('$or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };

    it('matches when any alternative matches, ANDed with the sibling fields', () => {
      // Prepare
      const byMetric = { source: 'aws.cloudwatch', metricName: 'ReadLatency' };
      const byNamespace = { source: 'aws.cloudwatch', namespace: 'AWS/ES' };

      // Act
      const metricMatched = matchesEventPattern(pattern, byMetric);
      const namespaceMatched = matchesEventPattern(pattern, byNamespace);

      // Assess
      expect(metricMatched).toBe(true);
      expect(namespaceMatched).toBe(true);
    });

    it('does not match when no alternative matches', () => {
      // Prepare
      const event = { source: 'aws.cloudwatch', metricName: 'DiskQueue', namespace: 'AWS/RDS' };

      // Act
      const matched = matchesEventPattern(pattern, event);

      // Assess
      expect(matched).toBe(false);
    });

    it('does not match when an alternative matches but a sibling field does not', () => {
      // Prepare
      const event = { source: 'aws.ec2', metricName: 'CPUUtilization' };

      // Act
      const matched = matchesEventPattern(pattern, event);

      // Assess
      expect(matched).toBe(false);
    });

    it('works inside nested objects and with alternatives that are ANDs of several fields', () => {
      // Prepare
      const nested = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }], state: ['ok'] },
          ],
        },
      };

      // Act
      const first = matchesEventPattern(nested, { detail: { 'c-count': 3 } });
      const second = matchesEventPattern(nested, { detail: { 'd-count': 2, state: 'ok' } });
      const secondIncomplete = matchesEventPattern(nested, { detail: { 'd-count': 2, state: 'ko' } });

      // Assess
      expect(first).toBe(true);
      expect(second).toBe(true);
      expect(secondIncomplete).toBe(false);
    });

    it('requires every $or group to match when groups sit at several levels', () => {
      // Prepare
      const parallel = {
        $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
        detail: {
          $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }],
        },
      };

      // Act
      const both = matchesEventPattern(parallel, {
        namespace: 'AWS/EC2',
        detail: { source: 'aws.cloudwatch' },
      });
      const onlyTop = matchesEventPattern(parallel, { namespace: 'AWS/EC2', detail: { source: 'aws.s3' } });

      // Assess
      expect(both).toBe(true);
      expect(onlyTop).toBe(false);
    });

    it('supports an $or nested inside an $or alternative', () => {
      // Prepare
      const nestedOr = {
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      };

      // Act
      const inner = matchesEventPattern(nestedOr, { metricType: 'MetricType', spaceId: 1000 });
      const innerMissing = matchesEventPattern(nestedOr, { metricType: 'MetricType', spaceId: 1 });

      // Assess
      expect(inner).toBe(true);
      expect(innerMissing).toBe(false);
    });
  });

  describe('invalid patterns', () => {
    it.each<[string, unknown]>([
      ['a pattern that is not an object', ['aws.s3']],
      ['a pattern that is null', null],
      ['an empty pattern', {}],
      ['an empty nested object', { detail: {} }],
      ['a leaf that is not an array', { source: 'aws.s3' }],
      ['a leaf that is a number', { size: 5 }],
      ['an empty leaf array', { source: [] }],
      ['an array nested in a leaf array', { source: [['aws.s3']] }],
      ['an unknown operator', { key: [{ contains: 'raw' }] }],
      ['an operator object with two keys', { key: [{ prefix: 'a', suffix: 'b' }] }],
      ['an operator object with no key', { key: [{}] }],
      ['a prefix that is not a string', { key: [{ prefix: 1 }] }],
      ['a prefix with an unknown option', { key: [{ prefix: { 'equals-ignore-cases': 'a' } }] }],
      ['a suffix that is not a string', { key: [{ suffix: ['a'] }] }],
      ['an equals-ignore-case that is not a string', { key: [{ 'equals-ignore-case': 5 }] }],
      ['an anything-but of mixed types', { key: [{ 'anything-but': ['a', 1] }] }],
      ['an anything-but with an empty list', { key: [{ 'anything-but': [] }] }],
      ['an anything-but of a boolean', { key: [{ 'anything-but': true }] }],
      ['an anything-but of null', { key: [{ 'anything-but': null }] }],
      ['an anything-but with an empty prefix', { key: [{ 'anything-but': { prefix: '' } }] }],
      ['an anything-but with an unsupported operator', { key: [{ 'anything-but': { numeric: ['>', 1] } }] }],
      ['an exists that is not a boolean', { key: [{ exists: 'false' }] }],
      ['a numeric that is not an array', { size: [{ numeric: '>5' }] }],
      ['a numeric with an unknown operator', { size: [{ numeric: ['!=', 5] }] }],
      ['a numeric bound that is a string', { size: [{ numeric: ['>', '5'] }] }],
      ['a numeric range upside down', { size: [{ numeric: ['>', 5, '<', 1] }] }],
      ['a numeric range starting with its upper bound', { size: [{ numeric: ['<', 5, '>', 1] }] }],
      ['a numeric equality with extra terms', { size: [{ numeric: ['=', 5, '<', 6] }] }],
      ['a numeric with too many terms', { size: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }],
      ['a wildcard with consecutive stars', { key: [{ wildcard: 'a**b' }] }],
      ['a wildcard escaping another character', { key: [{ wildcard: 'a\\b' }] }],
      ['a wildcard ending with a lone backslash', { key: [{ wildcard: 'a\\' }] }],
      ['a cidr without prefix length', { ip: [{ cidr: '10.0.0.1' }] }],
      ['a cidr with an out-of-range length', { ip: [{ cidr: '10.0.0.0/33' }] }],
      ['a cidr with a bad address', { ip: [{ cidr: '10.0.0/24' }] }],
      ['an IPv6 cidr, unsupported locally', { ip: [{ cidr: '2001:db8::/32' }] }],
      ['an $or that is not an array', { $or: { a: ['x'] } }],
      ['an $or with a single alternative', { $or: [{ a: ['x'] }] }],
      ['an $or alternative that is not an object', { $or: [{ a: ['x'] }, ['b']] }],
      ['an operator name used as a field inside $or', { $or: [{ prefix: ['x'] }, { a: ['y'] }] }],
    ])('rejects %s with an EventPatternError', (_case, pattern) => {
      // Prepare
      const event = { source: 'aws.s3' };

      // Act
      const act = () => matchesEventPattern(pattern, event);

      // Assess
      expect(act).toThrow(EventPatternError);
    });

    it('names the error and locates the invalid part of the pattern', () => {
      // Prepare
      const pattern = { detail: { object: { key: [{ prefix: 'raw/' }, { sufix: '.csv' }] } } };

      // Act
      const act = () => compileEventPattern(pattern);

      // Assess
      expect(act).toThrow(
        expect.objectContaining({
          name: 'EventPatternError',
          path: 'detail.object.key[1]',
          message: expect.stringContaining('unknown operator "sufix"') as unknown,
        }),
      );
    });

    it('rejects an invalid pattern even when an earlier field already fails to match', () => {
      // Prepare
      const pattern = { source: ['aws.ec2'], detail: { key: [{ prefix: 5 }] } };

      // Act
      const act = () => matchesEventPattern(pattern, { source: 'aws.s3' });

      // Assess
      expect(act).toThrow(EventPatternError);
    });
  });
});

describe('compileEventPattern', () => {
  it('returns a matcher that can be applied to many events', () => {
    // Prepare
    const isPng = compileEventPattern({ key: [{ suffix: '.png' }] });

    // Act
    const results = ['a.png', 'b.csv', 'c.png'].map((key) => isPng({ key }));

    // Assess
    expect(results).toEqual([true, false, true]);
  });
});

describe('the arrival pattern', () => {
  const pattern = buildArrivalPattern({
    bucketName: 'landing-bucket',
    watchedPrefixes: ['raw/orders/', 'raw/customers/'],
  });

  it('matches an Object Created event for a key under a watched prefix', () => {
    // Prepare
    const event = objectCreatedEvent({ key: 'raw/customers/2024-06-01/part-0.csv' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(true);
  });

  it('does not match an event from another bucket', () => {
    // Prepare
    const event = objectCreatedEvent({ bucket: 'other-bucket' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(false);
  });

  it('does not match a key outside the watched prefixes', () => {
    // Prepare
    const event = objectCreatedEvent({ key: 'curated/orders/part-0.parquet' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(false);
  });

  it('does not match a key that only differs from a watched prefix in case', () => {
    // Prepare
    const event = objectCreatedEvent({ key: 'RAW/orders/part-0.parquet' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(false);
  });

  it('matches an Object Deleted event under a watched prefix (the versions it removed are marked)', () => {
    // Prepare
    const event = objectCreatedEvent({ detailType: 'Object Deleted' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(true);
  });

  it('does not match an Object Restore event', () => {
    // Prepare
    const event = objectCreatedEvent({ detailType: 'Object Restore Completed' });

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(false);
  });

  it('does not match an event without an object key', () => {
    // Prepare
    const event = objectCreatedEvent();
    const object: Partial<typeof event.detail.object> = { ...event.detail.object };
    delete object.key;
    const keyless = { ...event, detail: { ...event.detail, object } };

    // Act
    const matched = matchesEventPattern(pattern, keyless);

    // Assess
    expect(matched).toBe(false);
  });

  it('treats a watched prefix literally: a star in it is not a wildcard', () => {
    // Prepare
    const starred = buildArrivalPattern({ bucketName: 'b', watchedPrefixes: ['raw/*/'] });

    // Act
    const literal = matchesEventPattern(starred, objectCreatedEvent({ bucket: 'b', key: 'raw/*/part-0' }));
    const expanded = matchesEventPattern(
      starred,
      objectCreatedEvent({ bucket: 'b', key: 'raw/orders/part-0' }),
    );

    // Assess
    expect(literal).toBe(true);
    expect(expanded).toBe(false);
  });
});
