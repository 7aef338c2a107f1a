import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { detectFormat, formatFromExtension } from '../../../../lambdas/core/formats/detect-format';

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const PARQUET_HEAD = Uint8Array.of(0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15, 0x00);
const ARROW_HEAD = Uint8Array.of(...Buffer.from('ARROW1'), 0, 0, 0xff, 0xff);

describe('detectFormat', () => {
  it('recognizes Parquet by its PAR1 magic bytes', () => {
    // Prepare
    const key = 'out/part-0.parquet';

    // Act
    const detection = detectFormat(key, PARQUET_HEAD);

    // Assess
    expect(detection).toEqual({
      format: 'parquet',
      compression: 'none',
      extensionFormat: 'parquet',
      source: 'magic',
    });
  });

  it('recognizes Arrow IPC files by their ARROW1 magic bytes', () => {
    // Prepare
    const key = 'out/part-0.arrow';

    // Act
    const detection = detectFormat(key, ARROW_HEAD);

    // Assess
    expect(detection).toEqual({
      format: 'arrow',
      compression: 'none',
      extensionFormat: 'arrow',
      source: 'magic',
    });
  });

  it('detects gzip and the format of the inflated head', () => {
    // Prepare
    const csv = 'id,name\n1,a\n';
    const gz = gzipSync(csv);

    // Act
    const detection = detectFormat('out/part-0.csv.gz', gz, text(csv));

    // Assess
    expect(detection).toEqual({
      format: 'csv',
      compression: 'gzip',
      extensionFormat: 'csv',
      source: 'content',
    });
  });

  it('detects gzipped Parquet from the inflated magic bytes', () => {
    // Prepare
    const gz = gzipSync(PARQUET_HEAD);

    // Act
    const detection = detectFormat('out/part-0.gz', gz, PARQUET_HEAD);

    // Assess
    expect(detection).toMatchObject({ format: 'parquet', compression: 'gzip', source: 'magic' });
  });

  it('falls back to the extension for gzip whose head could not be inflated', () => {
    // Prepare
    const gz = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00);

    // Act
    const detection = detectFormat('out/part-0.jsonl.gz', gz);

    // Assess
    expect(detection).toEqual({
      format: 'jsonl',
      compression: 'gzip',
      extensionFormat: 'jsonl',
      source: 'extension',
    });
  });

  it('tells a JSON array from JSON Lines', () => {
    // Prepare
    const array = text('  \n[{"id": 1}, {"id": 2}]');
    const lines = text('{"id": 1}\n{"id": 2}\n');

    // Act
    const fromArray = detectFormat('out/data', array);
    const fromLines = detectFormat('out/data', lines);

    // Assess
    expect(fromArray).toMatchObject({ format: 'json', source: 'content' });
    expect(fromLines).toMatchObject({ format: 'jsonl', source: 'content' });
  });

  it('ignores a byte order mark before JSON', () => {
    // Prepare
    const head = text('\uFEFF{"id": 1}\n');

    // Act
    const detection = detectFormat('out/data', head);

    // Assess
    expect(detection.format).toBe('jsonl');
  });

  it.each([
    ['comma', 'id,name\n1,a\n'],
    ['semicolon', 'id;name\n1;a\n'],
    ['tab', 'id\tname\n1\ta\n'],
    ['pipe', 'id|name\n1|a\n'],
  ])('sniffs CSV with a %s delimiter in the first line', (_name, head) => {
    // Prepare: the head

    // Act
    const detection = detectFormat('out/export', text(head));

    // Assess
    expect(detection).toEqual({
      format: 'csv',
      compression: 'none',
      extensionFormat: null,
      source: 'content',
    });
  });

  it('does not take binary bytes with a comma for CSV', () => {
    // Prepare
    const head = Uint8Array.of(0x01, 0x2c, 0x00, 0x02, 0x0a);

    // Act
    const detection = detectFormat('out/blob', head);

    // Assess
    expect(detection).toEqual({
      format: 'unknown',
      compression: 'none',
      extensionFormat: null,
      source: 'extension',
    });
  });

  it('falls back to the extension when the content says nothing (single-column CSV)', () => {
    // Prepare
    const head = text('id\n1\n2\n');

    // Act
    const detection = detectFormat('out/ids.csv', head);

    // Assess
    expect(detection).toEqual({
      format: 'csv',
      compression: 'none',
      extensionFormat: 'csv',
      source: 'extension',
    });
  });

  it('says unknown for an empty object without a known extension', () => {
    // Prepare
    const head = new Uint8Array();

    // Act
    const detection = detectFormat('out/empty.bin', head);

    // Assess
    expect(detection).toEqual({
      format: 'unknown',
      compression: 'none',
      extensionFormat: null,
      source: 'extension',
    });
  });

  it('trusts magic bytes over the extension and reports the extension it contradicts', () => {
    // Prepare
    const key = 'out/part-0.csv';

    // Act
    const detection = detectFormat(key, PARQUET_HEAD);

    // Assess
    expect(detection.format).toBe('parquet');
    expect(detection.extensionFormat).toBe('csv');
  });

  it('trusts content over the extension and reports the extension it contradicts', () => {
    // Prepare
    const key = 'out/part-0.csv';

    // Act
    const detection = detectFormat(key, text('{"id": 1}\n'));

    // Assess
    expect(detection).toMatchObject({ format: 'jsonl', extensionFormat: 'csv', source: 'content' });
  });
});

describe('formatFromExtension', () => {
  it.each([
    ['a/b/data.csv', 'csv', false],
    ['a/b/data.TSV', 'csv', false],
    ['a/b/data.jsonl', 'jsonl', false],
    ['a/b/data.ndjson', 'jsonl', false],
    ['a/b/data.json', 'json', false],
    ['a/b/data.parquet', 'parquet', false],
    ['a/b/data.feather', 'arrow', false],
    ['a/b/data.csv.gz', 'csv', true],
    ['a/b/data.gz', null, true],
    ['a/b/data', null, false],
    ['a/b.csv/data', null, false],
    ['a/b/csv', null, false],
    ['a/b/data.xlsx', null, false],
  ])('maps %s to %s (gzip %s)', (key, format, gzip) => {
    // Prepare: the key

    // Act
    const result = formatFromExtension(key);

    // Assess
    expect(result).toEqual({ format, gzip });
  });
});
