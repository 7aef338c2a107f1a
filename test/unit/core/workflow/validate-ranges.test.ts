import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { FormatError, IncompleteTestError, IntegrityError } from '../../../../lambdas/core/errors';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { inspectOutput } from '../../../../lambdas/core/workflow/inspect-output';
import { validateOutput, type StoredReport } from '../../../../lambdas/core/workflow/validate-output';
import {
  checksKeysAcrossRows,
  mergeRanges,
  planRanges,
  rangeEnvelopeKey,
  validateRange,
  type RangeDeps,
  type RangeEnvelope,
  type RangeItem,
  type StoredRangedReport,
} from '../../../../lambdas/core/workflow/validate-ranges';
import type { ObjectRef, RegisteredOutput } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const NOW = new Date('2026-11-02T08:00:00.000Z');
const KEY = 'pipelines/sales/r1/export/big_orders/orders.csv';
const CONTRACT_KEY = `${CONTRACTS_PREFIX}sales-export-big_orders.yaml`;
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:prt-dev-output-testing:9a1b';
const HEADER = 'id,note,amount,channel';

/** No uniqueness check: its ranges are validated apart. The note is free text, quoted when it must be. */
const CONTRACT = `pipeline: sales
step: export
output: big_orders
path: pipelines/sales/{run_id}/export/big_orders/
format: csv
schema:
  - { name: id, type: int64, nullable: false, range: [1, 1000000] }
  - { name: note, type: string }
  - { name: amount, type: float64, nullable: false }
  - { name: channel, type: string, allowed: [web, store, app] }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.99, severity: error }
`;

function output(format: 'csv' | 'parquet' = 'csv'): RegisteredOutput {
  return {
    pipeline: 'sales',
    step: 'export',
    output: 'big_orders',
    runId: 'r1',
    contractKey: CONTRACT_KEY,
    format,
    convertTo: null,
    jobType: null,
  };
}

function setup() {
  const store = new InMemoryObjectStore(512);
  seedSampleContracts(store);
  store.put(ARTIFACTS_BUCKET, CONTRACT_KEY, CONTRACT);
  const deps: RangeDeps = {
    store,
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    quarantinePrefix: 'quarantine/',
    manifestsPrefix: 'manifests/',
    now: () => NOW,
  };
  return { store, deps };
}

function land(store: InMemoryObjectStore, body: string | Uint8Array, key = KEY): ObjectRef {
  const stored = store.put(LANDING_BUCKET, key, body);
  return objectRef({ key, etag: stored.etag, size: stored.body.byteLength });
}

/** A note that needs quoting: commas, doubled quotes and line ends (LF and CRLF) inside it. */
function note(i: number, lines: number): string {
  const text = Array.from({ length: lines }, (_, l) => `line ${l} of ${i}, "quoted", more`).join(
    i % 2 ? '\r\n' : '\n',
  );
  return `"${text.replace(/"/g, '""')}"`;
}

interface RowSpec {
  readonly lines: number;
  readonly bad: 'none' | 'amount' | 'channel' | 'id';
}

function row(i: number, spec: RowSpec): string {
  const id = spec.bad === 'id' ? '0' : String(i + 1);
  const amount = spec.bad === 'amount' ? '-3.5' : ((i % 97) + 0.25).toFixed(2);
  const channel = spec.bad === 'channel' ? 'fax' : (['web', 'store', 'app'] as const)[i % 3]!;
  const text = spec.lines === 0 ? `plain ${i}` : note(i, spec.lines);
  return `${id},${text},${amount},${channel}`;
}

function csvOf(specs: readonly RowSpec[]): string {
  return `${HEADER}\n${specs.map((s, i) => row(i, s)).join('\n')}\n`;
}

/** Runs the map as the state machine does: plan, every item through validateRange, then the merge. */
async function runRanges(
  deps: RangeDeps,
  object: ObjectRef,
  splitAboveBytes: number,
  out: RegisteredOutput = output(),
) {
  const manifest = await planRanges({ object, output: out, splitAboveBytes, execution: EXECUTION }, deps);
  const store = deps.store as InMemoryObjectStore;
  const items = JSON.parse(store.text(ARTIFACTS_BUCKET, manifest.key)) as RangeItem[];
  for (const part of items) await validateRange({ part, dataset: object, output: out }, deps);
  const result = await mergeRanges({ dataset: object, output: out, manifest }, deps);
  return { manifest, items, result };
}

async function onePass(deps: RangeDeps, object: ObjectRef, out: RegisteredOutput = output()) {
  const inspection = await inspectOutput({ object, output: out }, deps);
  return validateOutput({ object, output: out, inspection }, deps);
}

function reportOf(store: InMemoryObjectStore, uri: string): StoredRangedReport {
  return JSON.parse(
    store.text(ARTIFACTS_BUCKET, uri.replace(`s3://${ARTIFACTS_BUCKET}/`, '')),
  ) as StoredRangedReport;
}

function quarantineOf(store: InMemoryObjectStore, uri: string | null): string[] {
  if (uri === null) return [];
  return store
    .text(ARTIFACTS_BUCKET, uri.replace(`s3://${ARTIFACTS_BUCKET}/`, ''))
    .split('\n')
    .filter((l) => l !== '');
}

/** What a merged report and a one-pass report share exactly; moments merge up to rounding. */
function comparable(report: ValidationReport): unknown {
  return {
    status: report.status,
    rowCount: report.rowCount,
    failedRowCount: report.failedRowCount,
    schema: report.schema,
    rules: report.rules,
    failedRules: report.failedRules,
    summary: report.summary,
    profile: report.profile?.map(({ mean: _m, stddev: _s, ...rest }) => rest),
  };
}

describe('planRanges', () => {
  it('plans a CSV into byte ranges at record starts, about splitAboveBytes each, into the manifest', async () => {
    // Prepare: rows with multi-line quoted notes, so most even split points fall inside quotes.
    const { store, deps } = setup();
    const body = csvOf(Array.from({ length: 200 }, (_, i) => ({ lines: i % 4, bad: 'none' as const })));
    const object = land(store, body);

    // Act
    const manifest = await planRanges(
      { object, output: output(), splitAboveBytes: 4096, execution: EXECUTION },
      deps,
    );

    // Assess
    const items = JSON.parse(store.text(ARTIFACTS_BUCKET, manifest.key)) as RangeItem[];
    expect(manifest).toMatchObject({ kind: 'ranges', bucket: ARTIFACTS_BUCKET, parts: items.length });
    expect(manifest.key).toBe(`manifests/${LANDING_BUCKET}/${KEY}/etag:${object.etag}.9a1b.json`);
    expect(items.length).toBe(Math.ceil(body.length / 4096));
    const bytes = Buffer.from(body);
    const headerEnd = HEADER.length + 1;
    let next = headerEnd;
    for (const [index, item] of items.entries()) {
      expect(item).toMatchObject({ Key: KEY, Size: bytes.byteLength, Etag: `"${object.etag}"` });
      const range = item.Range;
      expect(range).toMatchObject({ kind: 'csv', index, count: items.length, headerEnd, start: next });
      if (range.kind !== 'csv') throw new Error('a CSV plans CSV ranges');
      // Every range starts a record: right after a line end, and with the row's own id.
      expect(bytes[range.start - 1]).toBe(10);
      expect(bytes.subarray(range.start, range.end).toString()).toMatch(/^\d+,/);
      next = range.end;
    }
    expect(next).toBe(bytes.byteLength);
  });

  it('plans one range for a contract that checks uniqueness across the object', async () => {
    // Prepare
    const { store, deps } = setup();
    store.put(
      ARTIFACTS_BUCKET,
      CONTRACT_KEY,
      CONTRACT.replace('nullable: false, range', 'nullable: false, unique: true, range'),
    );
    const object = land(
      store,
      csvOf(Array.from({ length: 200 }, () => ({ lines: 1, bad: 'none' as const }))),
    );

    // Act
    const manifest = await planRanges({ object, output: output(), splitAboveBytes: 1024 }, deps);

    // Assess
    expect(checksKeysAcrossRows(await deps.catalog.get(CONTRACT_KEY))).toBe(true);
    expect(manifest.parts).toBe(1);
  });

  it('refuses a gzip CSV: it cannot be split', async () => {
    // Prepare
    const { store, deps } = setup();
    const { gzipSync } = await import('node:zlib');
    const object = land(store, gzipSync(csvOf([{ lines: 0, bad: 'none' }])), `${KEY}.gz`);

    // Act
    const act = planRanges({ object, output: output(), splitAboveBytes: 1024 }, deps);

    // Assess
    await expect(act).rejects.toThrow(FormatError);
    await expect(act).rejects.toThrow(
      /only an uncompressed CSV, JSON Lines or Arrow object or a Parquet object is split/,
    );
  });
});

/** The CSV contract's rows as a Parquet object, in row groups of `rowGroupRows`. */
async function parquetOf(specs: readonly RowSpec[], rowGroupRows: number): Promise<Uint8Array> {
  const contract = await setup().deps.catalog.get(CONTRACT_KEY);
  const sink = new BufferSink('orders.parquet');
  const writer = createParquetWriter(sink, { schema: [...contract.schema], parquet: { rowGroupRows } });
  await writer.write(
    specs.map((spec, i) => [
      spec.bad === 'id' ? 0 : i + 1,
      `note ${i}`,
      spec.bad === 'amount' ? -3.5 : (i % 97) + 0.25,
      spec.bad === 'channel' ? 'fax' : (['web', 'store', 'app'] as const)[i % 3]!,
    ]),
  );
  await writer.close();
  return sink.bytes();
}

describe('validateRange and mergeRanges', () => {
  it('split a Parquet object into runs of row groups and merge into the one-pass report and quarantine', async () => {
    // Prepare: 400 rows in row groups of 25; failing rows in most groups.
    const { store, deps } = setup();
    store.put(ARTIFACTS_BUCKET, CONTRACT_KEY, CONTRACT.replace('format: csv', 'format: parquet'));
    const specs = Array.from({ length: 400 }, (_, i): RowSpec => ({
      lines: 0,
      bad: i % 29 === 3 ? 'amount' : i % 31 === 8 ? 'channel' : 'none',
    }));
    const object = land(store, await parquetOf(specs, 25), KEY.replace(/\.csv$/, '.parquet'));
    const single = await onePass(deps, object, output('parquet'));
    const singleReport = reportOf(store, single.reportUri);
    const singleQuarantine = quarantineOf(store, single.quarantineUri);
    expect(singleReport.status).toBe('failed');

    // Act: ranges of about a quarter of the object.
    const { items, result } = await runRanges(deps, object, Math.ceil(object.size / 4), output('parquet'));

    // Assess
    expect(items.map((i) => i.Range)).toEqual([
      { kind: 'parquet', index: 0, count: 4, start: 0, end: 4 },
      { kind: 'parquet', index: 1, count: 4, start: 4, end: 8 },
      { kind: 'parquet', index: 2, count: 4, start: 8, end: 12 },
      { kind: 'parquet', index: 3, count: 4, start: 12, end: 16 },
    ]);
    expect(comparable(reportOf(store, result.reportUri))).toEqual(comparable(singleReport));
    const quarantine = quarantineOf(store, result.quarantineUri);
    expect(quarantine).toEqual(singleQuarantine);
    expect(quarantine.map((l) => (JSON.parse(l) as { row: number }).row)).toEqual(
      specs.flatMap((s, i) => (s.bad === 'none' ? [] : [i + 1])),
    );
  });

  it("end with one report and one quarantine with the object's row numbers, equal to one pass", async () => {
    // Prepare: failing rows spread over the whole object, so several ranges hold some.
    const { store, deps } = setup();
    const specs = Array.from({ length: 300 }, (_, i): RowSpec => ({
      lines: i % 5 === 0 ? 3 : 0,
      bad: i % 37 === 5 ? 'amount' : i % 41 === 9 ? 'channel' : i % 53 === 7 ? 'id' : 'none',
    }));
    const object = land(store, csvOf(specs));
    const single = await onePass(deps, object);
    const singleReport = reportOf(store, single.reportUri) as StoredReport;
    const singleQuarantine = quarantineOf(store, single.quarantineUri);

    // Act
    const { items, result } = await runRanges(deps, object, 2048);

    // Assess
    expect(items.length).toBeGreaterThanOrEqual(4);
    const merged = reportOf(store, result.reportUri);
    expect(result.reportUri).toBe(single.reportUri);
    expect(result.quarantineUri).toBe(single.quarantineUri);
    expect(comparable(merged)).toEqual(comparable(singleReport));
    expect(merged.ranges).toEqual({ kind: 'csv', count: items.length });
    const quarantine = quarantineOf(store, result.quarantineUri);
    expect(quarantine).toEqual(singleQuarantine);
    const failing = specs.flatMap((s, i) => (s.bad === 'none' ? [] : [i + 1]));
    expect(quarantine.map((l) => (JSON.parse(l) as { row: number }).row)).toEqual(failing);
    // Failing rows came from several ranges, renumbered into the object's rows.
    const envelopes = items.map(
      (i) =>
        JSON.parse(
          store.text(ARTIFACTS_BUCKET, rangeEnvelopeKey(deps, object, i.Range.index)),
        ) as RangeEnvelope,
    );
    expect(envelopes.filter((e) => e.quarantinedRows > 0).length).toBeGreaterThanOrEqual(3);
  });

  it("judges a split object by its consumers' expectations, as one pass does", async () => {
    // Arrange: a step that reads big_orders and needs a column the object does not have
    const { store, deps } = setup();
    store.put(
      ARTIFACTS_BUCKET,
      `${CONTRACTS_PREFIX}sales-report-totals.yaml`,
      `pipeline: sales
step: report
output: totals
path: pipelines/sales/{run_id}/report/totals/
format: csv
inputs:
  - output: export/big_orders
    columns:
      - { name: id, type: int64, nullable: false }
      - { name: region, type: string }
schema:
  - { name: total, type: float64 }
`,
    );
    const object = land(
      store,
      csvOf(Array.from({ length: 120 }, () => ({ lines: 1, bad: 'none' as const }))),
    );
    const single = await onePass(deps, object);

    // Act
    const { items, result } = await runRanges(deps, object, 2048);

    // Assess
    expect(items.length).toBeGreaterThan(1);
    expect(single.status).toBe('failed');
    expect(result.status).toBe(single.status);
    expect(result.failedRules).toEqual(single.failedRules);
    expect(result.failedRules).toContain('consumer:sales/report/totals=incompatible');
    expect(reportOf(store, result.reportUri).consumers).toEqual(
      (reportOf(store, single.reportUri) as StoredReport).consumers,
    );
  });

  it('the merge loads a ks_test reference sample once and judges the whole object against it', async () => {
    // Prepare: amounts 0.25..96.25 against a reference of the same values.
    const { store, deps } = setup();
    store.put(
      ARTIFACTS_BUCKET,
      CONTRACT_KEY,
      `${CONTRACT}  - { name: amount_shape, field: amount, condition: ks_test, reference: s3://${ARTIFACTS_BUCKET}/reference.csv, value: 0.2 }\n`,
    );
    const specs = Array.from({ length: 300 }, () => ({ lines: 0, bad: 'none' as const }));
    store.put(
      ARTIFACTS_BUCKET,
      'reference.csv',
      `value\n${specs.map((_, i) => ((i % 97) + 0.25).toFixed(2)).join('\n')}\n`,
    );
    const object = land(store, csvOf(specs));
    const single = await onePass(deps, object);

    // Act
    const { items, result } = await runRanges(deps, object, 2048);

    // Assess
    expect(items.length).toBeGreaterThan(1);
    const rule = reportOf(store, result.reportUri).rules.find((r) => r.name === 'amount_shape');
    expect(rule).toMatchObject({ outcome: 'pass' });
    expect(rule?.note).toMatch(/against 300 reference values/);
    expect(comparable(reportOf(store, result.reportUri))).toEqual(
      comparable(reportOf(store, single.reportUri)),
    );
  });

  it('a malformed row ends the merge with a FormatError naming its range, as one pass would', async () => {
    // Prepare: a row with one field too many in the last part of the object.
    const { store, deps } = setup();
    const specs = Array.from({ length: 120 }, () => ({ lines: 0, bad: 'none' as const }));
    const object = land(store, `${csvOf(specs)}999,a,1.5,web,extra\n`);

    // Act
    const act = runRanges(deps, object, 1024);

    // Assess
    await expect(act).rejects.toThrow(FormatError);
    await expect(act).rejects.toThrow(/range \d+ of \d+ \(bytes \d+-\d+\)/);
  });

  it('records an object overwritten since the plan, and the merge ends in IntegrityError', async () => {
    // Prepare
    const { store, deps } = setup();
    const object = land(
      store,
      csvOf(Array.from({ length: 120 }, () => ({ lines: 0, bad: 'none' as const }))),
    );
    const manifest = await planRanges({ object, output: output(), splitAboveBytes: 1024 }, deps);
    const items = JSON.parse(store.text(ARTIFACTS_BUCKET, manifest.key)) as RangeItem[];
    land(store, csvOf([{ lines: 0, bad: 'none' }]));

    // Act
    for (const part of items) await validateRange({ part, dataset: object, output: output() }, deps);
    const act = mergeRanges({ dataset: object, output: output(), manifest }, deps);

    // Assess
    await expect(act).rejects.toThrow(IntegrityError);
    await expect(act).rejects.toThrow(/changed while its ranges were validated/);
  });

  it('a range the map never validated ends the merge in IncompleteTestError, not a partial report', async () => {
    // Prepare
    const { store, deps } = setup();
    const object = land(
      store,
      csvOf(Array.from({ length: 120 }, () => ({ lines: 0, bad: 'none' as const }))),
    );
    const manifest = await planRanges({ object, output: output(), splitAboveBytes: 1024 }, deps);
    const items = JSON.parse(store.text(ARTIFACTS_BUCKET, manifest.key)) as RangeItem[];

    // Act
    for (const part of items.slice(1)) await validateRange({ part, dataset: object, output: output() }, deps);
    const act = mergeRanges({ dataset: object, output: output(), manifest }, deps);

    // Assess
    await expect(act).rejects.toThrow(IncompleteTestError);
    await expect(act).rejects.toThrow(`range 1 of ${items.length} was not validated`);
  });
});

/**
 * Whether one of the even split points the planner starts from (planCsvRanges) falls inside a
 * quoted field, so that resolving it to a record start had to see past the field's line ends.
 */
function candidateInsideQuotes(body: string, splitAboveBytes: number): boolean {
  const bytes = Buffer.from(body);
  const inside = new Uint8Array(bytes.byteLength);
  let quoted = false;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] === 34) quoted = !quoted;
    inside[i] = quoted ? 1 : 0;
  }
  const headerEnd = HEADER.length + 1;
  const n = Math.ceil(bytes.byteLength / splitAboveBytes);
  const bodyBytes = bytes.byteLength - headerEnd;
  for (let k = 1; k < n; k++) if (inside[headerEnd + Math.floor((bodyBytes * k) / n)] === 1) return true;
  return false;
}

describe('ranges of one object (property)', () => {
  it('merge into the one-pass report and quarantine for any rows and split points', async () => {
    const rowSpec = fc.record({
      lines: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
      bad: fc.constantFrom('none', 'none', 'none', 'amount', 'channel', 'id'),
    }) as fc.Arbitrary<RowSpec>;
    let split = 0;
    let splitInsideQuotes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 40, maxLength: 160 }),
        fc.integer({ min: 200, max: 4000 }),
        async (specs, splitAboveBytes) => {
          // Prepare
          const { store, deps } = setup();
          const object = land(store, csvOf(specs));
          const single = await onePass(deps, object);
          const singleReport = reportOf(store, single.reportUri);
          const singleQuarantine = quarantineOf(store, single.quarantineUri);

          // Act
          const { items, result } = await runRanges(deps, object, splitAboveBytes);

          // Assess
          expect(items.length).toBeGreaterThanOrEqual(1);
          if (items.length > 1) split++;
          if (items.length > 1 && candidateInsideQuotes(csvOf(specs), splitAboveBytes)) splitInsideQuotes++;
          expect(comparable(reportOf(store, result.reportUri))).toEqual(comparable(singleReport));
          expect(quarantineOf(store, result.quarantineUri)).toEqual(singleQuarantine);
        },
      ),
      { numRuns: 60 },
    );
    // The property held over objects that were in fact split, not only over single ranges.
    expect(split).toBeGreaterThan(30);
    expect(splitInsideQuotes).toBeGreaterThan(10);
  });
});

describe('ranges of a JSON Lines object', () => {
  const JSONL_KEY = 'pipelines/sales/r1/export/big_orders/orders.jsonl';
  const JSONL_CONTRACT_KEY = `${CONTRACTS_PREFIX}sales-export-big_orders-lines.yaml`;
  const jsonlOutput = (): RegisteredOutput => ({
    ...output(),
    format: 'jsonl',
    contractKey: JSONL_CONTRACT_KEY,
  });

  function jsonlSetup() {
    const { store, deps } = setup();
    store.put(ARTIFACTS_BUCKET, JSONL_CONTRACT_KEY, CONTRACT.replace('format: csv', 'format: jsonl'));
    return { store, deps };
  }

  /** A record per spec; its note may hold escaped line feeds, and some records carry a column the contract does not name. */
  function jsonlOf(specs: readonly RowSpec[], blankEvery: number): string {
    const lines = specs.map((spec, i) => {
      const record: Record<string, unknown> = {
        id: spec.bad === 'id' ? 0 : i + 1,
        note:
          spec.lines === 0
            ? `plain ${i}`
            : Array.from({ length: spec.lines }, (_, l) => `line ${l} of ${i}`).join('\n'),
        amount: spec.bad === 'amount' ? -3.5 : (i % 97) + 0.25,
        channel: spec.bad === 'channel' ? 'fax' : (['web', 'store', 'app'] as const)[i % 3],
      };
      if (i % 37 === 36) record['extra'] = i;
      return JSON.stringify(record);
    });
    return `\ufeff${lines.map((l, i) => (blankEvery > 0 && i % blankEvery === 0 ? `${l}\n` : l)).join('\n')}\n`;
  }

  it('merge into the one-pass report and quarantine for any records and split points', async () => {
    const rowSpec = fc.record({
      lines: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
      bad: fc.constantFrom('none', 'none', 'none', 'amount', 'channel', 'id'),
    }) as fc.Arbitrary<RowSpec>;
    let split = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 40, maxLength: 160 }),
        fc.integer({ min: 300, max: 4000 }),
        fc.integer({ min: 0, max: 9 }),
        async (specs, splitAboveBytes, blankEvery) => {
          // Prepare
          const { store, deps } = jsonlSetup();
          const object = land(store, jsonlOf(specs, blankEvery), JSONL_KEY);
          const single = await onePass(deps, object, jsonlOutput());
          const singleReport = reportOf(store, single.reportUri);

          // Act
          const { items, result } = await runRanges(deps, object, splitAboveBytes, jsonlOutput());

          // Assess
          if (items.length > 1) split++;
          expect(items.every((i) => i.Range.kind === 'jsonl')).toBe(true);
          expect(comparable(reportOf(store, result.reportUri))).toEqual(comparable(singleReport));
          expect(quarantineOf(store, result.quarantineUri)).toEqual(
            quarantineOf(store, single.quarantineUri),
          );
        },
      ),
      { numRuns: 40 },
    );
    // The property held over objects that were in fact split, not only over single ranges.
    expect(split).toBeGreaterThan(25);
  });

  it('a line that is not JSON ends the merge with a FormatError naming its range, as one pass would', async () => {
    // Prepare
    const { store, deps } = jsonlSetup();
    const specs = Array.from({ length: 120 }, () => ({ lines: 0, bad: 'none' as const }));
    const object = land(store, `${jsonlOf(specs, 0)}{"id": 121, "note": \n`, JSONL_KEY);

    // Act
    const single = onePass(deps, object, jsonlOutput());
    const ranged = runRanges(deps, object, 1024, jsonlOutput());

    // Assess
    await expect(single).rejects.toThrow(FormatError);
    await expect(ranged).rejects.toThrow(FormatError);
    await expect(ranged).rejects.toThrow(
      /range \d+ of \d+ \(bytes \d+-\d+\): JSON Lines record is not valid JSON/,
    );
  });
});

describe('ranges of an Arrow IPC object', () => {
  const ARROW_KEY = 'pipelines/sales/r1/export/big_orders/orders.arrow';
  const ARROW_CONTRACT_KEY = `${CONTRACTS_PREFIX}sales-export-big_orders-arrow.yaml`;
  const arrowOutput = (): RegisteredOutput => ({
    ...output(),
    format: 'arrow',
    contractKey: ARROW_CONTRACT_KEY,
  });

  function arrowSetup() {
    const { store, deps } = setup();
    store.put(ARTIFACTS_BUCKET, ARROW_CONTRACT_KEY, CONTRACT.replace('format: csv', 'format: arrow'));
    return { store, deps };
  }

  /** The rows as record batches of `batchRows` (the channel dictionary-encoded), as an IPC file or stream. */
  async function arrowOf(specs: readonly RowSpec[], batchRows: number, format: 'file' | 'stream') {
    const arrow = await import('apache-arrow');
    const table = new arrow.Table({
      id: arrow.vectorFromArray(BigInt64Array.from(specs, (s, i) => BigInt(s.bad === 'id' ? 0 : i + 1))),
      note: arrow.vectorFromArray(
        specs.map((s, i) => (i % 11 === 5 ? null : `note ${i}${s.lines > 0 ? ', with more' : ''}`)),
        new arrow.Utf8(),
      ),
      amount: arrow.vectorFromArray(
        Float64Array.from(specs, (s, i) => (s.bad === 'amount' ? -3.5 : (i % 97) + 0.25)),
      ),
      channel: arrow.vectorFromArray(
        specs.map((s, i) => (s.bad === 'channel' ? 'fax' : (['web', 'store', 'app'] as const)[i % 3]!)),
        new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
      ),
    });
    const [whole] = table.batches;
    const batches = [];
    for (let at = 0; at < specs.length; at += batchRows)
      batches.push(whole!.slice(at, Math.min(specs.length, at + batchRows)));
    return arrow.tableToIPC(new arrow.Table(table.schema, batches), format);
  }

  it('merge into the one-pass report and quarantine for any rows, batch sizes and split points', async () => {
    const rowSpec = fc.record({
      lines: fc.constantFrom(0, 1),
      bad: fc.constantFrom('none', 'none', 'none', 'amount', 'channel', 'id'),
    }) as fc.Arbitrary<RowSpec>;
    let split = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 40, maxLength: 160 }),
        fc.integer({ min: 3, max: 40 }),
        fc.integer({ min: 300, max: 3000 }),
        async (specs, batchRows, splitAboveBytes) => {
          // Prepare
          const { store, deps } = arrowSetup();
          const object = land(store, await arrowOf(specs, batchRows, 'file'), ARROW_KEY);
          const single = await onePass(deps, object, arrowOutput());

          // Act
          const { items, result } = await runRanges(deps, object, splitAboveBytes, arrowOutput());

          // Assess
          if (items.length > 1) split++;
          expect(items.every((i) => i.Range.kind === 'arrow' && i.Range.blocks)).toBe(true);
          expect(comparable(reportOf(store, result.reportUri))).toEqual(
            comparable(reportOf(store, single.reportUri)),
          );
          expect(quarantineOf(store, result.quarantineUri)).toEqual(
            quarantineOf(store, single.quarantineUri),
          );
        },
      ),
      { numRuns: 30 },
    );
    expect(split).toBeGreaterThan(20);
  });

  it('plans an IPC stream, which has no footer, as the whole object in one range', async () => {
    // Prepare
    const { store, deps } = arrowSetup();
    const specs = Array.from({ length: 120 }, (_, i): RowSpec => ({
      lines: 0,
      bad: i % 13 === 4 ? 'amount' : 'none',
    }));
    const object = land(store, await arrowOf(specs, 10, 'stream'), ARROW_KEY);
    const single = await onePass(deps, object, arrowOutput());

    // Act
    const { items, result } = await runRanges(deps, object, 300, arrowOutput());

    // Assess
    expect(items.map((i) => i.Range)).toEqual([
      { kind: 'arrow', index: 0, count: 1, start: 0, end: 0, blocks: false },
    ]);
    expect(comparable(reportOf(store, result.reportUri))).toEqual(
      comparable(reportOf(store, single.reportUri)),
    );
  });
});
